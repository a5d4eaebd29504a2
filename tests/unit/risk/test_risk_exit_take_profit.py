"""The take-profit ladder (risk/exit_take_profit.py): hand-computed legs, merges, partial fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import Symbol
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.exits import (
    LegFill,
    ProtectiveLeg,
    StopPolicy,
    TakeProfitLadder,
    protective_legs,
)
from xor_trading.testing.factories import make_instrument

D = Decimal
INST = make_instrument()  # tick 0.01, lot 0.001 (= min qty), min notional 1
# lot 0.01, min qty 0.1, no minimum notional
COARSE = Instrument(
    "simulated", Symbol("TST/USDT"), "TST", "USDT", D("0.01"), D("0.01"), D("0.1"), D(0)
)


def _qtys(state: object) -> list[Decimal]:
    return [leg.quantity for leg in state.legs]  # type: ignore[attr-defined]


def test_risk_exit_ladder_default_levels_split_50_30_20() -> None:
    ladder = TakeProfitLadder()
    assert ladder.levels == ((D(1), D(50)), (D(2), D(30)), (D(3), D(20)))
    assert ladder.quantities(D("1.000"), INST) == (D("0.500"), D("0.300"), D("0.200"))


def test_risk_exit_ladder_floats_are_read_through_str() -> None:
    ladder = TakeProfitLadder(levels=((1.0, 50), (2.0, 30), (3.0, 20)))
    assert ladder == TakeProfitLadder()


def test_risk_exit_ladder_prices_round_up_to_the_tick() -> None:
    # 123.45 * 1.01 = 124.6845, * 1.02 = 125.919, * 1.03 = 127.1535
    prices = TakeProfitLadder().prices(D("123.45"), INST)
    assert prices == (D("124.69"), D("125.92"), D("127.16"))


def test_risk_exit_ladder_legs_round_down_and_the_last_takes_the_remainder() -> None:
    # 0.0035 -> 0.003, 0.0021 -> 0.002, remainder 0.007 - 0.005 = 0.002
    assert TakeProfitLadder().quantities(D("0.007"), INST) == (D("0.003"), D("0.002"), D("0.002"))
    # 33/33/34 of 0.010: 0.0033 -> 0.003 twice, the last 0.004
    ladder = TakeProfitLadder(((1, 33), (2, 33), (3, 34)))
    assert ladder.quantities(D("0.010"), INST) == (D("0.003"), D("0.003"), D("0.004"))


def test_risk_exit_ladder_shares_must_sum_to_exactly_100() -> None:
    with pytest.raises(ConfigError, match=r"shares 50 \+ 30 \+ 10 sum to 90 %, not 100 %"):
        TakeProfitLadder(((1, 50), (2, 30), (3, 10)))


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((), "at least one level"),
        (((2, 50), (1, 50)), "above the level before it"),
        (((0, 100),), "above 0"),
        (((1, 0), (2, 100)), "must be positive"),
    ],
)
def test_risk_exit_ladder_bad_levels_are_refused(
    levels: tuple[tuple[int, int], ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        TakeProfitLadder(levels)


def test_risk_exit_ladder_leg_below_min_qty_merges_into_the_next() -> None:
    # 0.25: 0.125 -> 0.12; 0.075 -> 0.07 < 0.1 merges into the last: 0.06 + 0.07 = 0.13
    assert TakeProfitLadder().quantities(D("0.25"), COARSE) == (D("0.12"), D(0), D("0.13"))


def test_risk_exit_ladder_last_leg_below_minimum_merges_into_the_previous() -> None:
    # 0.30: 0.15, 0.09 < 0.1 -> merges forward: last = 0.06 + 0.09 = 0.15
    assert TakeProfitLadder().quantities(D("0.30"), COARSE) == (D("0.15"), D(0), D("0.15"))
    # 0.22: 0.11, 0.06 -> forward: last 0.05 + 0.06 = 0.11; fine
    assert TakeProfitLadder().quantities(D("0.22"), COARSE) == (D("0.11"), D(0), D("0.11"))
    # 0.21: 0.10, 0.06 -> forward: last 0.05 + 0.06 = 0.11
    assert TakeProfitLadder().quantities(D("0.21"), COARSE) == (D("0.10"), D(0), D("0.11"))
    # 0.19: 0.09 -> forward; 0.05 + 0.09 = 0.14 at level 2; last 0.05 -> back into level 2
    assert TakeProfitLadder().quantities(D("0.19"), COARSE) == (D(0), D("0.19"), D(0))


def test_risk_exit_ladder_min_notional_is_checked_at_each_target() -> None:
    # 0.015 at entry 100: 0.007 * 101 = 0.707 < 1 -> into TP2 (0.011 * 102 = 1.122);
    # the last 0.004 * 103 = 0.412 < 1 -> back into TP2
    ladder = TakeProfitLadder()
    assert ladder.quantities(D("0.015"), INST) == (D("0.007"), D("0.004"), D("0.004"))
    assert ladder.quantities(D("0.015"), INST, entry_price=D(100)) == (D(0), D("0.015"), D(0))


def test_risk_exit_ladder_position_below_the_minimum_stays_one_dust_leg() -> None:
    assert TakeProfitLadder().quantities(D("0.05"), COARSE) == (D(0), D(0), D("0.05"))


def test_risk_exit_ladder_partial_fill_keeps_the_sum_at_the_position() -> None:
    state = TakeProfitLadder().start(D(100), D("1.000"), INST)
    assert [(leg.level, leg.price) for leg in state.legs] == [
        (1, D("101.00")),
        (2, D("102.00")),
        (3, D("103.00")),
    ]
    state = state.after_fill(LegFill(1, D("0.200")))
    assert _qtys(state) == [D("0.300"), D("0.300"), D("0.200")]
    assert state.legs[0].filled == D("0.200")
    assert state.remaining == D("0.800")


def test_risk_exit_ladder_fill_remainder_below_minimum_moves_to_the_next_open_leg() -> None:
    state = TakeProfitLadder().start(D(100), D("1.00"), COARSE)
    state = state.after_fill(LegFill(1, D("0.45")))  # 0.05 left < 0.1
    assert _qtys(state) == [D(0), D("0.35"), D("0.20")]
    state = state.after_fill(LegFill(3, D("0.15")))  # 0.05 left, last open: back to TP2
    assert _qtys(state) == [D(0), D("0.40"), D(0)]
    assert state.remaining == D("0.40")


@pytest.mark.parametrize(
    ("fill", "message"),
    [
        (LegFill(1, D("0.6")), "does not fit its open quantity 0.500"),
        (LegFill(2, D(0)), "does not fit"),
        (LegFill(4, D("0.1")), "no take-profit level 4"),
    ],
)
def test_risk_exit_ladder_impossible_fill_is_refused(fill: LegFill, message: str) -> None:
    state = TakeProfitLadder().start(D(100), D("1.000"), INST)
    with pytest.raises(ValueError, match=message):
        state.after_fill(fill)


def test_risk_exit_ladder_resize_cuts_the_furthest_legs_first() -> None:
    state = TakeProfitLadder().start(D(100), D("1.000"), INST)
    assert _qtys(state.resize(D("0.600"))) == [D("0.500"), D("0.100"), D(0)]
    assert _qtys(state.resize(D("1.200"))) == [D("0.500"), D("0.300"), D("0.400")]
    assert _qtys(state.resize(0)) == [D(0), D(0), D(0)]
    with pytest.raises(ValueError, match="cannot be negative"):
        state.resize(D(-1))


def test_risk_exit_protective_legs_pair_each_open_leg_with_the_stop() -> None:
    state = TakeProfitLadder().start(D(100), D("1.000"), INST).after_fill(LegFill(1, D("0.5")))
    stop = StopPolicy.percent(2).start(D(100), INST)
    assert protective_legs(stop, state) == (
        ProtectiveLeg(2, D("0.300"), D("102.00"), D("98.00")),
        ProtectiveLeg(3, D("0.200"), D("103.00"), D("98.00")),
    )
