"""Market streams and the server's heartbeat task.

Every ``tick_ms`` (wall) the hub advances the venue (matching, books) and pushes, for
every stream someone subscribed to, what changed since the last tick:

| stream | payload |
|---|---|
| ``<symbol>@kline_<interval>`` | ``kline`` event; the closing update carries ``x: true`` |
| ``<symbol>@trade`` | one synthetic ``trade`` per tick in which the price moved |
| ``<symbol>@bookTicker`` | best bid / ask when they change |
| ``<symbol>@depth<N>[@100ms]`` | partial book snapshot (``lastUpdateId``, bids, asks) |
| ``<symbol>@depth[@100ms]`` | ``depthUpdate`` diff with ``U``/``u`` ids, Binance's rules |
| ``<symbol>@ticker`` | ``24hrTicker`` |

Faults: :meth:`StreamHub.stall` stops data for a while (pings continue: aiohttp's
heartbeat), :meth:`StreamHub.disconnect_all` closes every stream connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from decimal import Decimal
from typing import Any

from aiohttp import web

from xor_trading.core.precision import Rounding, round_to_increment
from xor_trading.core.timeframes import Timeframe
from xor_trading.exchanges.simulated.binance_server import payloads
from xor_trading.exchanges.simulated.binance_server.order_book import Level
from xor_trading.exchanges.simulated.binance_server.simulated_binance import SimulatedBinance
from xor_trading.exchanges.simulated.binance_server.stream_connections import StreamConnection

_STREAM = re.compile(
    r"(?P<symbol>[a-z0-9]+)@(?P<kind>kline_(?P<interval>[0-9]+[mhdw])|trade|bookTicker|ticker"
    r"|depth(?P<levels>5|10|20)?(?:@(?:100|1000)ms)?)"
)


class StreamHub:
    """Connections, subscriptions and the periodic push (see the module docstring)."""

    def __init__(self, venue: SimulatedBinance) -> None:
        self._venue = venue
        self.connections: set[StreamConnection] = set()
        self.user_connections: set[web.WebSocketResponse] = set()
        self._stalled_until_ms = 0
        self._last_price_t: dict[str, int] = {}
        self._last_market_ms = venue.replay.now_ms()
        self._published_id: dict[str, int] = {}
        self._last_kline: dict[tuple[str, int], tuple[int, Any]] = {}
        self._last_best: dict[str, tuple[Level, Level]] = {}
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.disconnect_all()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._venue.config.tick_ms / 1000)
            await self.tick()

    # -- faults ---------------------------------------------------------------------------

    def stall(self, seconds: float) -> None:
        self._stalled_until_ms = self._venue.wall.now_ms() + int(seconds * 1000)

    @property
    def stalled(self) -> bool:
        return self._venue.wall.now_ms() < self._stalled_until_ms

    async def disconnect_all(self) -> None:
        sockets = [c.ws for c in self.connections] + list(self.user_connections)
        for ws in sockets:
            await ws.close()

    # -- subscriptions --------------------------------------------------------------------

    @staticmethod
    def valid(stream: str) -> bool:
        return _STREAM.fullmatch(stream) is not None

    async def handle_control(self, conn: StreamConnection, message: dict[str, Any]) -> None:
        method, request_id = message.get("method"), message.get("id")
        names = [str(p) for p in message.get("params") or []]
        if method == "SUBSCRIBE":
            conn.streams.update(names)
            await conn.send({"result": None, "id": request_id})
        elif method == "UNSUBSCRIBE":
            conn.streams.difference_update(names)
            await conn.send({"result": None, "id": request_id})
        elif method == "LIST_SUBSCRIPTIONS":
            await conn.send({"result": sorted(conn.streams), "id": request_id})
        elif method in ("SET_PROPERTY", "GET_PROPERTY"):
            await conn.send({"result": None, "id": request_id})
        else:
            await conn.send(
                {
                    "error": {"code": 2, "msg": f"Invalid request: unknown method {method!r}"},
                    "id": request_id,
                }
            )

    # -- the push -------------------------------------------------------------------------

    async def tick(self) -> None:
        venue = self._venue
        venue.advance()
        if self.stalled or not self.connections:
            self._last_market_ms = venue.replay.now_ms()
            return
        wanted = {s for c in self.connections for s in c.streams}
        payloads_by_stream = self._payloads(wanted)
        for conn in list(self.connections):
            for stream in sorted(conn.streams):
                for payload in payloads_by_stream.get(stream, []):
                    await conn.send_stream(stream, payload)

    def _payloads(self, wanted: set[str]) -> dict[str, list[Any]]:
        venue = self._venue
        now_market = venue.replay.now_ms()
        now_wall = venue.wall.now_ms()
        out: dict[str, list[Any]] = {}
        trades: dict[str, Any] = {}
        for stream in wanted:
            match = _STREAM.fullmatch(stream)
            if match is None:
                continue
            symbol = match["symbol"].upper()
            market, book = venue.markets.get(symbol), venue.books.get(symbol)
            if market is None or book is None:
                continue
            kind = match["kind"]
            if kind.startswith("kline_"):
                out[stream] = self._klines(symbol, match["interval"], now_market, now_wall)
            elif kind == "trade":
                if symbol not in trades:
                    trades[symbol] = self._trade(symbol, now_market, now_wall)
                out[stream] = [trades[symbol]] if trades[symbol] else []
            elif kind == "bookTicker":
                best = (book.bids[0], book.asks[0])
                if self._last_best.get(stream) != best:
                    self._last_best[stream] = best
                    out[stream] = [
                        payloads.ws_book_ticker(symbol, book.update_id, best[0], best[1], now_wall)
                    ]
            elif kind == "ticker":
                out[stream] = [self._ticker(symbol, now_market, now_wall)]
            elif match["levels"]:
                out[stream] = [
                    payloads.depth(book.update_id, book.bids, book.asks, int(match["levels"]))
                ]
            else:
                out[stream] = self._depth_diff(stream, symbol, now_wall)
        self._last_market_ms = now_market
        return out

    def _klines(self, symbol: str, interval: str, now_market: int, now_wall: int) -> list[Any]:
        market = self._venue.markets[symbol]
        interval_ms = Timeframe.parse(interval).ms
        if interval_ms % market.timeframe_ms:
            return []
        key = (symbol, interval_ms)
        current = market.klines(interval_ms, now_market, limit=1)
        if not current:
            return []
        kline = current[-1]
        events = []
        previous = self._last_kline.get(key)
        if previous is not None and previous[0] < kline.open_ms:
            closed = market.klines(interval_ms, now_market, start_ms=previous[0], limit=1)
            if closed:
                events.append(payloads.ws_kline(symbol, interval, closed[0], market, now_wall))
        if previous is None or previous[1] != kline:
            events.append(payloads.ws_kline(symbol, interval, kline, market, now_wall))
        self._last_kline[key] = (kline.open_ms, kline)
        return events

    def _trade(self, symbol: str, now_market: int, now_wall: int) -> Any:
        market = self._venue.markets[symbol]
        price_t = market.price_ticks(now_market)
        previous = self._last_price_t.get(symbol)
        self._last_price_t[symbol] = price_t
        if previous == price_t:
            return None
        inst = market.instrument
        volume = Decimal(repr(market.volume_between(self._last_market_ms, now_market)))
        qty = max(inst.min_qty, round_to_increment(volume, inst.lot_size, Rounding.DOWN))
        trade_id = self._venue.matching.next_trade_id(symbol)
        falling = previous is not None and price_t < previous
        return payloads.ws_trade(symbol, trade_id, market.to_price(price_t), qty, now_wall, falling)

    def _ticker(self, symbol: str, now_market: int, now_wall: int) -> Any:
        venue = self._venue
        market, book = venue.markets[symbol], venue.books[symbol]
        rest = payloads.ticker_24hr(
            symbol,
            market.rolling_day(now_market),
            market,
            book.bids[0],
            book.asks[0],
            venue.matching.last_trade_id(symbol),
        )
        return {
            "e": "24hrTicker",
            "E": now_wall,
            "s": symbol,
            "p": rest["priceChange"],
            "P": rest["priceChangePercent"],
            "w": rest["weightedAvgPrice"],
            "x": rest["prevClosePrice"],
            "c": rest["lastPrice"],
            "Q": rest["lastQty"],
            "b": rest["bidPrice"],
            "B": rest["bidQty"],
            "a": rest["askPrice"],
            "A": rest["askQty"],
            "o": rest["openPrice"],
            "h": rest["highPrice"],
            "l": rest["lowPrice"],
            "v": rest["volume"],
            "q": rest["quoteVolume"],
            "O": rest["openTime"],
            "C": rest["closeTime"],
            "F": rest["firstId"],
            "L": rest["lastId"],
            "n": rest["count"],
        }

    def _depth_diff(self, stream: str, symbol: str, now_wall: int) -> list[Any]:
        book = self._venue.books[symbol]
        # First push on a stream: the latest change only; the client takes the rest from a
        # REST snapshot, as Binance's diff-depth protocol says.
        last_id = self._published_id.get(stream, book.update_id - 1)
        self._published_id[stream] = book.update_id
        if last_id == book.update_id:
            return []
        bids, asks = book.diff_since(last_id)
        return [payloads.ws_depth_update(symbol, last_id + 1, book.update_id, bids, asks, now_wall)]
