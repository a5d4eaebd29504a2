"""Entry sizing (risk/sizing.py): hand-computed examples for every mode, minimums, bad input."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.core.ids import Symbol
from xor_trading.domain.instruments import Instrument
from xor_trading.risk.sizing import SizingMode, kelly_estimate, plan_entry, size_entry
from xor_trading.testing.factories import make_instrument

D = Decimal
INST = make_instrument()  # tick 0.01, lot 0.001 (= min qty), min notional 1


def _whole_lots() -> Instrument:
    return Instrument("simulated", Symbol("TST/USDT"), "TST", "USDT", D("0.0001"), D(1), D(1), D(0))


def _history(wins: int, win: str, losses: int, loss: str, flat: int = 0) -> list[Decimal]:
    return [D(win)] * wins + [-D(loss)] * losses + [D(0)] * flat


# --- fixed stake -----------------------------------------------------------------------


def test_risk_sizing_fixed_stake_floors_to_the_lot() -> None:
    # 100 / 11 = 9.0909... -> 9.090 (the golden backtest's example)
    assert size_entry("fixed_stake", equity=1_000, price=11, stake=100, instrument=INST) == D(
        "9.090"
    )


def test_risk_sizing_fixed_stake_is_exact_where_floats_are_not() -> None:
    # 0.3 / 0.1 is 2.9999999999999996 in binary floating point; exactly 3 lots here.
    qty = size_entry(
        SizingMode.FIXED_STAKE, equity=1, price=0.1, stake=0.3, instrument=_whole_lots()
    )
    assert qty == D(3)


def test_risk_sizing_fixed_stake_below_min_notional_gives_zero_with_reason() -> None:
    # 0.5 USDT buys 0.005 at 100: a valid lot, but worth 0.5 < 1 USDT minimum notional
    plan = plan_entry("fixed_stake", equity=1_000, price=100, stake="0.5", instrument=INST)
    assert plan.quantity == 0
    assert "minimum notional 1 USDT" in plan.reason


def test_risk_sizing_fixed_stake_below_min_qty_gives_zero() -> None:
    # 50 / 100000 = 0.0005 -> 0.000 lots
    plan = plan_entry("fixed_stake", equity=1_000, price=100_000, stake=50, instrument=INST)
    assert plan.quantity == 0
    assert "below the minimum quantity 0.001" in plan.reason


# --- fixed fractional ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("equity", "risk_pct", "price", "stop", "expected"),
    [
        ("10000", "1", "100", "98", "50.000"),  # 100 at risk / 2 per unit
        ("10000", "1.5", "100", "97.3", "55.555"),  # 150 / 2.7 = 55.5555...
        ("10000", "1", "100", "102", "50.000"),  # a short's stop above: same distance
        ("2500.50", "2", "40.10", "39.05", "47.628"),  # 50.01 / 1.05 = 47.62857...
    ],
)
def test_risk_sizing_fixed_fractional_hand_examples(
    equity: str, risk_pct: str, price: str, stop: str, expected: str
) -> None:
    qty = size_entry(
        "fixed_fractional",
        equity=D(equity),
        price=D(price),
        stop_price=D(stop),
        risk_pct=D(risk_pct),
        instrument=INST,
    )
    assert qty == D(expected)


def test_risk_sizing_fixed_fractional_does_not_round_up_at_28_digits() -> None:
    # budget 1, distance 0.333333333333333333333333333334 (30 digits): the quotient is
    # 2.999999999999999999999999999994..., which 28-digit Decimal arithmetic rounds to 3
    # (the subtraction alone already rounds the distance down to 28 digits).
    plan = plan_entry(
        "fixed_fractional",
        equity=100,
        risk_pct=1,
        price=D("1.333333333333333333333333333334"),
        stop_price=1,
        instrument=_whole_lots(),
    )
    assert plan.quantity == D(2)


def test_risk_sizing_fixed_fractional_accepts_floats_through_str() -> None:
    qty = size_entry(
        "fixed_fractional",
        equity=10_000.0,
        price=100.0,
        stop_price=98.0,
        risk_pct=1.0,
        instrument=INST,
    )
    assert qty == D("50.000")


def test_risk_sizing_fixed_fractional_without_equity_gives_zero() -> None:
    plan = plan_entry(
        "fixed_fractional", equity=0, price=100, stop_price=98, risk_pct=1, instrument=INST
    )
    assert plan.quantity == 0
    assert plan.reason == "equity is 0: nothing to risk"


# --- volatility ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("atr", "multiple", "expected"),
    [
        ("2.5", "2", "20.000"),  # 100 / (2 * 2.5)
        ("3", "2", "16.666"),  # 100 / 6 = 16.666...
        ("1.2", "3", "27.777"),  # 100 / 3.6 = 27.777...
    ],
)
def test_risk_sizing_volatility_hand_examples(atr: str, multiple: str, expected: str) -> None:
    qty = size_entry(
        "volatility",
        equity=10_000,
        price=100,
        risk_pct=1,
        atr=D(atr),
        atr_multiple=D(multiple),
        instrument=INST,
    )
    assert qty == D(expected)


def test_risk_sizing_volatility_default_multiple_is_two() -> None:
    qty = size_entry("volatility", equity=10_000, price=100, risk_pct=1, atr=5, instrument=INST)
    assert qty == D("10.000")


@pytest.mark.parametrize("atr", [0, -1.0, float("nan")])
def test_risk_sizing_volatility_without_a_positive_atr_raises_data_error(atr: float) -> None:
    with pytest.raises(DataError, match="positive ATR"):
        size_entry("volatility", equity=10_000, price=100, risk_pct=1, atr=atr, instrument=INST)


# --- Kelly -----------------------------------------------------------------------------


def test_risk_sizing_kelly_estimate_hand_example() -> None:
    # 18 wins of 20, 12 losses of 10: W = 0.6, R = 2, f* = 0.6 - 0.4 / 2 = 0.4
    est = kelly_estimate(_history(18, "20", 12, "10"))
    assert (est.trades, est.win_rate, est.payoff_ratio, est.full_kelly) == (
        30,
        Fraction(3, 5),
        Fraction(2),
        Fraction(2, 5),
    )


def test_risk_sizing_kelly_is_capped_at_kelly_cap_pct() -> None:
    # half Kelly 0.2 = 20 % > cap 5 %: risk 500 over a distance of 2 -> 250
    plan = plan_entry(
        "kelly",
        equity=10_000,
        price=100,
        stop_price=98,
        risk_pct=1,
        trade_history=_history(18, "20", 12, "10"),
        instrument=INST,
    )
    assert (plan.quantity, plan.mode, plan.budget) == (D("250.000"), SizingMode.KELLY, D(500))


def test_risk_sizing_kelly_below_the_cap_uses_the_fraction() -> None:
    # W = 1/2, R = 12/10: f* = 1/2 - (1/2)/(6/5) = 1/12; half Kelly = 1/24 of equity at risk
    # 10000 / 24 = 416.666... over a distance of 2 -> 208.333
    qty = size_entry(
        "kelly",
        equity=10_000,
        price=100,
        stop_price=98,
        risk_pct=1,
        trade_history=_history(15, "12", 15, "10"),
        instrument=INST,
    )
    assert qty == D("208.333")


def test_risk_sizing_kelly_counts_break_even_trades_against_the_win_rate() -> None:
    # 15 wins of 20, 10 losses of 10, 5 flat: W = 1/2, R = 2, f* = 1/4; x 0.1 = 2.5 %
    # 250 at risk over 2 -> 125
    qty = size_entry(
        "kelly",
        equity=10_000,
        price=100,
        stop_price=98,
        risk_pct=1,
        trade_history=_history(15, "20", 10, "10", flat=5),
        kelly_fraction=D("0.1"),
        instrument=INST,
    )
    assert qty == D("125.000")


def test_risk_sizing_kelly_without_an_edge_gives_zero_with_reason() -> None:
    # W = 1/3, R = 1: f* = 1/3 - 2/3 < 0
    plan = plan_entry(
        "kelly",
        equity=10_000,
        price=100,
        stop_price=98,
        risk_pct=1,
        trade_history=_history(10, "10", 20, "10"),
        instrument=INST,
    )
    assert plan.quantity == 0
    assert "no edge" in plan.reason
    assert "win rate 33.3 %" in plan.reason


def test_risk_sizing_kelly_with_no_loss_yet_uses_the_win_rate_then_the_cap() -> None:
    est = kelly_estimate(_history(30, "5", 0, "0"))
    assert (est.payoff_ratio, est.full_kelly) == (None, Fraction(1))
    qty = size_entry(
        "kelly",
        equity=10_000,
        price=100,
        stop_price=98,
        risk_pct=1,
        trade_history=_history(30, "5", 0, "0"),
        kelly_cap_pct=D("0.5"),
        instrument=INST,
    )
    assert qty == D("25.000")  # 50 at risk over 2


def test_risk_sizing_kelly_with_too_few_trades_falls_back_to_fixed_fractional() -> None:
    plan = plan_entry(
        "kelly",
        equity=10_000,
        price=100,
        stop_price=98,
        risk_pct=1,
        trade_history=_history(18, "20", 11, "10"),  # 29 < 30
        instrument=INST,
    )
    assert (plan.quantity, plan.mode) == (D("50.000"), SizingMode.FIXED_FRACTIONAL)


def test_risk_sizing_kelly_min_trades_is_configurable() -> None:
    qty = size_entry(
        "kelly",
        equity=10_000,
        price=100,
        stop_price=98,
        risk_pct=1,
        trade_history=_history(3, "20", 2, "10"),
        min_trades=5,
        instrument=INST,
    )
    assert qty == D("250.000")  # f* = 0.4, half = 20 % -> capped at 5 %


def test_risk_sizing_kelly_fallback_without_risk_pct_names_the_gap() -> None:
    with pytest.raises(ConfigError, match="kelly sizing needs risk_pct"):
        size_entry("kelly", equity=10_000, price=100, stop_price=98, instrument=INST)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "martingale"}, "unknown sizing mode 'martingale'"),
        ({"mode": "fixed_stake"}, "fixed_stake sizing needs stake"),
        ({"mode": "fixed_fractional", "risk_pct": 1}, "needs stop_price"),
        ({"mode": "fixed_fractional", "stop_price": 98}, "needs risk_pct"),
        ({"mode": "fixed_fractional", "stop_price": 100, "risk_pct": 1}, "distance is zero"),
        ({"mode": "fixed_fractional", "stop_price": 98, "risk_pct": 150}, "cannot exceed 100"),
        ({"mode": "fixed_fractional", "stop_price": 98, "risk_pct": -1}, "must be positive"),
        ({"mode": "fixed_stake", "stake": 10, "price": 0}, r"price \(0\) must be positive"),
        ({"mode": "volatility", "risk_pct": 1}, "needs atr"),
        (
            {"mode": "kelly", "stop_price": 98, "risk_pct": 1, "kelly_fraction": 1.5},
            "kelly_fraction",
        ),
        (
            {"mode": "kelly", "stop_price": 98, "risk_pct": 1, "kelly_cap_pct": 0},
            "kelly_cap_pct",
        ),
        ({"mode": "kelly", "stop_price": 98, "risk_pct": 1, "min_trades": 0}, "min_trades"),
        ({"mode": "fixed_stake", "stake": float("inf")}, "finite number"),
    ],
)
def test_risk_sizing_bad_input_raises_config_error(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"equity": 10_000, "price": 100, "instrument": INST}
    args.update(kwargs)
    with pytest.raises(ConfigError, match=message) as err:
        size_entry(**args)  # type: ignore[arg-type]
    assert err.value.hint
