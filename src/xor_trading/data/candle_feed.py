"""The candle feed: closed candles of one market, as they close, for the bot runtime.

Implemented by the CCXT market-data client (live and paper trading: WebSocket with REST
fallback) and by replay feeds (tests, benchmarks, the demo). Contract:

* :meth:`CandleFeed.history` returns closed candles with ``since_ms <= open time <
  until_ms``, oldest first, all pages: the warm-up and the backfill of a gap.
* :meth:`CandleFeed.closed_candles` yields every closed candle opened at or after
  ``since_ms``, in order, each exactly once, with no gap: a candle missed while the stream
  was down is fetched from history before the next live one is yielded. It runs until
  cancelled. A candle is *closed* once the venue has started the next one or the wall
  clock has passed its close (plus a small grace), never earlier: strategies decide on
  closed candles only, as in a backtest.
* :meth:`CandleFeed.close` releases connections; the feed is unusable afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from xor_trading.core.timeframes import Timeframe
from xor_trading.domain.candles import Candle


class CandleFeed(Protocol):
    async def history(
        self, symbol: str, timeframe: Timeframe, since_ms: int, until_ms: int
    ) -> list[Candle]: ...

    def closed_candles(
        self, symbol: str, timeframe: Timeframe, since_ms: int
    ) -> AsyncIterator[Candle]: ...

    async def close(self) -> None: ...
