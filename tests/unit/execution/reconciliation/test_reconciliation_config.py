"""Reconciliation settings refuse values that would make the gate unsafe or meaningless."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.execution.reconciliation_config import ReconciliationConfig


def test_config_defaults_fail_closed() -> None:
    config = ReconciliationConfig(client_order_id_prefix="xbot1-")

    assert config.align_with_synthetic_fills is False
    assert config.unknown.min_not_found_answers == 3
    assert config.in_flight_check_interval_ms == 1_000


@pytest.mark.parametrize("prefix", ["", "bot 1", "x" * 36, "bot#1"])
def test_config_bad_client_id_prefix_config_error(prefix: str) -> None:
    with pytest.raises(ConfigError, match="client_order_id_prefix") as caught:
        ReconciliationConfig(client_order_id_prefix=prefix)
    assert caught.value.hint == "use 1 to 35 characters from A-Z a-z 0-9 . : / _ -"


@pytest.mark.parametrize("interval_ms", [0, -1_000])
def test_config_interval_not_positive_config_error(interval_ms: int) -> None:
    with pytest.raises(ConfigError, match="in_flight_check_interval_ms"):
        ReconciliationConfig(client_order_id_prefix="x", in_flight_check_interval_ms=interval_ms)
