"""R2: every failure of the section 2.4 table, through the real CCXT binance client.

The scripted responder answers each create with one failure; the port must report
UNKNOWN for whatever may have reached the venue, REJECTED for definitive refusals, resend
only with the SAME client order id and only when the venue proved a refusal before
matching, and never build state from a reply it cannot parse.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol, VenueOrderId
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import MANUAL, Order, OrderSide, OrderStatus, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.execution.engine import ExecutionEngine
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderRejectedReport,
    OrderStatusUnknownReport,
)

CID = "bot1-O-1"


def limit_buy() -> Order:
    return Order(
        order_id=OrderId("O-1"),
        symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(Decimal("0.01")),
        created_ms=0,
        limit_price=Price(Decimal("30000")),
    )


def order_reply(status: str = "NEW", **changes: Any) -> dict[str, Any]:
    reply = {
        "symbol": "BTCUSDT",
        "orderId": 12345,
        "orderListId": -1,
        "clientOrderId": CID,
        "transactTime": 1_700_000_000_123,
        "price": "30000.00000000",
        "origQty": "0.01000000",
        "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000",
        "status": status,
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "fills": [],
    }
    reply.update(changes)
    return reply


def error(code: int, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg}


HTML = "<html><body><h1>System maintenance</h1></body></html>"

# (case, scripted reply) -> the port must report UNKNOWN after exactly one create.
MAY_HAVE_REACHED = {
    "500 -1006 execution status unknown": {
        "status": 500,
        "body": error(-1006, "An unexpected response was received. Execution status unknown."),
    },
    "408 -1007 send status unknown": {
        "status": 408,
        "body": error(-1007, "Timeout waiting for response from backend server."),
    },
    "503 -1000 unknown error": {
        "status": 503,
        "body": error(-1000, "Unknown error, please check your request or try again later."),
    },
    "503 text service unavailable": {
        "status": 503,
        "body": "Service Unavailable.",
        "content_type": "text/plain",
    },
    "502 html": {"status": 502, "body": HTML, "content_type": "text/html"},
    "504 html": {"status": 504, "body": HTML, "content_type": "text/html"},
    "no response within timeout": {"action": "hang"},
    "connection reset after request body sent": {"action": "reset"},
    "200 html maintenance page": {"status": 200, "body": HTML, "content_type": "text/html"},
    "200 truncated json": {"status": 200, "body": '{"symbol":"BTCUSDT","orderId":12'},
    "200 json missing fields": {"status": 200, "body": {"symbol": "BTCUSDT", "orderId": 12345}},
    "200 json NaN quantity": {"status": 200, "body": order_reply(executedQty="NaN")},
    "200 json negative quantity": {"status": 200, "body": order_reply(origQty="-0.01")},
    "200 json wrong symbol": {"status": 200, "body": order_reply(symbol="ETHUSDT")},
    "200 json another client id": {"status": 200, "body": order_reply(clientOrderId="other")},
    "400 -2010 duplicate order sent": {
        "status": 400,
        "body": error(-2010, "Duplicate order sent."),
    },
}

DEFINITIVE = {
    "400 -2010 insufficient balance": {
        "status": 400,
        "body": error(-2010, "Account has insufficient balance for requested action."),
    },
    "400 -1013 filter failure LOT_SIZE": {
        "status": 400,
        "body": error(-1013, "Filter failure: LOT_SIZE"),
    },
    "400 -1013 filter failure NOTIONAL": {
        "status": 400,
        "body": error(-1013, "Filter failure: NOTIONAL"),
    },
    "400 -1121 invalid symbol": {"status": 400, "body": error(-1121, "Invalid symbol.")},
    "401 -2015 key refused": {
        "status": 401,
        "body": error(-2015, "Invalid API-key, IP, or permissions for action."),
    },
}


def run_create(venue: Any, make_port: Any, reply: dict[str, Any]) -> Any:
    async def scenario() -> Any:
        async with venue.running():
            venue.on("POST", "/api/v3/order", venue.Reply(**reply))
            rig = make_port(venue)
            try:
                rig.port.submit_order(limit_buy())
                await rig.port.drain()
            finally:
                await rig.port.close()
            return rig

    return asyncio.run(scenario())


@pytest.mark.parametrize("case", sorted(MAY_HAVE_REACHED))
def test_create_that_may_have_reached_the_venue_reports_unknown_and_sends_once(
    venue: Any, make_port: Any, case: str
) -> None:
    rig = run_create(venue, make_port, MAY_HAVE_REACHED[case])

    assert [type(r) for r in rig.reports] == [OrderStatusUnknownReport]
    assert rig.reports[0].order_id == "O-1"
    creates = venue.seen("POST", "/api/v3/order")
    assert [c.params["newClientOrderId"] for c in creates] == [CID]


@pytest.mark.parametrize("case", sorted(DEFINITIVE))
def test_create_refused_definitively_reports_rejected_and_sends_once(
    venue: Any, make_port: Any, case: str
) -> None:
    rig = run_create(venue, make_port, DEFINITIVE[case])

    assert [type(r) for r in rig.reports] == [OrderRejectedReport]
    assert [c.params["newClientOrderId"] for c in venue.seen("POST", "/api/v3/order")] == [CID]


def test_create_timestamp_refusal_resyncs_and_resends_the_same_client_id(
    venue: Any, make_port: Any
) -> None:
    async def scenario() -> Any:
        async with venue.running():
            venue.on(
                "POST",
                "/api/v3/order",
                venue.Reply(status=400, body=error(-1021, "Timestamp outside of recvWindow.")),
                venue.Reply(body=order_reply()),
            )
            rig = make_port(venue)
            rig.port.submit_order(limit_buy())
            await rig.port.drain()
            await rig.port.close()
            return rig

    rig = asyncio.run(scenario())

    assert rig.reports == [
        OrderAcceptedReport(OrderId("O-1"), VenueOrderId("12345"), 1_700_000_000_000)
    ]
    assert [c.params["newClientOrderId"] for c in venue.seen("POST", "/api/v3/order")] == [CID, CID]
    assert len(venue.seen("GET", "/api/v3/time")) == 1  # the resync between the two sends


def test_create_429_waits_retry_after_then_resends_the_same_client_id(
    venue: Any, make_port: Any
) -> None:
    async def scenario() -> Any:
        async with venue.running():
            venue.on(
                "POST",
                "/api/v3/order",
                venue.Reply(
                    status=429,
                    body=error(-1003, "Too many requests; current limit is 6000 per minute."),
                    headers={"Retry-After": "7"},
                ),
                venue.Reply(body=order_reply()),
            )
            rig = make_port(venue)
            rig.port.submit_order(limit_buy())
            await rig.port.drain()
            await rig.port.close()
            return rig

    rig = asyncio.run(scenario())

    first, second = venue.seen("POST", "/api/v3/order")
    assert (first.params["newClientOrderId"], second.params["newClientOrderId"]) == (CID, CID)
    assert second.at_s - first.at_s >= 7.0
    assert [type(r) for r in rig.reports] == [OrderAcceptedReport]


def test_create_418_every_time_is_rejected_after_three_sends_of_the_same_id(
    venue: Any, make_port: Any
) -> None:
    banned = {
        "status": 418,
        "body": error(-1003, "Way too much request weight used; IP banned until 1700000060000."),
        "headers": {"Retry-After": "60"},
    }
    rig = run_create(venue, make_port, banned)

    assert [type(r) for r in rig.reports] == [OrderRejectedReport]
    creates = venue.seen("POST", "/api/v3/order")
    assert [c.params["newClientOrderId"] for c in creates] == [CID, CID, CID]
    assert creates[1].at_s - creates[0].at_s >= 60.0


def test_create_200_html_never_mutates_order_state_in_the_engine(
    venue: Any, make_port: Any
) -> None:
    async def scenario() -> Any:
        async with venue.running():
            venue.on(
                "POST",
                "/api/v3/order",
                venue.Reply(status=200, body=HTML, content_type="text/html"),
            )
            rig = make_port(venue)
            engine = ExecutionEngine(MessageBus(), TestClock(0), rig.port, {})
            engine.execute(
                SubmitOrder(
                    order_id=OrderId("O-1"),
                    strategy_id=MANUAL,
                    symbol=Symbol("BTC/USDT"),
                    side=OrderSide.BUY,
                    order_type=OrderType.LIMIT,
                    quantity=Decimal("0.01"),
                    limit_price=Decimal("30000"),
                    ts_ms=0,
                )
            )
            await rig.port.drain()
            await rig.port.close()
            return engine.cache.get(OrderId("O-1"))

    order = asyncio.run(scenario())

    assert order.status is OrderStatus.UNKNOWN
    assert (order.venue_order_id, order.filled_qty, order.fees) == (None, 0, 0)


def test_cancel_refused_as_unknown_order_reports_truth_then_refusal(
    venue: Any, make_port: Any
) -> None:
    async def scenario() -> Any:
        async with venue.running():
            venue.on("POST", "/api/v3/order", venue.Reply(body=order_reply()))
            venue.on(
                "DELETE",
                "/api/v3/order",
                venue.Reply(status=400, body=error(-2011, "Unknown order sent.")),
            )
            venue.on("GET", "/api/v3/order", venue.Reply(body=order_reply(status="NEW")))
            rig = make_port(venue)
            rig.port.submit_order(limit_buy())
            await rig.port.drain()
            rig.port.cancel_order(OrderId("O-1"))
            await rig.port.drain()
            await rig.port.close()
            return rig

    rig = asyncio.run(scenario())

    assert [type(r) for r in rig.reports] == [OrderAcceptedReport, OrderRejectedReport]
    assert rig.reports[1].reason.startswith("cancel refused")


def test_cancel_with_unknown_outcome_is_resent_then_reported_unknown(
    venue: Any, make_port: Any
) -> None:
    async def scenario() -> Any:
        async with venue.running():
            venue.on("POST", "/api/v3/order", venue.Reply(body=order_reply()))
            venue.on(
                "DELETE",
                "/api/v3/order",
                venue.Reply(status=500, body=error(-1006, "Execution status unknown.")),
            )
            rig = make_port(venue)
            rig.port.submit_order(limit_buy())
            await rig.port.drain()
            rig.port.cancel_order(OrderId("O-1"))
            await rig.port.drain()
            await rig.port.close()
            return rig

    rig = asyncio.run(scenario())

    assert [type(r) for r in rig.reports] == [OrderAcceptedReport, OrderStatusUnknownReport]
    cancels = venue.seen("DELETE", "/api/v3/order")
    assert [c.params["origClientOrderId"] for c in cancels] == [CID, CID, CID]


def test_cancel_accepted_reports_canceled(venue: Any, make_port: Any) -> None:
    async def scenario() -> Any:
        async with venue.running():
            venue.on("POST", "/api/v3/order", venue.Reply(body=order_reply()))
            venue.on(
                "DELETE",
                "/api/v3/order",
                venue.Reply(
                    body=order_reply(
                        status="CANCELED", clientOrderId="cancel-1", origClientOrderId=CID
                    )
                ),
            )
            rig = make_port(venue)
            rig.port.submit_order(limit_buy())
            await rig.port.drain()
            rig.port.cancel_order(OrderId("O-1"))
            await rig.port.drain()
            await rig.port.close()
            return rig

    rig = asyncio.run(scenario())

    assert [type(r) for r in rig.reports] == [OrderAcceptedReport, OrderCanceledReport]
