"""ReplayMarketClock: the market time of a candle replay, for the bots that trade it.

A bot trading replayed (past) candles must live at their time, not the wall clock's:
its warm-up asks for the candles before *now*, and its orders, fills, trades, daily risk
limits and time stops are stamped with *now*. On the wall clock, stored candles are all in
the past, so such a bot would warm up on nothing and wait forever for a next candle.

The clock starts at ``start_ms`` (UTC epoch ms) and only moves when a replayed candle is
handed out (:meth:`candle_closed`): to that candle's close, its open time plus the
timeframe, the moment a live feed would have delivered it. It never goes backwards, so
several symbols replayed side by side share one clock.
"""

from __future__ import annotations

__all__ = ["ReplayMarketClock"]


class ReplayMarketClock:
    """Market time in UTC epoch ms, moved forward by the replay (see the module)."""

    def __init__(self, start_ms: int) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def candle_closed(self, close_ms: int) -> None:
        """A candle closing at ``close_ms`` was replayed; earlier times leave the clock."""
        self._now_ms = max(self._now_ms, close_ms)
