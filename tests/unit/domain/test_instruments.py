"""Instruments and the venue's precision rules (domain/instruments.py), on BTC/USDT numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xor_trading.core.ids import Symbol
from xor_trading.core.precision import Rounding, is_multiple
from xor_trading.domain.instruments import Instrument

D = Decimal

BTC_USDT = Instrument(
    exchange="binance",
    symbol=Symbol("BTC/USDT"),
    base="BTC",
    quote="USDT",
    tick_size=D("0.01"),
    lot_size=D("0.00001"),
    min_qty=D("0.00001"),
    min_notional=D("10"),
    max_qty=D("9000"),
)

# An instrument whose minimum quantity is larger than its lot size, to reach that check.
COARSE = Instrument(
    exchange="test",
    symbol=Symbol("XYZ/USDT"),
    base="XYZ",
    quote="USDT",
    tick_size=D("0.0001"),
    lot_size=D("0.00001"),
    min_qty=D("0.001"),
    min_notional=D("5"),
)


def test_instrument_default_fee_quantum_is_1e_minus_8() -> None:
    assert COARSE.fee_quantum == D("0.00000001")
    assert COARSE.max_qty is None


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        ("105554.329", Rounding.DOWN, "105554.32"),
        ("105554.321", Rounding.UP, "105554.33"),
        ("105554.325", Rounding.NEAREST, "105554.32"),
        ("105554.326", Rounding.NEAREST, "105554.33"),
        ("105554.32", Rounding.UP, "105554.32"),
    ],
)
def test_instrument_round_price_to_tick_gives_expected(
    value: str, rounding: Rounding, expected: str
) -> None:
    result = BTC_USDT.round_price(D(value), rounding)
    assert result == D(expected)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.009479", "0.00947"),
        ("0.00947", "0.00947"),
        ("0.000009", "0.00000"),
        ("1.999999", "1.99999"),
    ],
)
def test_instrument_round_quantity_down_never_rounds_up(value: str, expected: str) -> None:
    result = BTC_USDT.round_quantity_down(D(value))
    assert result == D(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("fee", "expected"),
    [
        ("0.9995994104", "0.99959942"),  # 0.1% of 0.00947 BTC at 105554.32
        ("0.000000001", "0.00000001"),  # below one quantum: the venue books one quantum
        ("0.00000001", "0.00000001"),
        ("1.5", "1.50000000"),
        ("0", "0E-8"),
    ],
)
def test_instrument_round_fee_rounds_up_to_quantum(fee: str, expected: str) -> None:
    result = BTC_USDT.round_fee(D(fee))
    assert result == D(expected)
    assert result.as_tuple().exponent == -8


def test_instrument_quantity_for_notional_btc_usdt_1000_usdt_exact() -> None:
    qty = BTC_USDT.quantity_for_notional(D("1000"), D("105554.32"))
    assert qty == D("0.00947")
    assert str(qty) == "0.00947"
    assert qty * D("105554.32") == D("999.5994104")


def test_instrument_quantity_for_notional_exact_fit_uses_whole_notional() -> None:
    assert BTC_USDT.quantity_for_notional(D("1000"), D("100000")) == D("0.01000")


def test_instrument_quantity_for_notional_below_one_lot_is_zero() -> None:
    assert BTC_USDT.quantity_for_notional(D("1"), D("105554.32")) == D("0")


@given(
    notional=st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=8),
    at_price=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
)
def test_instrument_quantity_for_notional_never_exceeds_notional_and_is_maximal(
    notional: D, at_price: D
) -> None:
    qty = BTC_USDT.quantity_for_notional(notional, at_price)
    assert qty >= 0
    assert is_multiple(qty, BTC_USDT.lot_size)
    assert qty.as_tuple().exponent == -5
    assert qty * at_price <= notional
    assert (qty + BTC_USDT.lot_size) * at_price > notional  # one more lot would exceed it


def test_instrument_check_order_valid_order_is_none() -> None:
    assert BTC_USDT.check_order(D("0.00947"), D("105554.32")) is None


def test_instrument_check_order_notional_exactly_minimum_is_accepted() -> None:
    assert BTC_USDT.check_order(D("0.001"), D("10000")) is None


def test_instrument_check_order_quantity_exactly_maximum_is_accepted() -> None:
    assert BTC_USDT.check_order(D("9000"), D("1")) is None


@pytest.mark.parametrize(
    ("qty", "at_price", "message"),
    [
        ("0", "105554.32", "quantity 0 is not positive"),
        ("-0.001", "105554.32", "quantity -0.001 is not positive"),
        (
            "0.000015",
            "105554.32",
            "quantity 0.000015 is not a multiple of the lot size 0.00001",
        ),
        ("9000.00001", "1", "quantity 9000.00001 is above the maximum 9000"),
        (
            "0.00009",
            "105554.32",
            "order value 9.4998888 USDT is below the minimum notional 10 USDT",
        ),
        (
            "0.00009",
            "100000",
            "order value 9.00000 USDT is below the minimum notional 10 USDT",
        ),
    ],
)
def test_instrument_check_order_violated_limit_gives_message(
    qty: str, at_price: str, message: str
) -> None:
    assert BTC_USDT.check_order(D(qty), D(at_price)) == message


def test_instrument_check_order_below_min_qty_gives_message() -> None:
    assert COARSE.check_order(D("0.0005"), D("100000")) == (
        "quantity 0.0005 is below the minimum 0.001"
    )


def test_instrument_check_order_without_max_qty_accepts_huge_quantity() -> None:
    assert COARSE.check_order(D("1000000"), D("1")) is None


def test_instrument_check_order_first_violation_wins() -> None:
    # not a lot multiple AND below min notional: the lot-size message is reported
    assert BTC_USDT.check_order(D("0.000015"), D("1")) == (
        "quantity 0.000015 is not a multiple of the lot size 0.00001"
    )
