"""The port finds a stalled private stream by evidence: a venue fact its REST path learned
(poll or create reply) that the stream has not delivered ``stream_evidence_grace_s`` later
is handled as a drop: resync signalled, connection failed (CCXT reconnects), counted.
Fills stay once per trade id whichever path saw them first."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.live_port import (
    LiveExchangePort,
    LivePortConfig,
    PrivateStreamStatus,
)
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter
from xor_trading.execution.reports import OrderFilledReport

NOW_MS = 1_700_000_000_000  # the venue's and the client's clock (no offset)
AFTER_MARGIN_MS = NOW_MS + 5_000  # an event 5 s after the connection opened (margin 2 s)
WS_API = "ws://venue/ws-api/v3"
CID = "bot1-O-1"


class FakeConnection:
    """A CCXT WebSocket client: ``on_error`` fails every watch and drops the connection."""

    def __init__(self, venue: FakeVenueClient) -> None:
        self.venue = venue
        self.errors: list[str] = []

    def on_error(self, error: Exception) -> None:
        self.errors.append(str(error))
        self.venue.clients.pop(WS_API, None)
        for waiting in self.venue.waiting.values():
            if not waiting.done():
                waiting.set_exception(error)


def execution_report(x: str, status: str, trade_id: int = -1, last: str = "0") -> dict[str, Any]:
    return {
        "info": {
            "e": "executionReport", "E": AFTER_MARGIN_MS, "s": "BTCUSDT", "c": CID, "S": "BUY",
            "o": "LIMIT", "q": "1", "p": "100", "x": x, "X": status, "i": 55, "l": last,
            "z": last, "L": "100", "n": "0", "N": "BTC", "T": AFTER_MARGIN_MS, "t": trade_id,
            "m": True, "C": "",
        }
    }  # fmt: skip


class FakeVenueClient:
    """REST answers as Binance gives them; the private stream says only what the test
    delivers (``deliver``); ``on_connected`` is CCXT's hook, called by the test."""

    id = "binance"
    apiKey = "key-1"  # noqa: N815 - CCXT's attribute name

    def __init__(self, *, event_ms: int = AFTER_MARGIN_MS, watch_orders: bool = True) -> None:
        self.has = {"watchMyTrades": True, "watchOrders": watch_orders}
        self.options: dict[str, Any] = {}
        self.streaming: dict[str, Any] = {"keepAlive": 180_000}
        self.clients: dict[str, FakeConnection] = {WS_API: FakeConnection(self)}
        self.event_ms = event_ms
        self.filled = "0"  # what the venue's order book says of the order
        self.waiting: dict[str, asyncio.Future[list[Any]]] = {}

    def on_connected(self, ws_client: Any, message: Any = None) -> None:
        self.clients.setdefault(WS_API, FakeConnection(self))

    def on_rest_response(self, *args: Any) -> Any:
        return args[5]

    def milliseconds(self) -> int:
        return NOW_MS

    async def public_get_time(self) -> dict[str, str]:
        return {"serverTime": str(NOW_MS)}

    async def private_post_order(self, params: dict[str, str]) -> dict[str, Any]:
        return {
            "symbol": "BTCUSDT", "orderId": 55, "clientOrderId": CID,
            "transactTime": self.event_ms, "origQty": "1", "executedQty": "1",
            "status": "FILLED", "type": "MARKET", "side": "BUY",
            "fills": [{"price": "100", "qty": "1", "commission": "0", "commissionAsset": "BTC",
                       "tradeId": 7}],
        }  # fmt: skip

    async def private_get_openorders(self, params: dict[str, str]) -> list[Any]:
        status = "PARTIALLY_FILLED" if self.filled != "0" else "NEW"
        return [
            {
                "symbol": "BTCUSDT", "orderId": 55, "clientOrderId": CID, "price": "100",
                "origQty": "1", "executedQty": self.filled, "status": status, "type": "LIMIT",
                "side": "BUY", "time": NOW_MS, "updateTime": self.event_ms,
            }
        ]  # fmt: skip

    async def private_get_mytrades(self, params: dict[str, Any]) -> list[Any]:
        return [
            {
                "symbol": "BTCUSDT", "id": 7, "orderId": 55, "price": "100", "qty": self.filled,
                "commission": "0", "commissionAsset": "BTC", "isBuyer": True, "isMaker": True,
                "time": self.event_ms,
            }
        ]  # fmt: skip

    async def _watch(self, method: str) -> list[Any]:
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self.waiting[method] = future
        return await future

    async def watch_my_trades(self) -> list[Any]:
        return await self._watch("watch_my_trades")

    async def watch_orders(self) -> list[Any]:
        return await self._watch("watch_orders")

    def deliver(self, method: str, items: list[Any]) -> None:
        self.waiting[method].set_result(items)

    async def close(self) -> None:
        pass


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


async def spin(turns: int = 30) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


class Rig:
    def __init__(
        self, client: FakeVenueClient, *, grace_s: float = 10.0, now_s: Callable[[], float]
    ) -> None:
        self.client = client
        self.signals: list[str] = []
        self.reports: list[Any] = []
        self.port = LiveExchangePort(
            client,
            clock=TestClock(0),
            client_order_id=lambda o: f"bot1-{o.order_id}",
            limiter=RequestLimiter(),
            breaker=CircuitBreaker("binance"),
            config=LivePortConfig(
                poll_interval_s=3600,
                poll_interval_streaming_s=3600,
                stream_evidence_grace_s=grace_s,
                stream_connect_margin_s=2.0,
            ),
            on_private_stream_reconnect=lambda: self.signals.append("resync"),
            now_s=now_s,
            sleep=no_wait,
        )
        self.port.connect(self.reports.append)

    def fills(self) -> list[tuple[str, Decimal]]:
        return [
            (str(r.fill.trade_id), r.fill.quantity)
            for r in self.reports
            if isinstance(r, OrderFilledReport)
        ]


def order(order_type: OrderType = OrderType.MARKET) -> Order:
    return Order(
        order_id=OrderId("O-1"), symbol=Symbol("BTC/USDT"), side=OrderSide.BUY,
        order_type=order_type, quantity=Quantity(Decimal(1)), created_ms=0,
        limit_price=Price(Decimal(100)) if order_type is OrderType.LIMIT else None,
    )  # fmt: skip


async def started(rig: Rig) -> None:
    await rig.port.start()
    rig.client.on_connected(None)  # CCXT opened the private connection
    await spin()


def test_fill_found_by_polling_and_never_streamed_is_a_stall_exactly_at_grace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    rig = Rig(FakeVenueClient(), now_s=lambda: now[0])

    async def scenario() -> tuple[bool, bool, PrivateStreamStatus, list[str]]:
        await started(rig)
        rig.port.track(order(OrderType.LIMIT), CID)
        rig.client.filled = "1"  # the order filled; the stream said nothing
        await rig.port.poll_once()
        now[0] = 109.999
        early = rig.port.check_stream_evidence()
        now[0] = 110.0
        on_time = rig.port.check_stream_evidence()
        await spin()
        status = rig.port.stream_status
        signals = list(rig.signals)
        rig.client.on_connected(None)  # CCXT reconnected (a new connection)
        await rig.port.close()
        return early, on_time, status, signals

    with caplog.at_level(logging.WARNING):
        early, on_time, status, signals_at_stall = asyncio.run(scenario())

    assert (early, on_time) == (False, True)
    assert status == PrivateStreamStatus(connected=False, drops=1, stalls=1, events=0)
    assert signals_at_stall == ["resync"]
    assert rig.signals == ["resync", "resync"]  # and again once reconnected
    assert rig.fills() == [("7", Decimal(1))]
    assert "private stream stalled" in caplog.text


def test_stall_fails_the_connection_so_the_watches_reconnect() -> None:
    now = [100.0]
    client = FakeVenueClient()
    connection = client.clients[WS_API]
    rig = Rig(client, now_s=lambda: now[0])

    async def scenario() -> set[str]:
        await started(rig)
        first_watches = dict(client.waiting)
        rig.port.submit_order(order())
        await rig.port.drain()
        now[0] = 110.0
        rig.port.check_stream_evidence()
        await spin()
        rewatched = {m for m, f in client.waiting.items() if f is not first_watches[m]}
        await rig.port.close()
        return rewatched

    rewatched = asyncio.run(scenario())

    assert len(connection.errors) == 1
    assert connection.errors[0].startswith("private stream stalled: ")
    assert WS_API not in client.clients  # CCXT forgets it: the next watch opens a new one
    assert rewatched == {"watch_my_trades", "watch_orders"}


def test_fill_streamed_within_grace_is_no_stall_and_is_booked_once() -> None:
    now = [100.0]
    rig = Rig(FakeVenueClient(), now_s=lambda: now[0])

    async def scenario() -> bool:
        await started(rig)
        rig.port.submit_order(order())
        await rig.port.drain()  # the FULL reply: order and trade 7, from REST first
        now[0] = 100.3
        rig.client.deliver("watch_my_trades", [execution_report("TRADE", "FILLED", 7, "1")])
        await spin()
        now[0] = 500.0
        stalled = rig.port.check_stream_evidence()
        await rig.port.close()
        return stalled

    stalled = asyncio.run(scenario())

    assert stalled is False
    assert rig.signals == []
    assert rig.port.stream_status == PrivateStreamStatus(
        connected=True, drops=0, stalls=0, events=1
    )
    assert rig.fills() == [("7", Decimal(1))]


def test_cancel_found_by_rest_and_never_streamed_is_a_stall() -> None:
    now = [100.0]
    client = FakeVenueClient()
    rig = Rig(client, now_s=lambda: now[0])

    async def canceled(params: dict[str, str]) -> dict[str, Any]:
        return {
            "symbol": "BTCUSDT", "orderId": 55, "origClientOrderId": CID, "price": "100",
            "origQty": "1", "executedQty": "0", "status": "CANCELED", "type": "LIMIT",
            "side": "BUY", "transactTime": AFTER_MARGIN_MS,
        }  # fmt: skip

    client.private_delete_order = canceled  # type: ignore[attr-defined]

    async def scenario() -> bool:
        await started(rig)
        tracked = order(OrderType.LIMIT)
        tracked.venue_order_id = "55"  # type: ignore[assignment]
        rig.port.track(tracked, CID)  # accepted earlier: only the cancel is new
        rig.client.deliver("watch_orders", [execution_report("NEW", "NEW")])
        await spin()
        rig.port.cancel_order(OrderId("O-1"))
        await rig.port.drain()
        now[0] = 110.0
        stalled = rig.port.check_stream_evidence()
        await rig.port.close()
        return stalled

    assert asyncio.run(scenario()) is True
    assert rig.signals == ["resync"]


def test_venue_events_before_the_connection_settled_are_no_evidence() -> None:
    now = [100.0]
    rig = Rig(FakeVenueClient(event_ms=NOW_MS + 1_999), now_s=lambda: now[0])  # margin: 2 s

    async def scenario() -> bool:
        await started(rig)
        rig.port.submit_order(order())
        await rig.port.drain()
        now[0] = 500.0
        stalled = rig.port.check_stream_evidence()
        await rig.port.close()
        return stalled

    assert asyncio.run(scenario()) is False
    assert rig.signals == []


def test_without_watch_orders_an_order_that_never_trades_is_no_evidence() -> None:
    now = [100.0]
    client = FakeVenueClient(watch_orders=False)
    rig = Rig(client, now_s=lambda: now[0])

    async def scenario() -> bool:
        await started(rig)
        rig.port.track(order(OrderType.LIMIT), CID)
        await rig.port.poll_once()  # accepted (learned by REST), nothing filled
        now[0] = 500.0
        stalled = rig.port.check_stream_evidence()
        await rig.port.close()
        return stalled

    assert asyncio.run(scenario()) is False
    assert [type(r).__name__ for r in rig.reports] == ["OrderAcceptedReport"]


def test_evidence_watch_declares_the_stall_by_itself_at_the_deadline() -> None:
    rig = Rig(FakeVenueClient(), grace_s=0.05, now_s=time.monotonic)

    async def scenario() -> tuple[int, int]:
        await started(rig)
        rig.port.submit_order(order())
        await rig.port.drain()
        before = rig.port.stream_status.stalls
        await asyncio.sleep(0.3)
        after = rig.port.stream_status.stalls
        await rig.port.close()
        return before, after

    assert asyncio.run(scenario()) == (0, 1)
    assert rig.signals == ["resync"]
