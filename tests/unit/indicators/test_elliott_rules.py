"""Elliott hard rules and invalidation levels (indicators/elliott_rules.py), checked by hand."""

from __future__ import annotations

import pytest

from xor_trading.indicators.elliott_rules import (
    Invalidation,
    correction_invalidations,
    correction_violation,
    impulse_invalidations,
    impulse_violation,
)

UP = [1000.0, 1100.0, 1050.0, 1211.8, 1150.0, 1250.0]


def test_impulse_violation_textbook_up_breaks_nothing() -> None:
    for waves in range(1, 6):
        assert impulse_violation(UP[: waves + 1], up=True) is None


def test_impulse_violation_mirrored_down_breaks_nothing() -> None:
    assert impulse_violation([3000.0 - p for p in UP], up=False) is None


@pytest.mark.parametrize(
    ("prices", "reason"),
    [
        ([1000.0, 1100.0, 990.0], "wave 2 retraces more than 100 % of wave 1"),
        ([1000.0, 1100.0, 1050.0, 1100.0], "wave 3 does not pass the end of wave 1"),
        ([1000.0, 1100.0, 1050.0, 1211.8, 1099.0], "wave 4 enters wave 1's price territory"),
        (
            [1000.0, 1100.0, 1050.0, 1140.0, 1110.0, 1230.0],
            "wave 3 is the shortest of waves 1, 3 and 5",
        ),
        ([1000.0, 1100.0, 1100.0], "wave 2 does not move in its direction"),
        ([1000.0, 990.0, 1050.0], "wave 1 does not move in its direction"),
    ],
)
def test_impulse_violation_broken_rule_is_named(prices: list[float], reason: str) -> None:
    assert impulse_violation(prices, up=True) == reason


def test_impulse_violation_touching_levels_is_not_a_break() -> None:
    # Wave 2 ends at wave 1's start, wave 4 at wave 1's end, wave 3 ties wave 1 and wave 5.
    assert impulse_violation([1000.0, 1100.0, 1000.0, 1200.0, 1100.0, 1300.0], up=True) is None
    assert impulse_violation([1000.0, 1100.0, 1050.0, 1150.0, 1100.0, 1200.0], up=True) is None


def test_impulse_violation_wrong_number_of_points_raises() -> None:
    with pytest.raises(ValueError, match="1 to 5 waves"):
        impulse_violation([1.0], up=True)
    with pytest.raises(ValueError, match="1 to 5 waves"):
        impulse_violation([1.0] * 7, up=True)


def test_correction_violation_b_beyond_a_start_is_named() -> None:
    assert correction_violation([2000.0, 1900.0, 1961.8, 1861.8], up=False) is None
    assert correction_violation([2000.0, 1900.0, 2000.0, 1850.0], up=False) is None
    assert (
        correction_violation([2000.0, 1900.0, 2000.5], up=False)
        == "wave B retraces more than 100 % of wave A"
    )
    assert correction_violation([2000.0, 1900.0, 1950.0, 1960.0], up=False) == (
        "wave C does not move in its direction"
    )


def test_impulse_invalidations_follow_the_developing_wave() -> None:
    def levels(waves: int) -> list[tuple[float, bool]]:
        return [(i.price, i.breaks_above) for i in impulse_invalidations(UP[: waves + 1], True)]

    assert levels(1) == [(1000.0, False)]
    assert levels(2) == [(1000.0, False)]
    assert levels(3) == [(1100.0, False)]
    assert levels(4) == [(1100.0, False)]
    assert levels(5) == [(1250.0, True)]


def test_impulse_invalidations_down_impulse_in_wave_5_with_short_wave_3_caps_below() -> None:
    # Down waves 100, 50, 90, 30: wave 5 must not fall more than 90 below 1890.
    levels = impulse_invalidations([2000.0, 1900.0, 1950.0, 1860.0, 1890.0], up=False)
    assert [(i.price, i.breaks_above) for i in levels] == [(1900.0, True), (1800.0, False)]


def test_correction_invalidations_follow_the_developing_wave() -> None:
    prices = [2000.0, 1900.0, 1961.8, 1861.8]
    assert correction_invalidations(prices[:3], up=False)[0] == Invalidation(
        2000.0, True, "wave B retraces more than 100 % of wave A"
    )
    last = correction_invalidations(prices, up=False)[0]
    assert (last.price, last.breaks_above) == (1861.8, False)


def test_invalidation_is_broken_by_only_beyond_the_level() -> None:
    above = Invalidation(100.0, True, "r")
    below = Invalidation(100.0, False, "r")
    assert above.is_broken_by(100.01)
    assert not above.is_broken_by(100.0)
    assert below.is_broken_by(99.99)
    assert not below.is_broken_by(100.0)
