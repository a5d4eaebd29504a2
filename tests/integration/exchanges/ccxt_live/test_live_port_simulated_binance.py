"""The live port end to end against the simulated Binance server (real CCXT, real HTTP/WS).

Venue ground truth (its ledger) is compared with what the port reported, with Decimal
equality: fills, balances, order states, client order ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.client import ApiCredentials
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort, LivePortConfig
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    serving_binance_server,
)
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderFilledReport,
)
from xor_trading.execution.venue_state import VenueOrderStatus

KEY = "bot-key-1"
BTC = Symbol("BTC/USDT")


def order(
    n: int, side: OrderSide, kind: OrderType, qty: str, limit: Decimal | None = None
) -> Order:
    return Order(
        order_id=OrderId(f"O-{n}"),
        symbol=BTC,
        side=side,
        order_type=kind,
        quantity=Quantity(Decimal(qty)),
        created_ms=0,
        limit_price=None if limit is None else Price(limit),
    )


Scenario = Callable[[LiveExchangePort, BinanceServerHandle, list[Any]], Awaitable[Any]]


def with_port(scenario: Scenario, *, stream: bool = False) -> Any:
    async def run() -> Any:
        async with serving_binance_server(BinanceServerConfig()) as venue:
            client = make_async_client(
                "binance", ApiCredentials(KEY, "secret"), base_url=venue.url, ws_url=venue.ws_url
            )
            client.timeout_on_exit = 0
            reports: list[Any] = []
            port = LiveExchangePort(
                client,
                clock=TestClock(0),
                client_order_id=lambda o: f"bot1-{o.order_id}",
                limiter=RequestLimiter(),
                breaker=CircuitBreaker("binance"),
                config=LivePortConfig(use_private_stream=stream, poll_interval_s=0.2),
            )
            port.connect(reports.append)
            try:
                return await scenario(port, venue, reports)
            finally:
                await port.close()

    return asyncio.run(run())


def test_market_buy_fills_exactly_as_the_venue_ledger_says() -> None:
    async def scenario(
        port: LiveExchangePort, venue: BinanceServerHandle, reports: list[Any]
    ) -> Any:
        port.submit_order(order(1, OrderSide.BUY, OrderType.MARKET, "0.002"))
        await port.drain()
        return reports, venue.account(KEY)

    reports, account = with_port(scenario)

    assert [type(r) for r in reports[:2]] == [OrderAcceptedReport, OrderFilledReport]
    fills = [r.fill for r in reports if isinstance(r, OrderFilledReport)]
    assert [(f.trade_id, f.price, f.quantity, f.fee) for f in fills] == [
        (str(t.trade_id), t.price, t.qty, t.commission) for t in account.trades
    ]
    assert sum(f.quantity for f in fills) == Decimal("0.002")
    bought = sum(f.quantity - f.fee for f in fills if f.fee_currency == "BTC")
    paid = sum(f.price * f.quantity for f in fills)
    assert account.free("BTC") == bought
    assert account.free("USDT") == Decimal(10_000) - paid
    assert account.order_by_client_id("bot1-O-1").client_order_id == "bot1-O-1"


def test_resting_limit_is_queried_by_client_id_then_canceled() -> None:
    async def scenario(
        port: LiveExchangePort, venue: BinanceServerHandle, reports: list[Any]
    ) -> Any:
        limit = (venue.price() / 2).quantize(Decimal("0.01"))
        port.submit_order(order(2, OrderSide.BUY, OrderType.LIMIT, "0.001", limit))
        await port.drain()
        queried = await port.fetch_order("BTC/USDT", "bot1-O-2")
        open_orders = await port.fetch_open_orders(["BTC/USDT"])
        locked = venue.account(KEY).locked("USDT")
        port.cancel_order(OrderId("O-2"))
        await port.drain()
        return limit, queried, open_orders, locked, reports, venue.account(KEY)

    limit, queried, open_orders, locked, reports, account = with_port(scenario)

    assert (queried.status, queried.limit_price, queried.quantity) == (
        VenueOrderStatus.NEW,
        limit,
        Decimal("0.001"),
    )
    assert [o.client_order_id for o in open_orders] == ["bot1-O-2"]
    assert locked == limit * Decimal("0.001")
    assert [type(r) for r in reports] == [OrderAcceptedReport, OrderCanceledReport]
    assert (account.locked("USDT"), account.free("USDT")) == (0, Decimal(10_000))


def test_trades_since_and_balances_equal_the_venue_ledger() -> None:
    async def scenario(
        port: LiveExchangePort, venue: BinanceServerHandle, reports: list[Any]
    ) -> Any:
        port.submit_order(order(1, OrderSide.BUY, OrderType.MARKET, "0.003"))
        await port.drain()
        port.submit_order(order(2, OrderSide.SELL, OrderType.MARKET, "0.001"))
        await port.drain()
        trades = await port.fetch_trades_since("BTC/USDT", 0)
        balances = await port.fetch_balances()
        return trades, balances, venue.account(KEY)

    trades, balances, account = with_port(scenario)

    assert [(t.trade_id, t.price, t.quantity, t.fee) for t in trades] == [
        (str(t.trade_id), t.price, t.qty, t.commission) for t in account.trades
    ]
    by_asset = {b.asset: b for b in balances}
    for asset in ("BTC", "USDT"):
        assert (by_asset[asset].free, by_asset[asset].locked) == (
            account.free(asset),
            account.locked(asset),
        )


def test_resting_limit_fill_reaches_the_port_once_through_stream_and_polling() -> None:
    async def scenario(
        port: LiveExchangePort, venue: BinanceServerHandle, reports: list[Any]
    ) -> Any:
        venue.pause_replay()
        await port.start()
        limit = (venue.price() * Decimal("0.9995")).quantize(Decimal("0.01"))
        port.submit_order(order(3, OrderSide.BUY, OrderType.LIMIT, "0.001", limit))
        await port.drain()
        for _ in range(120):  # up to two hours of market time, one minute at a time
            if venue.account(KEY).trades:
                break
            venue.advance_replay(60_000)
        for _ in range(50):  # the stream or the 0.2 s poll delivers it
            if any(isinstance(r, OrderFilledReport) for r in reports):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # both paths have had their chance: still one fill
        return reports, venue.account(KEY)

    reports, account = with_port(scenario, stream=True)

    fills = [r.fill for r in reports if isinstance(r, OrderFilledReport)]
    assert [f.trade_id for f in fills] == [str(t.trade_id) for t in account.trades]
    assert sum(f.quantity for f in fills) == Decimal("0.001")
