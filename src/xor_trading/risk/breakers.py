"""Circuit breakers: conditions that stop a bot from opening new positions for a while.

Pure logic: no clock is read, no bus is touched. The caller passes the time (UTC epoch
milliseconds) with every observation, and each method that changes a breaker's state
returns the events that describe the change (an empty list when nothing changed). The risk
engine publishes them and asks :meth:`blocks` before accepting an entry; exits are never
blocked by a breaker.

* :class:`DailyLossBreaker` (``daily_loss``): the first equity observed in a UTC day is the
  start-of-day equity. When equity falls **more than** ``daily_loss_limit_pct`` below it,
  entries stop until the next UTC midnight (``tripped_until_ms``), then re-open by
  themselves.
* :class:`DrawdownBreaker` (``max_drawdown``): when equity falls **more than**
  ``max_drawdown_pct`` below the highest equity observed, the bot halts: entries stay
  blocked until a person calls :meth:`DrawdownBreaker.rearm`.
* :class:`StopLossCooldown` (``stop_loss_cooldown``): after ``stop_loss_streak``
  consecutive closed trades that ended by a stop loss without a profit, entries stop for
  ``cooldown_minutes``. A winning trade or any exit that was not a stop resets the streak.

Comparisons are done as ``(reference - equity) * 100 > limit_pct * reference`` in float, so
round values land exactly on the boundary: with a limit of 3 % and a start of 10,000, an
equity of 9,700 does not trip and 9,699.99 does. A limit is a limit: reaching it is allowed,
going beyond it is not (the same reading as the validation gate's "max drawdown <= limit").

Time never runs backwards inside a breaker: an observation stamped earlier than the latest
one seen is taken as happening at the latest time (a late equity value is still a valid
value, so it can trip a breaker, but it can neither reopen one nor start a new day).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.risk.events import (
    DAILY_LOSS,
    MAX_DRAWDOWN,
    STOP_LOSS_COOLDOWN,
    BreakerReset,
    BreakerTripped,
)

__all__ = [
    "DAY_MS",
    "MINUTE_MS",
    "Breaker",
    "BreakerEvent",
    "BreakerSet",
    "BreakerSettings",
    "DailyLossBreaker",
    "DrawdownBreaker",
    "StopLossCooldown",
    "next_utc_midnight_ms",
]

DAY_MS = 86_400_000
MINUTE_MS = 60_000

BreakerEvent = BreakerTripped | BreakerReset
Number = Decimal | float | int


def next_utc_midnight_ms(ts_ms: int) -> int:
    """The first instant of the UTC day after the one containing ``ts_ms``.

    A time exactly at midnight belongs to the day it starts, so
    ``next_utc_midnight_ms(0) == DAY_MS`` and ``next_utc_midnight_ms(DAY_MS - 1) == DAY_MS``.
    """
    return (ts_ms // DAY_MS + 1) * DAY_MS


class Breaker(Protocol):
    """What the risk engine needs from any breaker."""

    @property
    def name(self) -> str: ...

    def blocks(self, ts_ms: int) -> bool:
        """True if a new entry at ``ts_ms`` must be refused."""
        ...

    def block_reason(self, ts_ms: int) -> str | None:
        """A sentence saying why entries are blocked at ``ts_ms``; None when they are not."""
        ...

    def advance(self, ts_ms: int) -> list[BreakerEvent]:
        """Let time pass without a new observation; returns the resets that became due."""
        ...


class BreakerSettings(Protocol):
    """The part of ``RiskConfig`` the breakers read (``RiskConfig`` satisfies it)."""

    @property
    def daily_loss_limit_pct(self) -> Number: ...

    @property
    def max_drawdown_pct(self) -> Number: ...

    @property
    def stop_loss_streak(self) -> int: ...

    @property
    def cooldown_minutes(self) -> int: ...


def _limit_pct(name: str, value: Number) -> float:
    pct = float(value)
    if not (math.isfinite(pct) and 0 < pct < 100):
        raise ConfigError(
            f"{name} must be above 0 and below 100 (percent), got {value}",
            f"set {name} to a percentage such as 3 or 10",
        )
    return pct


def _equity(value: float) -> float:
    equity = float(value)
    if not math.isfinite(equity):
        raise DataError(f"equity must be a finite number, got {value}")
    return equity


def _person(by: str, reason: str, what: str) -> tuple[str, str]:
    if not by.strip():
        raise ConfigError(f"re-arming the {what} needs the name of the person doing it")
    if not reason.strip():
        raise ConfigError(
            f"re-arming the {what} needs a reason",
            "say why it is safe to trade again; the reason is recorded",
        )
    return by.strip(), reason.strip()


def _iso(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _below_pct(reference: float, equity: float) -> float:
    return (reference - equity) / reference * 100.0


class _Clocked:
    """The latest time seen; observations never move it backwards."""

    def __init__(self) -> None:
        self.now_ms: int | None = None

    def _at(self, ts_ms: int) -> int:
        if self.now_ms is None or ts_ms > self.now_ms:
            self.now_ms = ts_ms
        return self.now_ms


class DailyLossBreaker(_Clocked):
    """No new entries for the rest of the UTC day after losing more than the daily limit.

    ``start_equity`` is the equity at the first observation of the current UTC day (a time
    exactly at midnight belongs to the new day). A trip sets ``tripped_until_ms`` to the next
    UTC midnight; at that instant entries are allowed again, and the first observation of
    the new day becomes its start-of-day equity. Equity that recovers within the day does not
    lift the block. A day with a start-of-day equity of zero or less cannot be measured in
    percent and never trips this breaker (the drawdown breaker still can).
    """

    def __init__(self, daily_loss_limit_pct: Number = Decimal(3)) -> None:
        super().__init__()
        self.limit_pct = _limit_pct("daily_loss_limit_pct", daily_loss_limit_pct)
        self.day: int | None = None  # UTC day number (ts_ms // DAY_MS) of start_equity
        self.start_equity: float | None = None
        self.last_equity: float | None = None
        self.tripped_until_ms: int | None = None
        self._reason = ""

    @property
    def name(self) -> str:
        return DAILY_LOSS

    def observe_equity(self, ts_ms: int, equity: float) -> list[BreakerEvent]:
        """Record the account equity at ``ts_ms``; returns a reset and/or a trip."""
        value = _equity(equity)
        now = self._at(ts_ms)
        events = self.advance(now)
        day = now // DAY_MS
        if day != self.day:
            self.day = day
            self.start_equity = value
        self.last_equity = value
        start = self.start_equity
        assert start is not None  # set above on the first observation of a day
        if (
            self.tripped_until_ms is None
            and start > 0
            and (start - value) * 100.0 > self.limit_pct * start
        ):
            until = next_utc_midnight_ms(now)
            self.tripped_until_ms = until
            self._reason = (
                f"equity {value:.2f} is {_below_pct(start, value):.2f} % below the "
                f"start-of-day equity {start:.2f}, beyond the daily loss limit of "
                f"{self.limit_pct:g} %; no new entries until {_iso(until)}"
            )
            events.append(BreakerTripped(DAILY_LOSS, self._reason, now, until))
        return events

    def advance(self, ts_ms: int) -> list[BreakerEvent]:
        now = self._at(ts_ms)
        until = self.tripped_until_ms
        if until is None or now < until:
            return []
        self.tripped_until_ms = None
        reason = f"a new UTC day began at {_iso(until)}; the daily loss limit re-opened"
        return [BreakerReset(DAILY_LOSS, reason, until)]

    def blocks(self, ts_ms: int) -> bool:
        return self.tripped_until_ms is not None and ts_ms < self.tripped_until_ms

    def block_reason(self, ts_ms: int) -> str | None:
        return self._reason if self.blocks(ts_ms) else None

    def rearm(self, ts_ms: int, by: str, reason: str) -> BreakerReset | None:
        """Lift the block before midnight (a person's decision); None if it was not blocking.

        The start-of-day equity is re-based to the last equity seen, so the rest of the day
        gets a fresh allowance of ``daily_loss_limit_pct`` instead of tripping again at once.
        """
        who, why = _person(by, reason, "daily loss breaker")
        now = self._at(ts_ms)
        if not self.blocks(now):
            return None
        self.tripped_until_ms = None
        self.start_equity = self.last_equity
        return BreakerReset(DAILY_LOSS, f"re-armed by {who}: {why}", now, by=who)


class DrawdownBreaker(_Clocked):
    """Halts entries when equity falls more than ``max_drawdown_pct`` below its peak.

    The peak is the highest equity observed (the first observation starts it). Once tripped
    the breaker stays tripped, whatever equity does, until :meth:`rearm`; re-arming re-bases
    the peak to the last equity seen, so the next trip needs a fresh drawdown.
    """

    def __init__(self, max_drawdown_pct: Number = Decimal(10)) -> None:
        super().__init__()
        self.limit_pct = _limit_pct("max_drawdown_pct", max_drawdown_pct)
        self.peak_equity: float | None = None
        self.last_equity: float | None = None
        self.tripped_at_ms: int | None = None
        self._reason = ""

    @property
    def name(self) -> str:
        return MAX_DRAWDOWN

    @property
    def is_tripped(self) -> bool:
        return self.tripped_at_ms is not None

    @property
    def tripped_until_ms(self) -> int | None:
        """Always None: a halt has no end time; only :meth:`rearm` lifts it."""
        return None

    def observe_equity(self, ts_ms: int, equity: float) -> list[BreakerEvent]:
        value = _equity(equity)
        now = self._at(ts_ms)
        self.last_equity = value
        if self.peak_equity is None or value > self.peak_equity:
            self.peak_equity = value
        peak = self.peak_equity
        if (
            self.tripped_at_ms is not None
            or peak <= 0
            or (peak - value) * 100.0 <= self.limit_pct * peak
        ):
            return []
        self.tripped_at_ms = now
        self._reason = (
            f"equity {value:.2f} is {_below_pct(peak, value):.2f} % below its peak "
            f"{peak:.2f}, beyond the maximum drawdown of {self.limit_pct:g} %; the bot is "
            "halted until a person re-arms it"
        )
        return [BreakerTripped(MAX_DRAWDOWN, self._reason, now, None)]

    def advance(self, ts_ms: int) -> list[BreakerEvent]:
        self._at(ts_ms)
        return []  # time alone never lifts a halt

    def blocks(self, ts_ms: int) -> bool:
        return self.tripped_at_ms is not None

    def block_reason(self, ts_ms: int) -> str | None:
        return self._reason if self.is_tripped else None

    def rearm(self, ts_ms: int, by: str, reason: str) -> BreakerReset | None:
        """A person lifts the halt; None if it was not tripped. ``by`` and ``reason`` are
        required and recorded in the event."""
        who, why = _person(by, reason, "drawdown breaker")
        now = self._at(ts_ms)
        if self.tripped_at_ms is None:
            return None
        self.tripped_at_ms = None
        self.peak_equity = self.last_equity
        return BreakerReset(MAX_DRAWDOWN, f"re-armed by {who}: {why}", now, by=who)


class StopLossCooldown(_Clocked):
    """Pause entries after ``stop_loss_streak`` consecutive losing stop-loss exits.

    :meth:`observe_trade` is called once per closed trade. A trade counts towards the streak
    when it ended by a stop (any stop order: fixed, ATR, ratcheting or trailing) and its net
    PnL is zero or less; a winning trade or an exit that was not a stop resets the streak to
    zero. When the streak reaches ``stop_loss_streak`` the breaker blocks entries from the
    closing time of that trade for ``cooldown_minutes`` (``tripped_until_ms`` is exclusive)
    and the streak starts again from zero. Trades that close during a cooldown (positions
    still open when it started) keep counting; a new full streak extends the cooldown.
    ``cooldown_minutes=0`` counts streaks but never blocks.
    """

    def __init__(self, stop_loss_streak: int = 3, cooldown_minutes: int = 240) -> None:
        super().__init__()
        if isinstance(stop_loss_streak, bool) or int(stop_loss_streak) < 1:
            raise ConfigError(
                f"stop_loss_streak must be at least 1, got {stop_loss_streak}",
                "set how many stop losses in a row start a cooldown, for example 3",
            )
        if isinstance(cooldown_minutes, bool) or int(cooldown_minutes) < 0:
            raise ConfigError(
                f"cooldown_minutes must be 0 or more, got {cooldown_minutes}",
                "set the pause in minutes, for example 240",
            )
        self.streak_limit = int(stop_loss_streak)
        self.cooldown_ms = int(cooldown_minutes) * MINUTE_MS
        self.streak = 0
        self.tripped_until_ms: int | None = None
        self._reason = ""

    @property
    def name(self) -> str:
        return STOP_LOSS_COOLDOWN

    def observe_trade(self, ts_ms: int, *, pnl: Number, by_stop_loss: bool) -> list[BreakerEvent]:
        """Record a closed trade (``ts_ms``: its closing time; ``pnl``: net of fees)."""
        now = self._at(ts_ms)
        events = self.advance(now)
        if by_stop_loss and pnl <= 0:
            self.streak += 1
        else:
            self.streak = 0
        if self.streak < self.streak_limit or self.cooldown_ms == 0:
            return events
        self.streak = 0
        until = now + self.cooldown_ms
        if self.tripped_until_ms is None or until > self.tripped_until_ms:
            self.tripped_until_ms = until
            self._reason = (
                f"{self.streak_limit} trades in a row ended by a stop loss; no new entries "
                f"for {self.cooldown_ms // MINUTE_MS} minutes, until {_iso(until)}"
            )
            events.append(BreakerTripped(STOP_LOSS_COOLDOWN, self._reason, now, until))
        return events

    def advance(self, ts_ms: int) -> list[BreakerEvent]:
        now = self._at(ts_ms)
        until = self.tripped_until_ms
        if until is None or now < until:
            return []
        self.tripped_until_ms = None
        reason = f"the stop-loss cooldown ended at {_iso(until)}"
        return [BreakerReset(STOP_LOSS_COOLDOWN, reason, until)]

    def blocks(self, ts_ms: int) -> bool:
        return self.tripped_until_ms is not None and ts_ms < self.tripped_until_ms

    def block_reason(self, ts_ms: int) -> str | None:
        return self._reason if self.blocks(ts_ms) else None

    def rearm(self, ts_ms: int, by: str, reason: str) -> BreakerReset | None:
        """End the cooldown early and clear the streak; None if it was not blocking."""
        who, why = _person(by, reason, "stop-loss cooldown")
        now = self._at(ts_ms)
        if not self.blocks(now):
            return None
        self.streak = 0
        self.tripped_until_ms = None
        return BreakerReset(STOP_LOSS_COOLDOWN, f"re-armed by {who}: {why}", now, by=who)


class BreakerSet:
    """The three breakers of one bot, fed together.

    ``blocking(ts_ms)`` returns ``(rule, message)`` of the first breaker that blocks, in
    the order drawdown, daily loss, cooldown (the most severe first), ready for an
    ``OrderDenied``.
    """

    def __init__(
        self,
        daily: DailyLossBreaker | None = None,
        drawdown: DrawdownBreaker | None = None,
        cooldown: StopLossCooldown | None = None,
    ) -> None:
        self.daily = daily if daily is not None else DailyLossBreaker()
        self.drawdown = drawdown if drawdown is not None else DrawdownBreaker()
        self.cooldown = cooldown if cooldown is not None else StopLossCooldown()

    @classmethod
    def from_config(cls, config: BreakerSettings) -> BreakerSet:
        return cls(
            DailyLossBreaker(config.daily_loss_limit_pct),
            DrawdownBreaker(config.max_drawdown_pct),
            StopLossCooldown(config.stop_loss_streak, config.cooldown_minutes),
        )

    @property
    def breakers(self) -> tuple[Breaker, ...]:
        return (self.drawdown, self.daily, self.cooldown)

    def observe_equity(self, ts_ms: int, equity: float) -> list[BreakerEvent]:
        events = self.drawdown.observe_equity(ts_ms, equity)
        events += self.daily.observe_equity(ts_ms, equity)
        events += self.cooldown.advance(ts_ms)
        return events

    def observe_trade(self, ts_ms: int, *, pnl: Number, by_stop_loss: bool) -> list[BreakerEvent]:
        return self.cooldown.observe_trade(ts_ms, pnl=pnl, by_stop_loss=by_stop_loss)

    def advance(self, ts_ms: int) -> list[BreakerEvent]:
        return [event for b in self.breakers for event in b.advance(ts_ms)]

    def blocks(self, ts_ms: int) -> bool:
        return any(b.blocks(ts_ms) for b in self.breakers)

    def blocking(self, ts_ms: int) -> tuple[str, str] | None:
        for b in self.breakers:
            message = b.block_reason(ts_ms)
            if message is not None:
                return b.name, message
        return None
