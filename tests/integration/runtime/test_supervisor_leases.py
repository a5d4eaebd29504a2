"""Two workers (supervisors) on one database and one bot: exactly one runs it. When the
owner dies without releasing its lease, the other takes the bot over once the lease has
expired, with a higher fencing token; the dead owner's late order is refused by the
intent journal (DENIED, never sent to its venue)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from xor_trading.bus.endpoints import RISK
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import Order, OrderSide, OrderStatus, OrderType
from xor_trading.persistence.repositories.orders import client_order_id_for
from xor_trading.persistence.tables.orders import OrderRow
from xor_trading.runtime.lease import LeaseTiming
from xor_trading.testing.waiting import wait_until

TIMING = LeaseTiming(ttl_ms=400, renew_every_ms=100)


def test_two_supervisors_one_bot_exactly_one_runs_it_and_the_stale_owner_is_fenced(
    paper_bot: Any, worker_for: Callable[..., Any]
) -> None:
    paper_bot.start()
    worker_a = worker_for(paper_bot.frame, worker_id="worker-a", timing=TIMING)
    worker_b = worker_for(paper_bot.frame, worker_id="worker-b", timing=TIMING)
    clock = paper_bot.container.clock  # the lease clock, moved by hand
    bot_id = paper_bot.bot_id

    async def go() -> None:
        a, b = worker_a.supervisor(), worker_b.supervisor()
        await a.tick()
        await b.tick()
        assert list(a.held) == [bot_id]
        assert list(b.held) == []
        stale = a.held[bot_id].runtime
        await wait_until(lambda: stale.candles_seen == paper_bot.live_candles)
        token_a = a.held[bot_id].lease.fencing_token

        # Worker a dies: its task ends, its lease is neither renewed nor released.
        a.held[bot_id].task.cancel()
        clock.advance(TIMING.ttl_ms - 1)
        await b.tick()
        assert list(b.held) == []  # not expired yet
        clock.advance(2)
        await b.tick()
        assert list(b.held) == [bot_id]
        assert b.held[bot_id].lease.fencing_token == token_a + 1

        # The dead owner's engine still tries to send an order.
        sent: list[Order] = []
        venue = stale.bot.matching_venue
        venue.submit_order = sent.append  # type: ignore[method-assign]
        stale.bot.kernel.bus.send(
            RISK,
            SubmitOrder(
                order_id=OrderId(f"{stale.bot.kernel.order_id_prefix}late-1"),
                strategy_id=StrategyId("sma_cross-1"),
                symbol=Symbol("BTC/USDT"),
                side=OrderSide.BUY,
                order_type=OrderType.MARKET,
                quantity=Decimal("0.01"),
                ts_ms=stale.bot.clock.now_ms(),
                reference_price=Decimal(4000),
            ),
        )
        late = stale.bot.kernel.execution.cache.get(OrderId(f"{token_a}.late-1"))
        assert late is not None
        assert late.status is OrderStatus.DENIED
        assert "no longer owns bot" in late.reason
        assert sent == []
        await b.shutdown()

    asyncio.run(go())
    with paper_bot.container.database.read_session() as session:
        status = session.scalar(
            select(OrderRow.status).where(
                OrderRow.client_order_id == client_order_id_for(bot_id, "1.late-1")
            )
        )
    assert status == "denied"


def test_supervisor_that_loses_its_lease_fences_the_bot_at_once(
    paper_bot: Any, worker_for: Callable[..., Any]
) -> None:
    paper_bot.start()
    worker_a = worker_for(paper_bot.frame, worker_id="worker-a", timing=TIMING)
    worker_b = worker_for(paper_bot.frame, worker_id="worker-b", timing=TIMING)
    clock = paper_bot.container.clock

    async def go() -> None:
        a, b = worker_a.supervisor(), worker_b.supervisor()
        await a.tick()
        runtime = a.held[paper_bot.bot_id].runtime
        clock.advance(TIMING.ttl_ms + 1)  # a stalled: b takes over
        await b.tick()
        assert list(b.held) == [paper_bot.bot_id]
        await asyncio.sleep(TIMING.renew_every_ms / 1000)
        await a.tick()  # a's renewal finds another token: it lets go at once
        assert list(a.held) == []
        assert runtime.guard.fenced_reason == "the lease was taken over by another worker"
        await b.shutdown()

    asyncio.run(go())
