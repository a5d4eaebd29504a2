"""Exact decimal values (domain/values.py): Price, Quantity, Money, to_decimal."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from xor_trading.domain.values import ZERO, Money, price, quantity, to_decimal

D = Decimal


def test_to_decimal_string_is_exact() -> None:
    result = to_decimal("0.1")
    assert result == D("0.1")
    assert str(result) == "0.1"


def test_to_decimal_float_has_no_binary_artefact() -> None:
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal(0.1) != D(0.1)  # the naive conversion is not 0.1
    assert to_decimal(105554.32) == D("105554.32")


def test_to_decimal_int_is_exact() -> None:
    assert to_decimal(10**20) == D("100000000000000000000")


def test_to_decimal_decimal_is_returned_unchanged() -> None:
    d = D("1.2300")
    assert to_decimal(d) is d


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        "NaN",
        "Infinity",
        "-inf",
        D("NaN"),
        D("sNaN"),
        D("Infinity"),
    ],
)
def test_to_decimal_non_finite_raises_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        to_decimal(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"), [("105554.32", "105554.32"), (0.1, "0.1"), (3, "3")]
)
def test_price_positive_value_gives_decimal(value: object, expected: str) -> None:
    p = price(value)  # type: ignore[arg-type]
    assert isinstance(p, Decimal)
    assert p == D(expected)


@pytest.mark.parametrize("value", [0, "0", D("-0"), -1, "-0.01", 0.0])
def test_price_non_positive_raises_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="a price must be positive"):
        price(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "-Infinity", D("NaN")])
def test_price_non_finite_raises_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        price(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "expected"), [(0, "0"), ("0.00947", "0.00947"), (1.5, "1.5")])
def test_quantity_non_negative_value_gives_decimal(value: object, expected: str) -> None:
    q = quantity(value)  # type: ignore[arg-type]
    assert isinstance(q, Decimal)
    assert q == D(expected)


@pytest.mark.parametrize("value", [-1, "-0.00001", -0.5])
def test_quantity_negative_raises_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="a quantity cannot be negative"):
        quantity(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("-inf"), "inf"])
def test_quantity_non_finite_raises_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        quantity(value)  # type: ignore[arg-type]


def test_zero_is_decimal_zero() -> None:
    assert isinstance(ZERO, Decimal)
    assert ZERO == 0


def test_money_add_same_currency_sums_exactly() -> None:
    assert Money(D("0.1"), "USDT") + Money(D("0.2"), "USDT") == Money(D("0.3"), "USDT")


def test_money_sub_same_currency_subtracts_exactly() -> None:
    assert Money(D("10"), "USDT") - Money(D("0.01"), "USDT") == Money(D("9.99"), "USDT")


def test_money_neg_flips_sign_keeps_currency() -> None:
    assert -Money(D("2.5"), "BTC") == Money(D("-2.5"), "BTC")


def test_money_add_mixed_currencies_raises_value_error() -> None:
    with pytest.raises(ValueError, match="cannot mix USDT and BTC"):
        Money(D(1), "USDT") + Money(D(1), "BTC")


def test_money_sub_mixed_currencies_raises_value_error() -> None:
    with pytest.raises(ValueError, match="cannot mix BTC and USDT"):
        Money(D(1), "BTC") - Money(D(1), "USDT")


def test_money_zero_is_zero_in_that_currency() -> None:
    z = Money.zero("EUR")
    assert z == Money(D(0), "EUR")
    assert z.amount == 0
    assert z.currency == "EUR"


def test_money_str_is_amount_then_currency() -> None:
    assert str(Money(D("12.50"), "USDT")) == "12.50 USDT"


def test_money_is_frozen() -> None:
    m = Money(D(1), "USDT")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.amount = D(2)  # type: ignore[misc]


def test_money_equality_requires_same_currency() -> None:
    assert Money(D(1), "USDT") != Money(D(1), "USDC")
    assert Money(D("1.0"), "USDT") == Money(D("1"), "USDT")
