"""A scripted stand-in for a public CCXT client: ``fetch_ohlcv`` and ``watch_ohlcv`` only.

``rows`` is the venue's candle history, oldest first; its last row is the forming candle
(as on Binance, REST answers include it). ``fetch_failures`` are raised, in order, by the
next ``fetch_ohlcv`` calls (with ``last_response_headers`` set as given) before any data
is served. ``watch_script`` drives ``watch_ohlcv``: each entry is a batch of rows to
return, an exception to raise, ``STALL`` (the call never returns), or a function called
at that point (to move the venue on) before the next entry is taken.
"""

from __future__ import annotations

import asyncio
from typing import Any

MINUTE = 60_000
T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
STALL = "stall"


def row(ts_ms: int, price: float = 100.0, volume: float = 1.0) -> list[Any]:
    return [ts_ms, price, price + 1.0, price - 1.0, price + 0.5, volume]


def rows(count: int, start_ms: int = T0, step_ms: int = MINUTE) -> list[list[Any]]:
    return [row(start_ms + i * step_ms, 100.0 + i) for i in range(count)]


class ScriptedOhlcvVenue:
    id = "binance"

    def __init__(
        self, history: list[list[Any]], *, page_limit: int = 1000, rate_limit_ms: int = 0
    ) -> None:
        self.rows = [list(r) for r in history]
        self.features = {"spot": {"fetchOHLCV": {"limit": page_limit}}}
        self.rateLimit = rate_limit_ms
        self.last_response_headers: dict[str, str] = {}
        self.fetch_failures: list[tuple[BaseException, dict[str, str]]] = []
        self.fetch_calls: list[int | None] = []
        self.watch_script: list[Any] = []
        self.watch_calls = 0
        self.closed = False
        self.ws_closes = 0

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, since: int | None = None, limit: int | None = None
    ) -> list[list[Any]]:
        self.fetch_calls.append(since)
        await asyncio.sleep(0)
        if self.fetch_failures:
            exc, headers = self.fetch_failures.pop(0)
            self.last_response_headers = headers
            raise exc
        self.last_response_headers = {}
        served = [list(r) for r in self.rows if since is None or r[0] >= since]
        return served[: limit or 500]

    async def watch_ohlcv(self, symbol: str, timeframe: str) -> list[list[Any]]:
        self.watch_calls += 1
        await asyncio.sleep(0)
        while self.watch_script and callable(self.watch_script[0]):
            self.watch_script.pop(0)()
        if not self.watch_script:
            await asyncio.Event().wait()  # nothing scripted: a silent stream
        step = self.watch_script.pop(0)
        if step == STALL:
            await asyncio.Event().wait()
        if isinstance(step, BaseException):
            raise step
        return [list(r) for r in step]

    async def close_ws_clients(self) -> None:
        self.ws_closes += 1

    async def close(self) -> None:
        self.closed = True
