"""When a streamed candle is closed: read from the venue's data, never from our clock.

**The rule.** A candle is closed once the venue has started a later one: a candle with
a later open time has arrived on the same uninterrupted WebSocket session (over REST:
the venue returned a later candle, see :mod:`.ohlcv_pages`). Its closed value is the
last update received for it on that session; the venue sends the final update of a
candle before the first update of the next, on one ordered connection.

Our wall clock never closes a candle: a venue may run an accelerated or skewed clock
(the simulated Binance server replays at a speed factor), so "now > open + timeframe"
says nothing about the venue. The wall clock only bounds how long the feed waits for
the stream before it asks the venue over REST (the stall timeout of the feed).
CCXT's ``watch_ohlcv`` does not pass on Binance's kline "closed" flag, so the flag is not
used: a candle is reported when the next one starts (on Binance, within about 2 s of its
close, the kline push interval).

**Sessions.** Values seen on an earlier connection are not trusted after a reconnect
(the final update may have been lost with it), so a :class:`StreamSession` lives for one
connection. Its first batch only tells where the venue is: candles older than the
newest candle of that batch are left to the REST backfill. A row that failed validation
drops what the session held for its candle, so that candle, too, comes from REST unless
a valid update follows.
"""

from __future__ import annotations

from collections.abc import Iterable

from xor_trading.domain.candles import Candle

__all__ = ["StreamSession"]


class StreamSession:
    """Closed-candle detection over one uninterrupted WebSocket connection."""

    def __init__(self) -> None:
        self.first_open_ms: int | None = None  # candles before it: not seen whole here
        self.venue_open_ms: int | None = None  # newest open time the venue has started
        self._forming: dict[int, Candle] = {}  # last update of each candle not closed yet

    def observe(
        self, candles: Iterable[Candle], rejected_open_ms: Iterable[int] = ()
    ) -> list[Candle]:
        """Take one batch of updates; return the candles it closed, oldest first.

        ``rejected_open_ms`` are the open times of rows in the batch that were invalid.
        """
        batch = list(candles)
        for open_ms in rejected_open_ms:
            self._forming.pop(open_ms, None)
        if self.first_open_ms is None:
            if not batch:
                return []
            self.first_open_ms = max(c.ts_ms for c in batch)
        for candle in batch:
            if candle.ts_ms < self.first_open_ms:
                continue
            self._forming[candle.ts_ms] = candle
            if self.venue_open_ms is None or candle.ts_ms > self.venue_open_ms:
                self.venue_open_ms = candle.ts_ms
        if self.venue_open_ms is None:
            return []
        closed = sorted(ts for ts in self._forming if ts < self.venue_open_ms)
        return [self._forming.pop(ts) for ts in closed]
