"""Exact rounding to an increment (core/precision.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xor_trading.core.precision import Rounding, is_multiple, round_to_increment

D = Decimal
CENT = D("0.01")


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        ("1.239", Rounding.DOWN, "1.23"),
        ("1.231", Rounding.UP, "1.24"),
        ("1.234", Rounding.NEAREST, "1.23"),
        ("1.236", Rounding.NEAREST, "1.24"),
        ("1.235", Rounding.NEAREST, "1.24"),  # half to even: 123.5 -> 124
        ("1.245", Rounding.NEAREST, "1.24"),  # half to even: 124.5 -> 124
        ("-1.231", Rounding.DOWN, "-1.24"),  # towards minus infinity
        ("-1.239", Rounding.UP, "-1.23"),  # towards plus infinity
        ("-1.235", Rounding.NEAREST, "-1.24"),
        ("-1.245", Rounding.NEAREST, "-1.24"),
        ("0.009", Rounding.DOWN, "0.00"),
        ("0.001", Rounding.UP, "0.01"),
    ],
)
def test_round_to_increment_cent_direction_gives_expected(
    value: str, rounding: Rounding, expected: str
) -> None:
    result = round_to_increment(D(value), CENT, rounding)
    assert result == D(expected)
    assert str(result) == expected


@pytest.mark.parametrize("rounding", list(Rounding))
def test_round_to_increment_exact_multiple_is_unchanged(rounding: Rounding) -> None:
    assert round_to_increment(D("105554.32"), CENT, rounding) == D("105554.32")
    assert round_to_increment(D("-3.10"), CENT, rounding) == D("-3.10")


@pytest.mark.parametrize("rounding", list(Rounding))
def test_round_to_increment_result_carries_increment_exponent(rounding: Rounding) -> None:
    assert round_to_increment(D("5"), D("0.001"), rounding).as_tuple().exponent == -3
    assert str(round_to_increment(D("5"), D("0.001"), rounding)) == "5.000"
    assert round_to_increment(D("1.23456789"), D("0.00001"), rounding).as_tuple().exponent == -5


def test_round_to_increment_non_power_of_ten_increment_rounds_to_its_multiples() -> None:
    assert round_to_increment(D("1.3"), D("0.5"), Rounding.DOWN) == D("1.0")
    assert round_to_increment(D("1.3"), D("0.5"), Rounding.UP) == D("1.5")
    assert round_to_increment(D("12"), D("5"), Rounding.DOWN) == D("10")
    assert round_to_increment(D("-12"), D("5"), Rounding.DOWN) == D("-15")


def test_round_to_increment_docstring_example_holds() -> None:
    assert round_to_increment(D("1.239"), D("0.01"), Rounding.DOWN) == D("1.23")


@pytest.mark.parametrize("increment", ["0", "-0.01"])
def test_round_to_increment_non_positive_increment_raises_value_error(increment: str) -> None:
    with pytest.raises(ValueError, match="increment must be positive"):
        round_to_increment(D("1"), D(increment), Rounding.DOWN)


def test_rounding_enum_maps_to_decimal_modes() -> None:
    assert Rounding.DOWN.value == "ROUND_FLOOR"
    assert Rounding.UP.value == "ROUND_CEILING"
    assert Rounding.NEAREST.value == "ROUND_HALF_EVEN"


_values = st.decimals(
    min_value=D("-1000000"), max_value=D("1000000"), places=8, allow_nan=False, allow_infinity=False
)
_increments = st.sampled_from([D("0.01"), D("0.00001"), D("0.0005"), D("1"), D("0.25")])


@given(_values, _increments)
def test_round_to_increment_down_is_largest_multiple_not_above(value: D, inc: D) -> None:
    result = round_to_increment(value, inc, Rounding.DOWN)
    assert is_multiple(result, inc)
    assert result <= value < result + inc


@given(_values, _increments)
def test_round_to_increment_up_is_smallest_multiple_not_below(value: D, inc: D) -> None:
    result = round_to_increment(value, inc, Rounding.UP)
    assert is_multiple(result, inc)
    assert result - inc < value <= result


@given(_values, _increments)
def test_round_to_increment_nearest_is_within_half_increment(value: D, inc: D) -> None:
    result = round_to_increment(value, inc, Rounding.NEAREST)
    assert is_multiple(result, inc)
    assert abs(result - value) <= inc / 2


@pytest.mark.parametrize(
    ("value", "increment", "expected"),
    [
        ("1.23", "0.01", True),
        ("1.235", "0.01", False),
        ("0", "0.01", True),
        ("-0.02", "0.01", True),
        ("-0.015", "0.01", False),
        ("0.00947", "0.00001", True),
        ("0.000015", "0.00001", False),
        ("1.5", "0.5", True),
        ("1.6", "0.5", False),
        ("100", "10", True),
    ],
)
def test_is_multiple_value_and_increment_gives_expected(
    value: str, increment: str, expected: bool
) -> None:
    assert is_multiple(D(value), D(increment)) is expected
