"""Property tests: on random equity paths and trade streams, the engine's entry decision
(``allowed = not any(b.blocks(ts))``) agrees with an exact oracle rebuilt from the history,
and the daily breaker re-opens exactly at the next UTC midnight, never earlier.

Equity values are whole numbers and limits are simple decimals, so the oracle can use exact
fractions: a path that lands exactly on a limit must not trip, one unit beyond must.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.risk.breakers import (
    DAY_MS,
    MINUTE_MS,
    BreakerEvent,
    DailyLossBreaker,
    DrawdownBreaker,
    StopLossCooldown,
    next_utc_midnight_ms,
)
from xor_trading.risk.events import DAILY_LOSS, BreakerReset, BreakerTripped

DAY0 = 1_710_028_800_000 + 20 * 3_600_000  # 2024-03-10T20:00:00Z, close to a midnight
HOUR = 3_600_000

_KINDS = (
    "equity",
    "equity",
    "equity",
    "daily_edge",
    "trade",
    "trade",
    "trade",
    "advance",
    "before_midnight",
    "midnight",
)
_step = st.tuples(
    st.sampled_from(_KINDS),
    st.integers(0, 7 * HOUR),  # time step
    st.integers(-60, 50),  # equity step, in tens
    st.booleans(),  # the trade ended by a stop
    st.integers(-30, 5),  # the trade's pnl
)


@dataclass
class _Oracle:
    """Entry blocks recomputed from scratch from everything observed so far."""

    daily_pct: Fraction
    drawdown_pct: Fraction
    streak_limit: int
    cooldown_ms: int
    equity: list[tuple[int, int]] = field(default_factory=list)
    cooldowns: list[tuple[int, int]] = field(default_factory=list)
    streak: int = 0

    def trade(self, ts: int, pnl: int, by_stop: bool) -> None:
        self.streak = self.streak + 1 if by_stop and pnl <= 0 else 0
        if self.streak >= self.streak_limit and self.cooldown_ms > 0:
            self.streak = 0
            self.cooldowns.append((ts, ts + self.cooldown_ms))

    def day_start(self, now: int) -> int | None:
        today = [eq for ts, eq in self.equity if ts // DAY_MS == now // DAY_MS]
        return today[0] if today else None

    def daily_blocks(self, now: int) -> bool:
        today = [eq for ts, eq in self.equity if ts // DAY_MS == now // DAY_MS]
        if not today or today[0] <= 0:
            return False
        start = today[0]
        return any((start - eq) * 100 > self.daily_pct * start for eq in today)

    def drawdown_blocks(self) -> bool:
        peak: int | None = None
        for _, eq in self.equity:
            peak = eq if peak is None else max(peak, eq)
            if peak > 0 and (peak - eq) * 100 > self.drawdown_pct * peak:
                return True
        return False

    def cooldown_blocks(self, now: int) -> bool:
        return any(start <= now < end for start, end in self.cooldowns)

    def blocks(self, now: int) -> bool:
        return self.daily_blocks(now) or self.drawdown_blocks() or self.cooldown_blocks(now)


@settings(max_examples=300, deadline=None)
@given(
    daily_pct=st.sampled_from(["1", "2", "2.5", "3", "5"]),
    drawdown_pct=st.sampled_from(["4", "10", "20"]),
    streak_limit=st.integers(1, 4),
    cooldown_minutes=st.sampled_from([0, 1, 30, 240, 1440]),
    start=st.integers(100, 2_000).map(lambda x: x * 10),
    steps=st.lists(_step, max_size=80),
)
def test_risk_breaker_entry_never_allowed_while_any_breaker_is_tripped(
    daily_pct: str,
    drawdown_pct: str,
    streak_limit: int,
    cooldown_minutes: int,
    start: int,
    steps: list[tuple[str, int, int, bool, int]],
) -> None:
    daily = DailyLossBreaker(float(daily_pct))
    drawdown = DrawdownBreaker(float(drawdown_pct))
    cooldown = StopLossCooldown(streak_limit, cooldown_minutes)
    breakers = (daily, drawdown, cooldown)
    oracle = _Oracle(
        Fraction(daily_pct), Fraction(drawdown_pct), streak_limit, cooldown_minutes * MINUTE_MS
    )
    now, equity = DAY0, start
    events: list[BreakerEvent] = []

    def observe(eq: int) -> None:
        oracle.equity.append((now, eq))
        events.extend(drawdown.observe_equity(now, float(eq)))
        events.extend(daily.observe_equity(now, float(eq)))

    observe(equity)
    for kind, dt, de, by_stop, pnl in steps:
        if kind == "before_midnight":
            now = next_utc_midnight_ms(now) - 1
        elif kind == "midnight":
            now = next_utc_midnight_ms(now)
        else:
            now += dt
        if kind == "equity":
            equity = max(0, equity + de * 10)
            observe(equity)
        elif kind == "daily_edge":
            # Land exactly on the daily limit when it is a whole number, else just beyond.
            base = oracle.day_start(now)
            if base is not None:
                equity = math.floor(Fraction(base) * (100 - Fraction(daily_pct)) / 100)
                observe(equity)
        elif kind == "trade":
            oracle.trade(now, pnl, by_stop)
            events.extend(cooldown.observe_trade(now, pnl=pnl, by_stop_loss=by_stop))
        elif kind == "advance":
            for b in breakers:
                events.extend(b.advance(now))

        allowed = not any(b.blocks(now) for b in breakers)
        if oracle.blocks(now):
            assert not allowed
        assert allowed == (not oracle.blocks(now))
        assert daily.blocks(now) == oracle.daily_blocks(now)

    _assert_daily_windows_end_at_midnight(events)


def _assert_daily_windows_end_at_midnight(events: list[BreakerEvent]) -> None:
    open_until: int | None = None
    for e in events:
        if e.breaker != DAILY_LOSS:
            continue
        if isinstance(e, BreakerTripped):
            assert open_until is None  # never trips while already tripped
            assert e.until_ms == next_utc_midnight_ms(e.ts_ms)
            open_until = e.until_ms
        else:
            assert isinstance(e, BreakerReset)
            assert e.ts_ms == open_until  # reset exactly at that midnight
            assert e.ts_ms % DAY_MS == 0
            open_until = None


@settings(max_examples=300, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 3 * DAY_MS), min_size=2, max_size=40).map(sorted),
    equities=st.lists(st.integers(0, 20_000), min_size=40, max_size=40),
    probes=st.lists(st.integers(0, 4 * DAY_MS), max_size=20),
)
def test_risk_breaker_daily_reopens_at_next_utc_midnight_never_earlier(
    offsets: list[int], equities: list[int], probes: list[int]
) -> None:
    b = DailyLossBreaker(3)
    for offset, eq in zip(offsets, equities, strict=False):
        now = DAY0 + offset
        for e in b.observe_equity(now, float(eq)):
            if not isinstance(e, BreakerTripped):
                continue
            midnight = next_utc_midnight_ms(now)
            assert e.until_ms == midnight == b.tripped_until_ms
            # blocks() is a pure query: probe the whole window right after the trip.
            for t in [now, midnight - 1, *(now + p for p in probes if now + p < midnight)]:
                assert b.blocks(t)
            assert not b.blocks(midnight)
            assert not b.blocks(midnight + 1)
