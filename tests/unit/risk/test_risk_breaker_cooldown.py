"""Stop-loss cooldown: consecutive losing stop exits, the pause, and what resets the streak."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.risk.breakers import MINUTE_MS, BreakerEvent, StopLossCooldown
from xor_trading.risk.events import STOP_LOSS_COOLDOWN, BreakerReset, BreakerTripped

T0 = 1_710_028_800_000
COOLDOWN_MS = 240 * MINUTE_MS


def _stop(c: StopLossCooldown, ts: int, pnl: str = "-10") -> list[BreakerEvent]:
    return c.observe_trade(ts, pnl=D(pnl), by_stop_loss=True)


def test_cooldown_trips_on_the_third_losing_stop_in_a_row() -> None:
    c = StopLossCooldown(3, 240)
    assert _stop(c, T0) == []
    assert _stop(c, T0 + 1) == []
    assert c.streak == 2
    (event,) = _stop(c, T0 + 2)
    assert event == BreakerTripped(STOP_LOSS_COOLDOWN, event.reason, T0 + 2, T0 + 2 + COOLDOWN_MS)
    assert event.reason == (
        "3 trades in a row ended by a stop loss; no new entries for 240 minutes, "
        "until 2024-03-10T04:00:00Z"
    )
    assert c.streak == 0
    assert c.blocks(T0 + 2 + COOLDOWN_MS - 1)
    assert not c.blocks(T0 + 2 + COOLDOWN_MS)


@pytest.mark.parametrize(
    ("pnl", "by_stop"),
    [(D("5"), True), (D("-5"), False), (D("5"), False)],
    ids=["winning_stop", "losing_signal_exit", "winning_signal_exit"],
)
def test_cooldown_win_or_non_stop_exit_resets_the_streak(pnl: D, by_stop: bool) -> None:
    c = StopLossCooldown(3, 240)
    _stop(c, T0)
    _stop(c, T0 + 1)
    assert c.observe_trade(T0 + 2, pnl=pnl, by_stop_loss=by_stop) == []
    assert c.streak == 0
    assert _stop(c, T0 + 3) == []
    assert _stop(c, T0 + 4) == []
    assert len(_stop(c, T0 + 5)) == 1


def test_cooldown_break_even_stop_counts_as_a_stop_loss() -> None:
    c = StopLossCooldown(2, 60)
    _stop(c, T0, "0")
    assert len(_stop(c, T0 + 1, "0")) == 1


def test_cooldown_float_pnl_is_accepted() -> None:
    c = StopLossCooldown(1, 60)
    (event,) = c.observe_trade(T0, pnl=-1.5, by_stop_loss=True)
    assert isinstance(event, BreakerTripped)


def test_cooldown_ends_by_itself_and_reports_the_reset_at_its_end() -> None:
    c = StopLossCooldown(1, 30)
    _stop(c, T0)
    end = T0 + 30 * MINUTE_MS
    assert c.advance(end - 1) == []
    (reset,) = c.advance(end + 5 * MINUTE_MS)
    assert reset == BreakerReset(
        STOP_LOSS_COOLDOWN, "the stop-loss cooldown ended at 2024-03-10T00:30:00Z", end, None
    )
    assert c.tripped_until_ms is None


def test_cooldown_new_streak_during_a_cooldown_extends_it() -> None:
    c = StopLossCooldown(2, 60)
    _stop(c, T0)
    _stop(c, T0 + 1)
    _stop(c, T0 + 10 * MINUTE_MS)
    (event,) = _stop(c, T0 + 20 * MINUTE_MS)
    assert isinstance(event, BreakerTripped)
    assert event.until_ms == T0 + 80 * MINUTE_MS
    assert c.tripped_until_ms == T0 + 80 * MINUTE_MS


def test_cooldown_trade_after_the_end_reports_reset_then_counts() -> None:
    c = StopLossCooldown(1, 10)
    _stop(c, T0)
    events = _stop(c, T0 + 10 * MINUTE_MS)
    assert [type(e) for e in events] == [BreakerReset, BreakerTripped]


def test_cooldown_zero_minutes_never_blocks() -> None:
    c = StopLossCooldown(1, 0)
    assert _stop(c, T0) == []
    assert not c.blocks(T0)


def test_cooldown_rearm_ends_it_early() -> None:
    c = StopLossCooldown(1, 60)
    _stop(c, T0)
    reset = c.rearm(T0 + MINUTE_MS, "carol", "market calmed down")
    assert reset is not None
    assert reset.by == "carol"
    assert reset.ts_ms == T0 + MINUTE_MS
    assert not c.blocks(T0 + MINUTE_MS)
    assert c.rearm(T0 + 2 * MINUTE_MS, "carol", "again") is None


@pytest.mark.parametrize(("streak", "minutes"), [(0, 240), (3, -1)])
def test_cooldown_absurd_settings_are_refused(streak: int, minutes: int) -> None:
    with pytest.raises(ConfigError):
        StopLossCooldown(streak, minutes)
