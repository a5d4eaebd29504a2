"""Public trades and order books through ccxt.pro (``watch_trades``, ``watch_order_book``).

:class:`CcxtMarketStreams` wraps a public-only client (it refuses one holding a key, as
the candle feed does). Contract:

* :meth:`~CcxtMarketStreams.trades` yields each public trade once (by trade id), oldest
  first within each batch the venue pushes. After a WebSocket error it reconnects with a
  jittered backoff of at least ``min_reconnect_s`` (never a tight loop); trades printed
  while it was down are not fetched again (the tape is for display and features, never
  for accounting: our own fills come from the private stream and ``myTrades``).
* :meth:`~CcxtMarketStreams.order_books` yields a snapshot per update, ``depth`` levels a
  side. When the WebSocket fails it falls back to REST (``fetch_order_book``) every
  ``rest_poll_s`` until the stream works again, so a consumer always has a recent book.
* Rows are validated: a trade or level with a non-positive or non-finite price or a
  negative amount, or a crossed book, is dropped with a warning, never yielded.
* Values are converted to exact ``Decimal`` through ``str`` of CCXT's floats (the
  shortest repr that round-trips), as the candle parser does.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

from xor_trading.core.errors import ConfigError
from xor_trading.data.market_events import BookLevel, OrderBookSnapshot, PublicTrade
from xor_trading.domain.orders import OrderSide
from xor_trading.exchanges.ccxt_client.async_client import make_async_client

__all__ = ["CcxtMarketStreams"]

logger = logging.getLogger("xor.market_data")

Sleep = Callable[[float], Awaitable[None]]
SEEN_TRADE_IDS = 10_000  # ids remembered per symbol to drop trades delivered twice


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def parse_trade(symbol: str, row: Any) -> PublicTrade | None:
    """A CCXT trade dict as a :class:`PublicTrade`, or ``None`` if it is not valid."""
    if not isinstance(row, dict):
        return None
    price, amount = _decimal(row.get("price")), _decimal(row.get("amount"))
    ts, trade_id, side = row.get("timestamp"), row.get("id"), row.get("side")
    if price is None or amount is None or price <= 0 or amount <= 0:
        return None
    if not isinstance(ts, int) or trade_id is None or side not in ("buy", "sell"):
        return None
    return PublicTrade(
        symbol=symbol,
        trade_id=str(trade_id),
        price=price,
        amount=amount,
        side=OrderSide.BUY if side == "buy" else OrderSide.SELL,
        ts_ms=ts,
    )


def _levels(rows: Any, depth: int) -> tuple[BookLevel, ...] | None:
    if not isinstance(rows, list):
        return None
    levels = []
    for row in rows[:depth]:
        if not isinstance(row, list | tuple) or len(row) < 2:
            return None
        price, amount = _decimal(row[0]), _decimal(row[1])
        if price is None or amount is None or price <= 0 or amount < 0:
            return None
        levels.append(BookLevel(price, amount))
    return tuple(levels)


def parse_order_book(symbol: str, book: Any, depth: int, now_ms: int) -> OrderBookSnapshot | None:
    """A CCXT order book as a snapshot, or ``None`` if it is invalid or crossed."""
    if not isinstance(book, dict):
        return None
    bids, asks = _levels(book.get("bids"), depth), _levels(book.get("asks"), depth)
    if bids is None or asks is None:
        return None
    if bids and asks and bids[0].price >= asks[0].price:
        return None  # crossed: a venue glitch or a half-applied diff
    ts = book.get("timestamp")
    return OrderBookSnapshot(symbol, bids, asks, ts if isinstance(ts, int) else now_ms)


class CcxtMarketStreams:
    """Public trade and order-book streams of one venue (see the module docstring)."""

    def __init__(
        self,
        client: Any,
        *,
        min_reconnect_s: float = 1.0,
        max_reconnect_s: float = 30.0,
        rest_poll_s: float = 2.0,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        if getattr(client, "apiKey", None) or getattr(client, "secret", None):
            raise ConfigError(
                "a market-data stream was given a client holding an API key",
                "build it with make_async_client(exchange_id, None): market data is public",
            )
        if min_reconnect_s <= 0 or max_reconnect_s < min_reconnect_s or rest_poll_s <= 0:
            raise ConfigError(
                "market stream delays must be positive, with the maximum at least the minimum",
                "use e.g. min_reconnect_s=1, max_reconnect_s=30, rest_poll_s=2",
            )
        self._client = client
        self._min_s = min_reconnect_s
        self._max_s = max_reconnect_s
        self._rest_poll_s = rest_poll_s
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._now_ms = now_ms or (lambda: int(client.milliseconds()))

    @classmethod
    def connect(
        cls, exchange_id: str, *, base_url: str | None = None, ws_url: str | None = None
    ) -> CcxtMarketStreams:
        """Streams over a new public client; ``base_url``/``ws_url`` from server settings."""
        return cls(make_async_client(exchange_id, None, base_url=base_url, ws_url=ws_url))

    def _backoff_s(self, failures: int) -> float:
        ceiling = min(self._max_s, self._min_s * 2.0 ** min(failures - 1, 16))
        return self._min_s + self._rng.random() * (ceiling - self._min_s)

    async def trades(self, symbol: str) -> AsyncIterator[PublicTrade]:
        seen: deque[str] = deque(maxlen=SEEN_TRADE_IDS)
        seen_set: set[str] = set()
        failures = 0
        while True:
            try:
                rows = await self._client.watch_trades(symbol)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = self._backoff_s(failures)
                logger.warning("trades of %s: %r; reconnecting in %.1f s", symbol, exc, delay)
                await self._sleep(delay)
                continue
            failures = 0
            for row in rows or ():
                trade = parse_trade(symbol, row)
                if trade is None:
                    logger.warning("trades of %s: invalid row dropped: %r", symbol, row)
                    continue
                if trade.trade_id in seen_set:
                    continue
                if len(seen) == seen.maxlen:
                    seen_set.discard(seen[0])
                seen.append(trade.trade_id)
                seen_set.add(trade.trade_id)
                yield trade

    async def order_books(self, symbol: str, depth: int = 20) -> AsyncIterator[OrderBookSnapshot]:
        if depth < 1:
            raise ConfigError(f"order book depth {depth} is not allowed", "use 1 or more")
        failures = 0
        while True:
            via_rest = failures > 0
            try:
                if via_rest:
                    book = await self._client.fetch_order_book(symbol, limit=depth)
                else:
                    book = await self._client.watch_order_book(symbol, limit=depth)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                logger.warning("order book of %s: %r; polling REST", symbol, exc)
                await self._sleep(self._rest_poll_s)
                continue
            snapshot = parse_order_book(symbol, book, depth, self._now_ms())
            if snapshot is None:
                logger.warning("order book of %s: invalid or crossed book dropped", symbol)
            else:
                yield snapshot
            if via_rest:
                # Try the stream again after each REST poll; a failure comes straight back.
                failures = 0
                await self._sleep(self._rest_poll_s)

    async def close(self) -> None:
        await self._client.close()
