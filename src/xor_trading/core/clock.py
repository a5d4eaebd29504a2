"""Clocks: the only place where XOR reads the wall clock.

Every component receives a :class:`Clock` through its constructor. Backtests use a
:class:`TestClock` advanced by the driver; paper and live trading use :class:`LiveClock`.
Times are UTC epoch milliseconds (``int``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """A source of the current time in UTC epoch milliseconds."""

    def now_ms(self) -> int: ...


class TestClock:
    """A clock that moves only when told to; time never goes backwards."""

    __test__ = False  # not a pytest test class

    def __init__(self, start_ms: int = 0) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def set_time(self, ts_ms: int) -> None:
        """Move to ``ts_ms``; raises ``ValueError`` if that is in the past."""
        if ts_ms < self._now_ms:
            raise ValueError(f"time cannot go backwards: {ts_ms} < {self._now_ms}")
        self._now_ms = ts_ms

    def advance(self, delta_ms: int) -> None:
        self.set_time(self._now_ms + delta_ms)


class LiveClock:
    """The wall clock (UTC)."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


def utc_now() -> datetime:
    """The current aware UTC datetime; for display and file names only."""
    return datetime.now(UTC)
