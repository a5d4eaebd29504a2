"""CcxtCandleFeed: closed candles of a venue over CCXT, WebSocket first, REST as fallback.

Implements :class:`~xor_trading.data.candle_feed.CandleFeed` over a **public** CCXT
client (``ccxt.pro``: REST and WebSocket; it never signs, and a client holding a key is
refused). How :meth:`CcxtCandleFeed.closed_candles` works:

1. **Catch-up over REST.** Every candle the venue has closed since the cursor (at first
   ``since_ms``) is fetched page by page (:mod:`.ohlcv_pages`) and yielded.
2. **WebSocket.** ``watch_ohlcv`` updates go through a :class:`.StreamSession` (close
   detection: a candle is closed when the venue has started a later one; see
   :mod:`.candle_close` for the rule and why our clock never decides). Whenever the
   venue is ahead of the cursor, the candles in between are yielded: from the session
   where it saw them whole, otherwise **backfilled from REST first** (after a reconnect
   the first live candle is never yielded before the ones missed).
3. **Fallback.** A stream error, or no message for ``stall_timeout_s`` (default: two
   timeframes), drops the connection and switches to REST polling every
   ``rest_poll_interval_s``; the WebSocket is tried again after a jittered, growing
   delay (``ws_retry_base_s`` doubling up to ``ws_retry_max_s``, never less than 1 s
   apart: at most one attempt per second), starting over at step 1.

Guarantees: each closed candle at most once and in open-time order (a cursor drops
anything at or before the last yielded candle); no candle skipped unless the venue
itself has none for that time (a venue hole: logged, then passed). Invalid rows are
logged and never yielded; over REST the page is fetched again (:mod:`.ohlcv_requests`),
on the stream that candle is taken from REST. Transient REST failures during the
fallback are logged and polled again; an unknown market (``UnknownSymbolError``) or a
venue that keeps sending broken candles (``DataError``) ends the iteration.

Times are UTC epoch ms (venue time); durations in seconds of our monotonic clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it

from xor_trading.core.errors import ConfigError, RetryableError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.timestamps import iso_utc
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.backoff import Backoff
from xor_trading.exchanges.ccxt_client.candle_close import StreamSession
from xor_trading.exchanges.ccxt_client.ohlcv_pages import ClosedCandlePager, ceil_to_grid
from xor_trading.exchanges.ccxt_client.ohlcv_parsing import parse_ohlcv_rows
from xor_trading.exchanges.ccxt_client.ohlcv_requests import OhlcvRequester, RetryPolicy

__all__ = ["CcxtCandleFeed", "MarketFeedConfig"]

logger = logging.getLogger("xor.market_data")

Sleep = Callable[[float], Awaitable[None]]

_MIN_RECONNECT_S = 1.0  # R7: at most one WebSocket attempt per second
_BACKFILL_ATTEMPTS = 3  # REST may trail the stream by a moment right after a candle starts


@dataclass(frozen=True, slots=True)
class MarketFeedConfig:
    """Timing of a :class:`CcxtCandleFeed`, in seconds; ``None``: derived from the timeframe."""

    stall_timeout_s: float | None = None  # default: 2 x timeframe
    rest_poll_interval_s: float | None = None  # default: timeframe / 10, within 1 .. 10 s
    ws_retry_base_s: float = 1.0
    ws_retry_max_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def stall_s(self, timeframe: Timeframe) -> float:
        return self.stall_timeout_s or 2.0 * timeframe.ms / 1000.0

    def poll_s(self, timeframe: Timeframe) -> float:
        if self.rest_poll_interval_s is not None:
            return self.rest_poll_interval_s
        return min(10.0, max(1.0, timeframe.ms / 10_000.0))


class _Cursor:
    """Open time of the next candle to yield; everything before it was yielded or passed."""

    def __init__(self, next_ms: int) -> None:
        self.next_ms = next_ms


class _StreamDownError(Exception):
    """The WebSocket session ended; the feed falls back to REST."""


class CcxtCandleFeed:
    """Closed candles of one venue; see the module docstring. One feed per client."""

    def __init__(
        self,
        client: Any,
        *,
        config: MarketFeedConfig | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if getattr(client, "apiKey", None) or getattr(client, "secret", None):
            raise ConfigError(
                "a market-data feed was given a client holding an API key",
                "build it with make_async_client(exchange_id, None): market data is public",
            )
        self._client = client
        self._config = config or MarketFeedConfig()
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._requester = OhlcvRequester(
            client, retry=self._config.retry, sleep=sleep, monotonic=monotonic, rng=self._rng
        )
        self._closed = False

    @classmethod
    def connect(
        cls,
        exchange_id: str,
        *,
        base_url: str | None = None,
        ws_url: str | None = None,
        config: MarketFeedConfig | None = None,
    ) -> CcxtCandleFeed:
        """A feed over a new public client; ``base_url``/``ws_url`` from server settings."""
        client = make_async_client(exchange_id, None, base_url=base_url, ws_url=ws_url)
        return cls(client, config=config)

    @property
    def requests_made(self) -> int:
        """REST requests sent so far (for tests and metrics)."""
        return self._requester.requests_made

    async def history(
        self, symbol: str, timeframe: Timeframe, since_ms: int, until_ms: int
    ) -> list[Candle]:
        """Closed candles with ``since_ms <= open < until_ms``, all pages (the warm-up)."""
        self._check_open()
        pager = ClosedCandlePager(self._requester, symbol, timeframe, since_ms, until_ms)
        return [candle async for page in pager.pages() for candle in page]

    async def closed_candles(
        self, symbol: str, timeframe: Timeframe, since_ms: int
    ) -> AsyncIterator[Candle]:
        self._check_open()
        cursor = _Cursor(ceil_to_grid(since_ms, timeframe.ms))
        reconnect = Backoff(
            self._config.ws_retry_base_s,
            self._config.ws_retry_max_s,
            floor_s=_MIN_RECONNECT_S,
            rng=self._rng,
        )
        streaming = bool((getattr(self._client, "has", None) or {}).get("watchOHLCV", True))
        while True:
            async for candle in self._poll(symbol, timeframe, cursor):
                yield candle
            if streaming:
                try:
                    async for candle in self._stream(symbol, timeframe, cursor, reconnect):
                        yield candle
                except _StreamDownError as down:
                    logger.warning(
                        "%s %s %s: %s; polling REST until the WebSocket is back",
                        self._requester.exchange_id,
                        symbol,
                        timeframe,
                        down,
                    )
                    await self._drop_stream()
            deadline = self._monotonic() + reconnect.next_delay_s()
            while (remaining := deadline - self._monotonic()) > 0:
                await self._sleep(min(self._config.poll_s(timeframe), remaining))
                async for candle in self._poll(symbol, timeframe, cursor):
                    yield candle

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._client.close()

    async def _stream(
        self, symbol: str, timeframe: Timeframe, cursor: _Cursor, reconnect: Backoff
    ) -> AsyncIterator[Candle]:
        """Candles from one WebSocket session; raises ``_StreamDownError`` when it ends."""
        session = StreamSession()
        connections: tuple[Any, ...] | None = None  # held, so compared by identity
        stall_s = self._config.stall_s(timeframe)
        while True:
            try:
                batch = await asyncio.wait_for(
                    self._client.watch_ohlcv(symbol, timeframe.text), stall_s
                )
            except TimeoutError as exc:
                raise _StreamDownError(f"no candle update for {stall_s:g} s (stalled)") from exc
            except ccxt.BaseError as exc:
                raise _StreamDownError(f"stream error {type(exc).__name__}: {exc}") from exc
            reconnect.reset()
            current = self._connections()
            if connections is not None and not _same_objects(current, connections):
                # CCXT reconnected by itself between two calls (the server closed the
                # socket while no call was waiting): what the old session held is not
                # trusted, the candles in between come from REST.
                logger.warning(
                    "%s %s %s: the WebSocket was reconnected; starting a new session",
                    self._requester.exchange_id,
                    symbol,
                    timeframe,
                )
                session = StreamSession()
            connections = current
            parsed = parse_ohlcv_rows(batch, timeframe.ms)
            for bad in parsed.rejected:
                logger.warning(
                    "%s %s %s: rejected a streamed row (%s): %r; it will come from REST",
                    self._requester.exchange_id,
                    symbol,
                    timeframe,
                    bad.reason,
                    bad.row,
                )
            rejected = [bad.open_ms for bad in parsed.rejected if bad.open_ms is not None]
            closed = session.observe(parsed.candles, rejected)
            target = session.venue_open_ms
            if target is None or target <= cursor.next_ms:
                continue
            try:
                ready = await self._complete(symbol, timeframe, cursor, target, closed)
            except RetryableError as exc:
                raise _StreamDownError(f"backfill failed ({exc.message})") from exc
            for candle in ready:
                yield candle

    async def _complete(
        self,
        symbol: str,
        timeframe: Timeframe,
        cursor: _Cursor,
        target_ms: int,
        streamed: list[Candle],
    ) -> list[Candle]:
        """Every closed candle from the cursor to ``target_ms`` (the venue's forming candle):
        streamed ones where the session saw them whole, the rest backfilled from REST."""
        tf = timeframe.ms
        have = {c.ts_ms: c for c in streamed if cursor.next_ms <= c.ts_ms < target_ms}
        missing_ms = _first_missing(cursor.next_ms, target_ms, tf, have)
        for attempt in range(_BACKFILL_ATTEMPTS):
            if missing_ms is None:
                break
            pager = ClosedCandlePager(self._requester, symbol, timeframe, missing_ms, target_ms)
            async for page in pager.pages():
                for candle in page:
                    have.setdefault(candle.ts_ms, candle)
            if pager.venue_open_ms is not None and pager.venue_open_ms >= target_ms:
                break  # REST has seen the stream's candle: what it lacks before it is a hole
            if attempt + 1 < _BACKFILL_ATTEMPTS:
                await self._sleep(0.2 * (attempt + 1))  # REST trails the stream; ask again
            missing_ms = _first_missing(missing_ms, target_ms, tf, have)
        ready = [have[ts] for ts in sorted(have)]
        self._note_holes(symbol, timeframe, cursor.next_ms, target_ms, ready)
        cursor.next_ms = target_ms
        return ready

    async def _poll(
        self, symbol: str, timeframe: Timeframe, cursor: _Cursor
    ) -> AsyncIterator[Candle]:
        """The venue's closed candles since the cursor, over REST; transient failures are
        logged and leave the cursor where it is (the next poll asks again)."""
        pager = ClosedCandlePager(self._requester, symbol, timeframe, cursor.next_ms)
        try:
            async for page in pager.pages():
                fresh = [c for c in page if c.ts_ms >= cursor.next_ms]
                if fresh:
                    self._note_holes(
                        symbol, timeframe, cursor.next_ms, fresh[-1].ts_ms + timeframe.ms, fresh
                    )
                    cursor.next_ms = fresh[-1].ts_ms + timeframe.ms
                for candle in fresh:
                    yield candle
        except RetryableError as exc:
            logger.warning(
                "%s %s %s: REST poll failed (%s); polling again",
                self._requester.exchange_id,
                symbol,
                timeframe,
                exc.one_line(),
            )
            return
        venue_open = pager.venue_open_ms
        if venue_open is not None and venue_open > cursor.next_ms:
            self._note_holes(symbol, timeframe, cursor.next_ms, venue_open, [])
            cursor.next_ms = venue_open

    def _note_holes(
        self, symbol: str, timeframe: Timeframe, start_ms: int, end_ms: int, got: list[Candle]
    ) -> None:
        """Log the candles the venue has none of in ``start_ms .. end_ms``."""
        missing = (end_ms - start_ms) // timeframe.ms - sum(
            1 for c in got if start_ms <= c.ts_ms < end_ms
        )
        if missing > 0:
            logger.warning(
                "%s %s %s: the venue has no candle for %d open time(s) between %s and %s; "
                "passing over them",
                self._requester.exchange_id,
                symbol,
                timeframe,
                missing,
                iso_utc(start_ms),
                iso_utc(end_ms),
            )

    def _connections(self) -> tuple[Any, ...]:
        """CCXT's open WebSocket connection objects (new ones when it reconnects)."""
        return tuple((getattr(self._client, "clients", None) or {}).values())

    async def _drop_stream(self) -> None:
        """Close the WebSocket connections (a stalled one may still look open)."""
        close_ws = getattr(self._client, "close_ws_clients", None)
        if close_ws is None:
            return
        try:
            await close_ws()
        except Exception as exc:  # a failing close must not stop the feed
            logger.warning("closing the WebSocket failed: %r", exc)

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigError(
                "the market-data feed is closed", "create a new feed; a closed one cannot be reused"
            )


def _first_missing(start_ms: int, end_ms: int, step_ms: int, have: dict[int, Candle]) -> int | None:
    """The first open time in ``start_ms .. end_ms`` (exclusive) absent from ``have``."""
    expected = start_ms
    for ts in sorted(t for t in have if start_ms <= t < end_ms):
        if ts != expected:
            return expected
        expected += step_ms
    return expected if expected < end_ms else None


def _same_objects(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
