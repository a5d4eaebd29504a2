"""Restart: a paper bot stopped with an open position and a resting order resumes in
another worker: the order is back in the engine under its own id (and on the new paper
venue), the position in the portfolio, nothing is recorded twice, and the new run's
order ids carry the new fencing token, so no client order id collides with an old one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from xor_trading.bus.endpoints import RISK
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.bot_lifecycle import BotState
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import OrderSide, OrderStatus, OrderType
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.services.bot_worker import DatabaseLeaseStore
from xor_trading.testing.waiting import wait_until

SYM = Symbol("BTC/USDT")


def _rows(bot: Any) -> tuple[list[tuple[str, str]], int, Decimal]:
    with bot.container.database.read_session() as session:
        orders = session.execute(
            select(OrderRow.engine_order_id, OrderRow.client_order_id).where(
                OrderRow.bot_id == bot.bot_id
            )
        ).all()
        fills = session.scalar(
            select(func.count()).select_from(FillRow).where(FillRow.bot_id == bot.bot_id)
        )
        qty = session.scalar(select(PositionRow.quantity).where(PositionRow.bot_id == bot.bot_id))
    return sorted((str(e), c) for e, c in orders), int(fills or 0), qty or Decimal(0)


def test_restarted_bot_resumes_its_position_and_orders_without_duplicates(
    paper_bot: Any, worker_for: Callable[..., Any]
) -> None:
    paper_bot.start()
    n = paper_bot.candles_until_open_position()
    first_part = paper_bot.frame.between(
        int(paper_bot.frame.ts_ms[0]), int(paper_bot.frame.ts_ms[n])
    )
    worker_a = worker_for(first_part, worker_id="worker-a")

    async def first_run() -> None:
        a = worker_a.supervisor()
        await a.tick()
        runtime = a.held[paper_bot.bot_id].runtime
        await wait_until(lambda: runtime.candles_seen == n - paper_bot.warmup)
        kernel = runtime.bot.kernel
        kernel.bus.send(  # a resting bid far below the market: it stays working
            RISK,
            SubmitOrder(
                order_id=OrderId(f"{kernel.order_id_prefix}bid-1"),
                strategy_id=runtime.bot.strategy_id_of(SYM),
                symbol=SYM,
                side=OrderSide.BUY,
                order_type=OrderType.LIMIT,
                quantity=Decimal("0.01"),
                ts_ms=runtime.bot.clock.now_ms(),
                limit_price=Decimal(1000),
                reference_price=Decimal(1000),
            ),
        )
        await a.shutdown()

    asyncio.run(first_run())
    orders_before, fills_before, qty_before = _rows(paper_bot)
    assert qty_before > 0
    # Rows come back in no particular order (PostgreSQL may return them in any order).
    assert "1.bid-1" in {engine_id for engine_id, _ in orders_before}

    worker_b = worker_for(paper_bot.frame, worker_id="worker-b", start_at=n)
    store = DatabaseLeaseStore(paper_bot.container.database)
    lease = store.acquire(paper_bot.bot_id, "worker-b", paper_bot.container.clock.now_ms(), 15_000)
    assert lease is not None
    assert lease.fencing_token == 2
    with paper_bot.container.database.read_session() as session:
        state = BotState(session.get(BotRow, paper_bot.bot_id).state)  # type: ignore[union-attr]
    assert state is BotState.POSITION_OPEN
    runtime = worker_b.runtime_for(paper_bot.bot_id, lease, state)

    kernel = runtime.bot.kernel
    bid = kernel.execution.cache.get(OrderId("1.bid-1"))
    assert bid is not None
    assert bid.status is OrderStatus.ACCEPTED
    assert kernel.portfolio.position_quantity(SYM) == qty_before
    assert _rows(paper_bot) == (orders_before, fills_before, qty_before)  # nothing re-recorded

    async def second_run() -> None:
        task = asyncio.create_task(runtime.run())
        await wait_until(lambda: runtime.candles_seen == len(paper_bot.frame) - n)
        task.cancel()

    asyncio.run(second_run())
    orders_after, fills_after, _qty_after = _rows(paper_bot)
    new = [o for o in orders_after if o not in orders_before]
    assert new
    assert all(engine_id.startswith("2.") for engine_id, _ in new)
    assert len({c for _, c in orders_after}) == len(orders_after)
    assert fills_after > fills_before
    sells = [o for o in kernel.execution.cache.all() if o.side is OrderSide.SELL]
    assert sells[0].filled_qty == qty_before  # the restored position was sold, all of it
