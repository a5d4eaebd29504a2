"""What a running paper bot may open: platform fees (charged once per profitable closed
trade; no entry once the prepaid balance is exhausted, with the reason on record), the
kill switch (no new entries), and pause (no new entries, exits still managed)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import select

from xor_trading.domain.bot_lifecycle import BotCommand, BotState
from xor_trading.domain.events import OrderDenied, PositionChanged
from xor_trading.domain.orders import OrderSide
from xor_trading.persistence.repositories.client_funds import lock_account
from xor_trading.persistence.tables.client_funds import FeeChargeRow
from xor_trading.persistence.tables.orders import FillRow
from xor_trading.persistence.tables.risk_events import RiskEventRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.runtime.bot_runtime import BotRuntime
from xor_trading.services.bot_worker import FEE_BALANCE_RULE, DatabaseLeaseStore
from xor_trading.services.kill_switch_service import KillSwitchScope, KillSwitchService
from xor_trading.testing.waiting import wait_until


def runtime_of(bot: Any, **options: Any) -> BotRuntime:
    """The bot's runtime as a worker builds it, under a fresh lease (state: starting)."""
    worker = bot.worker(**options)
    lease = DatabaseLeaseStore(bot.container.database).acquire(
        bot.bot_id, worker.options.worker_id, bot.container.clock.now_ms(), 15_000
    )
    assert lease is not None
    return worker.runtime_for(bot.bot_id, lease, BotState.STARTING)


def run(bot: Any, runtime: BotRuntime) -> None:
    async def go() -> None:
        task = asyncio.create_task(runtime.run())
        await wait_until(lambda: runtime.candles_seen == bot.live_candles)
        task.cancel()

    asyncio.run(go())


def set_fee_balance(bot: Any, balance: Decimal) -> None:
    with bot.container.database.session() as session:
        now = datetime.fromtimestamp(bot.container.clock.now_ms() // 1000, UTC)
        account = lock_account(session, bot.owner.user_id, now)
        account.balance = balance


def risk_events(bot: Any) -> list[tuple[str, str]]:
    with bot.container.database.read_session() as session:
        rows = session.execute(
            select(RiskEventRow.rule, RiskEventRow.sentence).where(
                RiskEventRow.bot_id == bot.bot_id
            )
        ).all()
    return [(r, s) for r, s in rows]


def fill_count(bot: Any) -> int:
    with bot.container.database.read_session() as session:
        return len(session.scalars(select(FillRow.id).where(FillRow.bot_id == bot.bot_id)).all())


def test_profitable_closed_trades_are_each_charged_the_fee_plan_once(paper_bot: Any) -> None:
    paper_bot.start()
    set_fee_balance(paper_bot, Decimal(1_000))
    run(paper_bot, runtime_of(paper_bot, platform_fees_on_paper=True))

    with paper_bot.container.database.read_session() as session:
        trades = session.execute(
            select(TradeRow.id, TradeRow.net_pnl).where(TradeRow.bot_id == paper_bot.bot_id)
        ).all()
        charges = session.execute(
            select(FeeChargeRow.trade_id, FeeChargeRow.amount, FeeChargeRow.rate)
        ).all()
    profitable = {t.id: t.net_pnl for t in trades if t.net_pnl > 0}
    assert profitable
    assert len(profitable) < len(trades)
    assert sorted(c.trade_id for c in charges) == sorted(profitable)
    for c in charges:
        due = (profitable[c.trade_id] * c.rate).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        assert c.amount == due


def test_exhausted_fee_balance_blocks_every_entry_with_the_reason_on_record(
    paper_bot: Any,
) -> None:
    paper_bot.start()
    set_fee_balance(paper_bot, Decimal(0))
    runtime = runtime_of(paper_bot, platform_fees_on_paper=True)
    run(paper_bot, runtime)

    events = risk_events(paper_bot)
    assert events
    assert {rule for rule, _ in events} == {FEE_BALANCE_RULE}
    assert all("prepaid fee balance is exhausted" in sentence for _, sentence in events)
    assert fill_count(paper_bot) == 0
    assert runtime.state is BotState.MONITORING


def test_engaged_kill_switch_blocks_every_new_entry(paper_bot: Any) -> None:
    paper_bot.start()
    runtime = runtime_of(paper_bot)
    KillSwitchService(paper_bot.container).engage(
        paper_bot.owner, KillSwitchScope.ACCOUNT, None, reason="market is unsafe"
    )
    run(paper_bot, runtime)

    events = risk_events(paper_bot)
    denials = [s for rule, s in events if rule == "kill_switch" and "is engaged" in s]
    assert denials
    assert all("market is unsafe" in s for s in denials)
    assert fill_count(paper_bot) == 0


def test_paused_bot_opens_nothing_new_but_still_exits(paper_bot: Any) -> None:
    paper_bot.start()
    runtime = runtime_of(paper_bot)
    service = paper_bot.service()
    kernel = runtime.bot.kernel
    denied: list[OrderDenied] = []
    kernel.bus.subscribe(OrderDenied, denied.append)

    def pause_once_open(event: PositionChanged) -> None:
        if event.quantity > 0 and runtime.state is not BotState.PAUSED:
            service.command(paper_bot.owner, paper_bot.bot_id, BotCommand.PAUSE)
            runtime.pause()  # what the supervisor does on its next tick

    kernel.bus.subscribe(PositionChanged, pause_once_open)
    run(paper_bot, runtime)

    orders = [o for o in kernel.execution.cache.all() if o.filled_qty > 0]
    assert [o.side for o in orders] == [OrderSide.BUY, OrderSide.SELL]  # the exit still ran
    assert kernel.portfolio.position_quantity(orders[0].symbol) == 0
    assert denied
    assert {d.rule for d in denied} == {"paused"}
    assert all(d.command.side is OrderSide.BUY for d in denied)
