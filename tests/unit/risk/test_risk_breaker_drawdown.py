"""Drawdown breaker: peak equity, trip beyond the limit, halt until a person re-arms."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.risk.breakers import DAY_MS, DrawdownBreaker
from xor_trading.risk.events import MAX_DRAWDOWN, BreakerReset, BreakerTripped

T0 = 1_710_028_800_000  # 2024-03-10T00:00:00Z


def test_drawdown_exactly_at_the_limit_does_not_trip() -> None:
    b = DrawdownBreaker(D(10))
    b.observe_equity(T0, 10_000.0)
    b.observe_equity(T0 + 1, 12_000.0)
    assert b.observe_equity(T0 + 2, 10_800.0) == []  # exactly 10 % below 12,000
    assert not b.blocks(T0 + 2)
    assert b.peak_equity == 12_000.0


def test_drawdown_beyond_the_limit_trips_without_an_end_time() -> None:
    b = DrawdownBreaker(D(10))
    b.observe_equity(T0, 12_000.0)
    (event,) = b.observe_equity(T0 + 5, 10_799.0)
    assert event == BreakerTripped(MAX_DRAWDOWN, event.reason, T0 + 5, None)
    assert event.reason == (
        "equity 10799.00 is 10.01 % below its peak 12000.00, beyond the maximum drawdown of "
        "10 %; the bot is halted until a person re-arms it"
    )
    assert b.is_tripped
    assert b.tripped_at_ms == T0 + 5
    assert b.tripped_until_ms is None
    assert b.block_reason(T0 + 5) == event.reason


def test_drawdown_halt_survives_recovery_new_peaks_and_days() -> None:
    b = DrawdownBreaker(D(10))
    b.observe_equity(T0, 10_000.0)
    b.observe_equity(T0 + 1, 8_000.0)
    assert b.observe_equity(T0 + 2, 15_000.0) == []
    assert b.observe_equity(T0 + 3, 5_000.0) == []  # no second trip while halted
    assert b.advance(T0 + 30 * DAY_MS) == []
    assert b.blocks(T0 + 30 * DAY_MS)


def test_drawdown_rearm_by_a_person_lifts_the_halt_and_rebases_the_peak() -> None:
    b = DrawdownBreaker(D(10))
    b.observe_equity(T0, 10_000.0)
    b.observe_equity(T0 + 1, 8_500.0)
    reset = b.rearm(T0 + DAY_MS, "bob", "strategy reviewed, limits lowered")
    assert reset == BreakerReset(
        MAX_DRAWDOWN, "re-armed by bob: strategy reviewed, limits lowered", T0 + DAY_MS, "bob"
    )
    assert not b.blocks(T0 + DAY_MS)
    assert b.peak_equity == 8_500.0
    assert b.observe_equity(T0 + DAY_MS + 1, 7_700.0) == []  # 9.4 % below the new peak
    (trip,) = b.observe_equity(T0 + DAY_MS + 2, 7_600.0)
    assert isinstance(trip, BreakerTripped)


def test_drawdown_rearm_when_not_tripped_returns_none() -> None:
    b = DrawdownBreaker()
    b.observe_equity(T0, 1_000.0)
    assert b.rearm(T0 + 1, "bob", "just checking") is None


@pytest.mark.parametrize(("by", "reason"), [("", "ok"), ("bob", ""), ("  ", "  ")])
def test_drawdown_rearm_needs_a_person_and_a_reason(by: str, reason: str) -> None:
    b = DrawdownBreaker()
    b.observe_equity(T0, 1_000.0)
    b.observe_equity(T0 + 1, 500.0)
    with pytest.raises(ConfigError, match="re-arming the drawdown breaker needs"):
        b.rearm(T0 + 2, by, reason)
    assert b.is_tripped


def test_drawdown_absurd_limit_is_refused() -> None:
    with pytest.raises(ConfigError, match="max_drawdown_pct must be above 0 and below 100"):
        DrawdownBreaker(D(0))
