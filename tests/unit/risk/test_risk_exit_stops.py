"""Stops (risk/exit_stops.py) and break-even (risk/exits.py): hand-computed examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.risk.exits import (
    BreakEven,
    LegFill,
    RatchetingStop,
    StopPolicy,
    TakeProfitLadder,
    TimeStop,
    TrailingStop,
)
from xor_trading.testing.factories import T0_MS, make_instrument

D = Decimal
INST = make_instrument()  # tick 0.01, lot 0.001, min notional 1


# --- fixed stop ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "entry", "atr", "expected"),
    [
        (StopPolicy.percent(2), "100", None, "98.00"),
        (StopPolicy.percent("1.5"), "123.45", None, "121.60"),  # 121.59825 rounds up (tighter)
        (StopPolicy.atr(3), "100", "1.234", "96.30"),  # 100 - 3.702 = 96.298 rounds up
        (StopPolicy.atr(2), "100", 1.5, "97.00"),  # a float ATR goes through str
    ],
)
def test_risk_exit_stop_policy_hand_examples(
    policy: StopPolicy, entry: str, atr: str | float | None, expected: str
) -> None:
    assert policy.stop_price(D(entry), INST, atr) == D(expected)
    assert policy.start(D(entry), INST, atr).stop == D(expected)


def test_risk_exit_stop_policy_does_not_move_with_new_highs() -> None:
    policy = StopPolicy.percent(2)
    state = policy.update(policy.start(D(100), INST), 110.0)
    assert (state.stop, state.highest) == (D("98.00"), D("110.00"))


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (StopPolicy, ConfigError, "exactly one of pct"),
        (lambda: StopPolicy(pct=D(1), atr_multiple=D(2)), ConfigError, "exactly one of pct"),
        (lambda: StopPolicy.percent(0), ConfigError, "above 0 and below 100"),
        (lambda: StopPolicy.percent(100), ConfigError, "above 0 and below 100"),
        (lambda: StopPolicy.atr(-1), ConfigError, "must be positive"),
        (lambda: StopPolicy.atr(2).stop_price(D(100), INST), ConfigError, "needs the ATR"),
        (lambda: StopPolicy.atr(2).stop_price(D(100), INST, 0), DataError, "positive ATR"),
        (lambda: StopPolicy.atr(3).stop_price(D(100), INST, 50), ConfigError, "not above 0"),
        (lambda: RatchetingStop(D(0)), ConfigError, "must be positive"),
        (lambda: RatchetingStop(D(100)).start(D(100), INST), ConfigError, "below the entry"),
        (lambda: TrailingStop(D(-1), D(1)), ConfigError, "cannot be negative"),
        (lambda: TrailingStop(D(1), D(0)), ConfigError, "above 0 and below 100"),
        (lambda: BreakEven(after_level=0), ConfigError, "at least 1"),
        (lambda: BreakEven(fee_pct=D(-1)), ConfigError, "fee_pct"),
        (lambda: TimeStop(0), ConfigError, "at least 1"),
    ],
)
def test_risk_exit_bad_stop_settings_are_refused_with_a_sentence(
    build: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as err:
        build()  # type: ignore[operator]
    assert getattr(err.value, "hint", "")


# --- ratcheting stop -------------------------------------------------------------------


def test_risk_exit_ratcheting_stop_follows_the_highest_high() -> None:
    rule = RatchetingStop(D(2))
    state = rule.start(D(100), INST)
    stops = [state.stop]
    for high in (101.5, 101.0, 100.2, 103.257, 102.0):
        state = rule.update(state, high)
        stops.append(state.stop)
    # 101.5 - 2; 101.0 is no new high; 103.257 snaps to the 103.26 tick -> 101.26
    assert stops == [D("98.00"), D("99.50"), D("99.50"), D("99.50"), D("101.26"), D("101.26")]
    assert state.highest == D("103.26")


def test_risk_exit_ratcheting_stop_from_an_atr_policy_keeps_the_entry_distance() -> None:
    rule = RatchetingStop.from_policy(StopPolicy.atr(2), D(100), atr="1.5")
    assert rule.distance == D("3.0")
    state = rule.update(rule.start(D(100), INST), 104)
    assert state.stop == D("101.00")


def test_risk_exit_ratcheting_stop_keeps_a_tighter_initial_stop() -> None:
    state = RatchetingStop(D(5)).start(D(100), INST, initial_stop=D("97.5"))
    assert state.stop == D("97.50")


# --- trailing stop ---------------------------------------------------------------------


def test_risk_exit_trailing_stop_activates_then_trails() -> None:
    rule = TrailingStop(D(2), D(1))
    state = rule.start(D(100), INST, initial_stop=D(97))
    assert (state.stop, state.active) == (D("97.00"), False)
    state = rule.update(state, 101.5)  # below the 102 activation price
    assert (state.stop, state.active) == (D("97.00"), False)
    state = rule.update(state, 102.0)  # active: 102 * 0.99 = 100.98
    assert (state.stop, state.active) == (D("100.98"), True)
    state = rule.update(state, 101.0)
    assert state.stop == D("100.98")
    state = rule.update(state, 105.0)  # 105 * 0.99 = 103.95
    assert state.stop == D("103.95")


def test_risk_exit_trailing_stop_without_initial_stop_has_none_until_active() -> None:
    rule = TrailingStop(D(1), D("1.5"))
    state = rule.start(D(100), INST)
    assert state.stop is None
    state = rule.update(state, 103.33)  # 103.33 * 0.985 = 101.78005 -> up to 101.79
    assert state.stop == D("101.79")


def test_risk_exit_trailing_stop_with_zero_activation_trails_from_the_entry() -> None:
    state = TrailingStop(D(0), D(1)).start(D(100), INST)
    assert (state.stop, state.active) == (D("99.00"), True)


def test_risk_exit_stop_state_is_hit_at_or_below_the_stop() -> None:
    state = StopPolicy.percent(2).start(D(100), INST)
    assert state.is_hit(D("98.00"))
    assert state.is_hit(97.5)
    assert not state.is_hit(D("98.01"))
    assert not TrailingStop(D(1), D(1)).start(D(100), INST).is_hit(1)


def test_risk_exit_tighten_to_never_lowers_the_stop() -> None:
    state = StopPolicy.percent(2).start(D(100), INST)
    assert state.tighten_to(D(95)) is state
    assert state.tighten_to(D("99.001")).stop == D("99.01")  # rounded up to the tick


# --- break-even ------------------------------------------------------------------------


def test_risk_exit_break_even_moves_the_stop_after_tp1_fills() -> None:
    ladder = TakeProfitLadder().start(D(100), D("1.000"), INST)
    stop = StopPolicy.percent(2).start(D(100), INST)
    be = BreakEven(fee_pct=D("0.2"))
    partial = ladder.after_fill(LegFill(1, D("0.200")))
    assert be.apply(stop, partial) is stop  # TP1 still has 0.300 open
    done = partial.after_fill(LegFill(1, D("0.300")))
    assert be.apply(stop, done).stop == D("100.20")  # entry 100 + 0.2 % fees


def test_risk_exit_break_even_never_lowers_a_higher_stop() -> None:
    ladder = TakeProfitLadder().start(D(100), D("1.000"), INST).after_fill(LegFill(1, D("0.5")))
    stop = StopPolicy.percent(2).start(D(100), INST).tighten_to(D("100.5"))
    assert BreakEven().apply(stop, ladder).stop == D("100.50")


def test_risk_exit_break_even_after_a_merged_tp1_arms_on_the_next_legs_first_fill() -> None:
    # 0.015 at 100: TP1 0.007 is worth 0.707 < 1 and merges into TP2; TP3 0.004 is worth
    # 0.412 and merges back into TP2 (see test_risk_exit_take_profit.py)
    ladder = TakeProfitLadder().start(D(100), D("0.015"), INST)
    assert [leg.quantity for leg in ladder.legs] == [D(0), D("0.015"), D(0)]
    stop = StopPolicy.percent(2).start(D(100), INST)
    assert BreakEven().apply(stop, ladder) is stop
    filled = ladder.after_fill(LegFill(2, D("0.011")))
    assert BreakEven().apply(stop, filled).stop == D("100.00")


def test_risk_exit_break_even_level_beyond_the_ladder_is_refused() -> None:
    ladder = TakeProfitLadder(((D(2), D(100)),)).start(D(100), D(1), INST)
    with pytest.raises(ConfigError, match="beyond the ladder's 1 levels"):
        BreakEven(after_level=2).is_armed(ladder)


# --- time stop -------------------------------------------------------------------------


def test_risk_exit_time_stop_is_due_after_max_candles() -> None:
    stop = TimeStop(3)
    assert [stop.is_due(n) for n in range(5)] == [False, False, False, True, True]
    assert stop.due_ms(T0_MS, 60_000) == T0_MS + 180_000
