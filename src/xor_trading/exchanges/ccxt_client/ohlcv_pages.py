"""Closed candles over REST, page after page: the pagination shared by download and feed.

Rules (``tf`` is the timeframe in ms, ``limit`` the venue's page size):

* The first request asks for candles from ``since_ms`` rounded up to the grid; each next
  request starts **at** the newest candle of the previous page (one row of overlap, so
  no candle can fall between two pages whatever the venue does with ``since``).
* A candle is **closed** only when the venue has returned a later one. The newest row
  the venue returns is its forming candle and is never yielded: closure is read from
  the venue's data, never from our clock (the venue may run an accelerated clock).
* The pages end when a page is shorter than ``limit`` or adds no newer row (the venue has
  nothing newer), or when a candle at or after ``until_ms`` has been seen (every candle
  before ``until_ms`` is then known to be closed).
* Rows older than the requested start, and repeats of rows already seen, are dropped.

After the pages end, :attr:`ClosedCandlePager.venue_open_ms` is the open time of the
newest candle the venue returned (its forming candle when the data ran out), or None if
the venue returned nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_grid import floor_to_grid
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.ohlcv_requests import OhlcvRequester

__all__ = ["ClosedCandlePager", "ceil_to_grid"]


def ceil_to_grid(ts_ms: int, timeframe_ms: int) -> int:
    """The first open time of the timeframe's grid at or after ``ts_ms``."""
    floor = floor_to_grid(ts_ms, timeframe_ms)
    return floor if floor == ts_ms else floor + timeframe_ms


class ClosedCandlePager:
    """Closed candles of one market with ``since_ms <= open time < until_ms``, by page."""

    def __init__(
        self,
        requester: OhlcvRequester,
        symbol: str,
        timeframe: Timeframe,
        since_ms: int,
        until_ms: int | None = None,
    ) -> None:
        self._requester = requester
        self._symbol = symbol
        self._timeframe = timeframe
        self._since_ms = ceil_to_grid(since_ms, timeframe.ms)
        self._until_ms = until_ms
        self.venue_open_ms: int | None = None

    async def pages(self) -> AsyncIterator[list[Candle]]:
        """Each non-empty batch of newly known closed candles, oldest first."""
        since = self._since_ms
        newest: Candle | None = None  # newest candle seen; closed once a later one appears
        while True:
            page = await self._requester.fetch(self._symbol, self._timeframe, since)
            exhausted = len(page) < self._requester.page_limit
            floor = since if newest is None else newest.ts_ms + 1
            fresh = [c for c in page if c.ts_ms >= floor]
            if not fresh:
                break
            closed = ([newest] if newest is not None else []) + fresh[:-1]
            newest = fresh[-1]
            if self._until_ms is not None:
                closed = [c for c in closed if c.ts_ms < self._until_ms]
            if closed:
                yield closed
            if exhausted or (self._until_ms is not None and newest.ts_ms >= self._until_ms):
                break
            since = newest.ts_ms
        self.venue_open_ms = None if newest is None else newest.ts_ms
