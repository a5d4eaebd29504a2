"""Paths through the trading loop and the lease timing rule."""

from __future__ import annotations

import pytest

from xor_trading.domain.bot_lifecycle import BotState as S
from xor_trading.runtime.lease import Lease, LeaseTiming
from xor_trading.runtime.lifecycle_tracker import loop_path


def test_loop_path_from_position_open_to_monitoring_goes_through_position_closed() -> None:
    assert loop_path(S.POSITION_OPEN, S.MONITORING) == [S.POSITION_CLOSED, S.MONITORING]


def test_loop_path_from_monitoring_to_position_open_goes_through_signal_detected() -> None:
    assert loop_path(S.MONITORING, S.POSITION_OPEN) == [S.SIGNAL_DETECTED, S.POSITION_OPEN]


def test_loop_path_to_the_same_state_is_empty() -> None:
    assert loop_path(S.MONITORING, S.MONITORING) == []


def test_lease_timing_renewing_less_often_than_half_the_ttl_is_refused() -> None:
    with pytest.raises(ValueError, match="not at most half the lease TTL"):
        LeaseTiming(ttl_ms=10_000, renew_every_ms=6_000)


def test_lease_order_id_prefix_is_the_fencing_token() -> None:
    assert Lease("b", "w", 12, 0).order_id_prefix == "12."
