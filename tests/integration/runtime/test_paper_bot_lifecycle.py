"""A paper bot end to end: created and started through the bot service, acquired by a
worker's supervisor, warmed up and fed shipped BTC/USDT 1h candles through a replay feed.
Its lifecycle, orders, fills and trades are in the database, and its fills are the
backtest event path's fills on the same candles, to the last decimal."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.event_path import END_OF_DATA_TAG, run_event_path
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.risk.config import RiskConfig
from xor_trading.services.bot_worker import BotWorker
from xor_trading.strategies.sma_cross import SmaCross, SmaCrossConfig
from xor_trading.testing.waiting import wait_until


def run_all_candles(bot: Any) -> None:
    worker: BotWorker = bot.worker()

    async def go() -> None:
        supervisor = worker.supervisor()
        await supervisor.tick()
        runtime = worker.runtimes[bot.bot_id]
        await wait_until(lambda: runtime.candles_seen == bot.live_candles)
        await supervisor.shutdown()

    asyncio.run(go())


def states(bot: Any) -> list[str]:
    rows, _ = bot.service().state_history(bot.owner, bot.bot_id, limit=500, offset=0)
    return [r.to_state for r in reversed(rows)]  # oldest first


def test_paper_bot_lifecycle_walks_the_trading_loop_in_the_state_history(
    paper_bot: Any,
) -> None:
    paper_bot.start()
    run_all_candles(paper_bot)

    history = states(paper_bot)
    assert history[:7] == [
        "starting",
        "monitoring",
        "signal_detected",
        "position_open",
        "position_closed",
        "monitoring",
        "signal_detected",
    ]
    assert "error" not in history
    assert "halted" not in history


def test_paper_bot_fills_equal_the_backtest_event_path_fills_exactly(
    paper_bot: Any,
) -> None:
    paper_bot.start()
    run_all_candles(paper_bot)

    # A paper bot on Binance pays its fees in the asset received, as Binance (ADR 0024).
    config = BacktestConfig(
        capital=Decimal(10_000),
        stake=paper_bot.stake,
        risk=RiskConfig.disabled(),
        fee_asset=FeeAsset.RECEIVED,
    )
    result = run_event_path(
        paper_bot.frame,
        load_instrument("binance", "BTC/USDT"),
        SmaCross,
        SmaCrossConfig(**paper_bot.params),
        config,
    )
    expected = [
        (o.side, o.filled_qty, o.average_price, o.fees)
        for o in result.orders
        if o.filled_qty > 0 and o.tag != END_OF_DATA_TAG
    ]
    with paper_bot.container.database.read_session() as session:
        orders = session.scalars(
            select(OrderRow)
            .where(OrderRow.bot_id == paper_bot.bot_id)
            .order_by(OrderRow.created_at, OrderRow.id)
        ).all()
        got = [
            (o.side, o.filled_quantity, o.average_price, _fees(session, o.id))
            for o in orders
            if o.filled_quantity > 0
        ]
        trades = session.scalars(
            select(TradeRow.net_pnl).where(TradeRow.bot_id == paper_bot.bot_id)
        ).all()
        fills = session.scalars(select(FillRow.id).where(FillRow.bot_id == paper_bot.bot_id)).all()
    assert len(expected) >= 4  # at least two round trips on these candles
    assert got == expected
    assert len(fills) == len(expected)
    assert len(trades) == len(expected) // 2
    assert sorted(trades) == sorted(t.pnl for t in _closed(result.trades))


def _fees(session: object, order_id: str) -> Decimal:
    rows = session.scalars(select(FillRow).where(FillRow.order_id == order_id)).all()  # type: ignore[attr-defined]
    return sum((f.fee for f in rows), Decimal(0))


def _closed(trades: list) -> list:  # type: ignore[type-arg]
    return [t for t in trades if t.exit_reason != END_OF_DATA_TAG]
