"""R9: with the venue's clock skewed from ours, signed requests still land inside recvWindow.

The responder applies Binance's timing rule (``-1021`` when the timestamp is 1 s ahead of
its clock or more than recvWindow behind); a venue ahead by X is our clock behind by X.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.execution.reports import OrderAcceptedReport

SKEWS_MS = [500, -500, 1_500, -1_500, 10_000, -10_000]


def order(n: int) -> Order:
    return Order(
        order_id=OrderId(f"O-{n}"),
        symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(Decimal("0.01")),
        created_ms=0,
        limit_price=Price(Decimal("30000")),
    )


def accepted_reply(n: int) -> dict[str, Any]:
    return {
        "symbol": "BTCUSDT", "orderId": 1000 + n, "clientOrderId": f"bot1-O-{n}",
        "transactTime": 1_700_000_000_000, "price": "30000", "origQty": "0.01",
        "executedQty": "0", "status": "NEW", "timeInForce": "GTC", "type": "LIMIT",
        "side": "BUY", "fills": [],
    }  # fmt: skip


def run_orders(venue: Any, make_port: Any, skew_ms: int, *, sync_first: bool) -> Any:
    async def scenario() -> Any:
        async with venue.running():
            venue.skew_ms, venue.enforce_timestamps = skew_ms, True
            venue.on(
                "POST", "/api/v3/order", *(venue.Reply(body=accepted_reply(n)) for n in (1, 2))
            )
            rig = make_port(venue)
            if sync_first:
                await rig.port.time_sync.sync()
            for n in (1, 2):
                rig.port.submit_order(order(n))
                await rig.port.drain()
            await rig.port.close()
            return rig

    return asyncio.run(scenario())


@pytest.mark.parametrize("skew_ms", SKEWS_MS)
def test_with_time_sync_no_request_is_refused_for_its_timestamp(
    venue: Any, make_port: Any, skew_ms: int
) -> None:
    rig = run_orders(venue, make_port, skew_ms, sync_first=True)

    assert venue.timestamp_rejections == 0
    assert [type(r) for r in rig.reports] == [OrderAcceptedReport, OrderAcceptedReport]
    assert abs(rig.port.time_sync.offset_ms - skew_ms) < 100


@pytest.mark.parametrize("skew_ms", [10_000, -10_000])
def test_without_sync_the_first_refusal_resyncs_and_the_same_id_is_accepted(
    venue: Any, make_port: Any, skew_ms: int
) -> None:
    rig = run_orders(venue, make_port, skew_ms, sync_first=False)

    assert venue.timestamp_rejections == 1
    creates = [c.params["newClientOrderId"] for c in venue.seen("POST", "/api/v3/order")]
    assert creates == ["bot1-O-1", "bot1-O-1", "bot1-O-2"]
    assert [type(r) for r in rig.reports] == [OrderAcceptedReport, OrderAcceptedReport]
