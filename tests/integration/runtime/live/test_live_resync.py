"""While a live bot runs (R7, spec 3.2 point 6): after a private-stream reconnect it
resyncs with the venue (the gate again) and refuses every new order until that is done;
an order whose create reply was lost is resolved by query, never re-sent."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import select

from xor_trading.bus.endpoints import RISK
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    FaultKind,
    ScriptedFault,
)
from xor_trading.persistence.tables.orders import OrderRow
from xor_trading.persistence.tables.risk_events import RiskEventRow
from xor_trading.runtime.bot_runtime import BotRuntime
from xor_trading.runtime.command_guard import RECONCILING_RULE
from xor_trading.services.container import Container
from xor_trading.testing.live_bots import (
    KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

ACCOUNT = "GET /api/v3/account"
ORDER = "POST /api/v3/order"


def _limit_buy(runtime: BotRuntime, name: str, price: Decimal) -> SubmitOrder:
    kernel = runtime.bot.kernel
    return SubmitOrder(
        order_id=OrderId(f"{kernel.order_id_prefix}{name}"),
        strategy_id=StrategyId("test"),
        symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal("0.0002"),
        ts_ms=runtime.bot.clock.now_ms(),
        limit_price=(price / 2).quantize(Decimal("0.01")),
    )


def _order_rows(container: Container, bot_id: str) -> list[tuple[str, str, str]]:
    with container.database.read_session() as session:
        return [
            (r.client_order_id, r.status, r.reason)
            for r in session.scalars(select(OrderRow).where(OrderRow.bot_id == bot_id))
        ]


def test_after_a_stream_reconnect_new_orders_wait_for_the_resync(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    quiet = zigzag_frame(venue.price(), candles_after_now=0)

    async def scenario() -> tuple[int, int, bool, bool]:
        worker = make_worker(container, quiet)
        async with running_worker(worker):
            await wait_until(lambda: bot.state() == "monitoring")
            runtime = worker.runtimes[bot.bot_id]
            assert runtime.live is not None
            reads_before = venue.signed_request_count(KEY, ACCOUNT)
            runtime.live.venue.reconnects()  # what the port calls after a reconnect
            passed = runtime.guard(_limit_buy(runtime, "R-1", venue.price()))
            await wait_until(lambda: runtime.guard.reconciling_reason is None)
            passed_after = runtime.guard(_limit_buy(runtime, "R-2", venue.price()))
            reads_after = venue.signed_request_count(KEY, ACCOUNT)
        return reads_before, reads_after, passed, passed_after

    reads_before, reads_after, passed, passed_after = asyncio.run(scenario())

    assert (passed, passed_after) == (False, True)
    assert reads_after == reads_before + 1  # one full reconciliation: the resync
    assert venue.signed_request_count(KEY, ORDER) == 0
    denied = [r for r in _order_rows(container, bot.bot_id) if r[1] == "denied"]
    assert len(denied) == 1
    assert "private stream dropped or reconnected" in denied[0][2]
    with container.database.read_session() as session:
        rules = list(session.scalars(select(RiskEventRow.rule)))
    assert rules == [RECONCILING_RULE]


def test_order_whose_create_reply_is_lost_is_resolved_by_query_once(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    quiet = zigzag_frame(venue.price(), candles_after_now=0)

    async def scenario() -> None:
        worker = make_worker(container, quiet)
        async with running_worker(worker):
            await wait_until(lambda: bot.state() == "monitoring")
            runtime = worker.runtimes[bot.bot_id]
            venue.script_fault(ScriptedFault(FaultKind.DROP_RESPONSE))  # applied, reply lost
            runtime.bot.kernel.bus.send(RISK, _limit_buy(runtime, "L-1", venue.price()))
            await wait_until(
                lambda: [s for _, s, _ in _order_rows(container, bot.bot_id)] == ["accepted"]
            )

    asyncio.run(scenario())

    assert venue.signed_request_count(KEY, ORDER) == 1  # never re-sent
    (client_id, _, _), *_ = _order_rows(container, bot.bot_id)
    assert [o.client_order_id for o in venue.account(KEY).orders] == [client_id]
