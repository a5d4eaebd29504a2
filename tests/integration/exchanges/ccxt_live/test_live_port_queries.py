"""Account queries, in-flight polling and the circuit breaker of the live port (real CCXT)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from xor_trading.core.errors import RejectedError, RetryableError
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.domain.values import Quantity
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitOpenError
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderFilledReport,
    OrderRejectedReport,
    OrderStatusUnknownReport,
)
from xor_trading.execution.venue_state import VenueBalance, VenueOrderStatus

CID = "bot1-O-1"
NOT_FOUND = {"code": -2013, "msg": "Order does not exist."}


def market_buy() -> Order:
    return Order(
        order_id=OrderId("O-1"),
        symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        quantity=Quantity(Decimal("0.01")),
        created_ms=0,
    )


def queried_order(status: str, executed: str) -> dict[str, Any]:
    return {
        "symbol": "BTCUSDT", "orderId": 777, "clientOrderId": CID, "price": "0",
        "origQty": "0.01", "executedQty": executed, "status": status, "type": "MARKET",
        "side": "BUY", "time": 1_700_000_000_000, "updateTime": 1_700_000_000_500,
    }  # fmt: skip


def trade_row(trade_id: int, order_id: int = 777, qty: str = "0.01") -> dict[str, Any]:
    return {
        "symbol": "BTCUSDT", "id": trade_id, "orderId": order_id, "price": "30000.5",
        "qty": qty, "commission": "0.00001", "commissionAsset": "BTC",
        "time": 1_700_000_000_000 + trade_id, "isBuyer": True, "isMaker": False,
    }  # fmt: skip


def run(venue: Any, make_port: Any, body: Any) -> Any:
    async def scenario() -> Any:
        async with venue.running():
            rig = make_port(venue)
            try:
                return rig, await body(rig)
            finally:
                await rig.port.close()

    return asyncio.run(scenario())


def test_fetch_order_by_client_id_and_none_when_the_venue_has_none(
    venue: Any, make_port: Any
) -> None:
    venue.on(
        "GET",
        "/api/v3/order",
        venue.Reply(body=queried_order("PARTIALLY_FILLED", "0.004")),
        venue.Reply(status=400, body=NOT_FOUND),
    )

    async def body(rig: Any) -> Any:
        found = await rig.port.fetch_order("BTC/USDT", CID)
        missing = await rig.port.fetch_order("BTC/USDT", "bot1-O-2")
        return found, missing

    _, (found, missing) = run(venue, make_port, body)

    assert (found.status, found.filled_quantity) == (
        VenueOrderStatus.PARTIALLY_FILLED,
        Decimal("0.004"),
    )
    assert missing is None
    assert [r.params["origClientOrderId"] for r in venue.seen("GET", "/api/v3/order")] == [
        CID,
        "bot1-O-2",
    ]


def test_fetch_trades_since_reads_every_page_oldest_first(venue: Any, make_port: Any) -> None:
    venue.on(
        "GET",
        "/api/v3/myTrades",
        venue.Reply(body=[trade_row(i) for i in range(1, 1001)]),
        venue.Reply(body=[trade_row(1001), trade_row(1002)]),
    )

    since = 1_700_000_000_005
    _, trades = run(venue, make_port, lambda rig: rig.port.fetch_trades_since("BTC/USDT", since))

    assert [t.trade_id for t in trades] == [str(i) for i in range(5, 1003)]
    first, second = venue.seen("GET", "/api/v3/myTrades")
    assert (first.params["startTime"], first.params["limit"]) == (str(since), "1000")
    assert (second.params["fromId"], "startTime" in second.params) == ("1001", False)


def test_fetch_balances_are_exact(venue: Any, make_port: Any) -> None:
    venue.on(
        "GET",
        "/api/v3/account",
        venue.Reply(body={"balances": [{"asset": "USDT", "free": "100.12345678", "locked": "1"}]}),
    )

    _, balances = run(venue, make_port, lambda rig: rig.port.fetch_balances())

    assert balances == [VenueBalance("USDT", Decimal("100.12345678"), Decimal("1"))]


def test_read_retries_a_5xx_then_returns_the_answer(venue: Any, make_port: Any) -> None:
    venue.on(
        "GET",
        "/api/v3/account",
        venue.Reply(status=503, body="Service Unavailable.", content_type="text/plain"),
        venue.Reply(body={"balances": []}),
    )

    _, balances = run(venue, make_port, lambda rig: rig.port.fetch_balances())

    assert balances == []
    assert len(venue.seen("GET", "/api/v3/account")) == 2


def test_read_without_answer_raises_retryable_after_three_tries(venue: Any, make_port: Any) -> None:
    venue.on(
        "GET", "/api/v3/account", venue.Reply(status=200, body="<html>", content_type="text/html")
    )

    async def body(rig: Any) -> Any:
        with pytest.raises(RetryableError):
            await rig.port.fetch_balances()

    run(venue, make_port, body)
    assert len(venue.seen("GET", "/api/v3/account")) == 3


def test_breaker_opens_after_five_faults_then_reads_fail_fast_and_orders_are_not_sent(
    venue: Any, make_port: Any
) -> None:
    venue.on(
        "GET", "/api/v3/account", venue.Reply(status=502, body="<html>", content_type="text/html")
    )

    async def body(rig: Any) -> Any:
        with pytest.raises(RetryableError):
            await rig.port.fetch_balances()  # 3 faults
        with pytest.raises(CircuitOpenError):
            await rig.port.fetch_balances()  # faults 4 and 5 open it; the 3rd try is refused
        with pytest.raises(CircuitOpenError):
            await rig.port.fetch_balances()
        with pytest.raises(RejectedError, match="circuit breaker is open"):
            rig.port.submit_order(market_buy())

    run(venue, make_port, body)
    assert len(venue.seen("GET", "/api/v3/account")) == 5
    assert venue.seen("POST", "/api/v3/order") == []


def test_unknown_create_found_filled_by_polling_reports_accept_and_fill(
    venue: Any, make_port: Any
) -> None:
    venue.on("POST", "/api/v3/order", venue.Reply(action="hang"))
    venue.on("GET", "/api/v3/openOrders", venue.Reply(body=[]))
    venue.on("GET", "/api/v3/order", venue.Reply(body=queried_order("FILLED", "0.01")))
    venue.on("GET", "/api/v3/myTrades", venue.Reply(body=[trade_row(41)]))

    async def body(rig: Any) -> Any:
        rig.port.submit_order(market_buy())
        await rig.port.drain()
        await rig.port.poll_once()
        await rig.port.poll_once()  # nothing new: nothing reported twice

    rig, _ = run(venue, make_port, body)

    assert [type(r) for r in rig.reports] == [
        OrderStatusUnknownReport,
        OrderAcceptedReport,
        OrderFilledReport,
    ]
    fill = rig.reports[2].fill
    assert (fill.trade_id, fill.price, fill.quantity, fill.fee) == (
        "41",
        Decimal("30000.5"),
        Decimal("0.01"),
        Decimal("0.00001"),
    )
    assert venue.seen("GET", "/api/v3/myTrades")[0].params["orderId"] == "777"
    assert len(venue.seen("POST", "/api/v3/order")) == 1


def test_unknown_create_never_found_is_rejected_only_after_three_queries_and_recv_window(
    venue: Any, make_port: Any
) -> None:
    venue.on("POST", "/api/v3/order", venue.Reply(status=500, body={"code": -1006, "msg": "?"}))
    venue.on("GET", "/api/v3/openOrders", venue.Reply(body=[]))
    venue.on("GET", "/api/v3/order", venue.Reply(status=400, body=NOT_FOUND))

    async def body(rig: Any) -> Any:
        rig.port.submit_order(market_buy())
        await rig.port.drain()
        for _ in range(3):
            await rig.port.poll_once()  # 3 "not found" within recvWindow: still unknown
        unknown_only = list(rig.reports)
        rig.time.now += 6.0  # recvWindow 5 s + 1 s margin since the send
        await rig.port.poll_once()
        return unknown_only

    rig, unknown_only = run(venue, make_port, body)

    assert [type(r) for r in unknown_only] == [OrderStatusUnknownReport]
    assert [type(r) for r in rig.reports] == [OrderStatusUnknownReport, OrderRejectedReport]
    assert rig.reports[1].reason.startswith("never reached binance: not found after 4 queries")
    assert len(venue.seen("POST", "/api/v3/order")) == 1
