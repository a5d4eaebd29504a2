"""Stream messages write values as the REST API does: decimals as plain strings without
an exponent, UTC datetimes with ``Z``, enums as their values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from xor_trading.domain.orders import OrderSide
from xor_trading.services.stream_events import to_json_value


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0.0000001"), "0.0000001"),  # str() would say 1E-7
        (Decimal("1E+3"), "1000"),
        (Decimal("65000.10"), "65000.10"),  # as given: trailing zeros are the caller's
        (Decimal("-3"), "-3"),
    ],
)
def test_decimals_are_plain_strings(amount: Decimal, text: str) -> None:
    assert to_json_value(amount) == text


def test_datetimes_are_iso_8601_with_z_for_utc() -> None:
    at = datetime(2017, 8, 17, 23, 0, 0, 123000, tzinfo=UTC)
    assert to_json_value(at) == "2017-08-17T23:00:00.123000Z"
    plus_two = datetime(2017, 8, 17, 23, tzinfo=timezone(timedelta(hours=2)))
    assert to_json_value(plus_two) == "2017-08-17T23:00:00+02:00"


def test_nested_values_are_converted() -> None:
    assert to_json_value({"side": OrderSide.BUY, "fills": (Decimal("1E-2"),)}) == {
        "side": "buy",
        "fills": ["0.01"],
    }
