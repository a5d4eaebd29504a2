"""A paper bot run twice (two leases) records every fill of both runs:

* the second run's paper venue numbers its trades under the new fencing token
  (``T-2.1``...), so no new fill repeats a recorded ``(bot, venue trade id)`` and is
  dropped as already applied;
* a market order still working when the first run stopped (sent on a candle's close, not
  filled yet) is placed again on the new venue, which has no price yet, and fills at the
  first live candle's open, as it would have without the restart (the backtest's fill).

On SQLite only (the restart path is the same code on both; both back ends run the other
restart tests), to keep this file fast."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.event_path import END_OF_DATA_TAG, run_event_path
from xor_trading.domain.events import OrderFilled
from xor_trading.domain.orders import Order
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.schema import create_schema
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.risk.config import RiskConfig
from xor_trading.strategies.sma_cross import SmaCross, SmaCrossConfig


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(sqlite_url(tmp_path / "xor.db"))
    create_schema(db)
    yield db
    db.dispose()


def _backtest_fills(bot: Any) -> list[Order]:
    """The orders the backtest event path fills on the bot's candles, in order (not the
    closing order a backtest adds at the end of the data). Fees in the asset received, as
    a paper bot on Binance pays them (ADR 0024)."""
    config = BacktestConfig(
        capital=Decimal(10_000),
        stake=bot.stake,
        risk=RiskConfig.disabled(),
        fee_asset=FeeAsset.RECEIVED,
    )
    result = run_event_path(
        bot.frame, load_instrument("binance", "BTC/USDT"), SmaCross, SmaCrossConfig(**bot.params),
        config,
    )  # fmt: skip
    return [o for o in result.orders if o.filled_qty > 0 and o.tag != END_OF_DATA_TAG]


def _fill_candle(bot: Any, order: Order) -> int:
    """Index of the candle at whose open ``order`` filled (sent at the previous close)."""
    return (order.created_ms - int(bot.frame.ts_ms[0])) // bot.frame.timeframe_ms


async def _run(worker: Any, bot_id: str, candles: int) -> list[str]:
    """Run the bot in ``worker`` for ``candles`` live candles; the trade ids it filled."""
    supervisor = worker.supervisor()
    await supervisor.tick()
    runtime = supervisor.held[bot_id].runtime
    filled: list[str] = []
    runtime.bot.kernel.bus.subscribe(OrderFilled, lambda e: filled.append(str(e.fill.trade_id)))
    deadline = asyncio.get_running_loop().time() + 20
    while runtime.candles_seen < candles:
        assert runtime.bot.failure is None
        assert asyncio.get_running_loop().time() < deadline, "the bot did not see its candles"
        await asyncio.sleep(0.01)
    await supervisor.shutdown()
    return filled


def _run_twice(paper_bot: Any, worker_for: Callable[..., Any], n: int) -> tuple[list[str], ...]:
    """The bot's first ``n`` candles in one worker, the rest in another."""
    paper_bot.start()
    frame = paper_bot.frame
    first_part = frame.between(int(frame.ts_ms[0]), int(frame.ts_ms[n]))
    first = asyncio.run(
        _run(worker_for(first_part, worker_id="worker-a"), paper_bot.bot_id, n - paper_bot.warmup)
    )
    second = asyncio.run(
        _run(worker_for(frame, worker_id="worker-b", start_at=n), paper_bot.bot_id, len(frame) - n)
    )
    return first, second


def _recorded_trade_ids(bot: Any) -> list[str]:
    with bot.container.database.read_session() as session:
        return list(
            session.scalars(select(FillRow.venue_trade_id).where(FillRow.bot_id == bot.bot_id))
        )


def test_paper_bot_restarted_records_the_fills_of_both_runs(
    paper_bot: Any, worker_for: Callable[..., Any]
) -> None:
    second_entry = _backtest_fills(paper_bot)[2]
    n = _fill_candle(paper_bot, second_entry) + 1  # stopped with no order working
    first, second = _run_twice(paper_bot, worker_for, n)
    assert first
    assert second
    assert all(t.startswith("T-1.") for t in first)
    assert all(t.startswith("T-2.") for t in second)
    assert sorted(_recorded_trade_ids(paper_bot)) == sorted(first + second)


def test_paper_bot_stopped_with_a_working_market_entry_fills_it_after_the_restart(
    paper_bot: Any, worker_for: Callable[..., Any]
) -> None:
    expected = _backtest_fills(paper_bot)
    n = _fill_candle(paper_bot, expected[2])  # the second entry is sent, not filled yet
    first, second = _run_twice(paper_bot, worker_for, n)
    assert len(first) == 2  # the first round trip
    assert second[0] == "T-2.1"
    with paper_bot.container.database.read_session() as session:
        rows = session.execute(
            select(OrderRow.engine_order_id, OrderRow.status, OrderRow.filled_quantity,
                   OrderRow.average_price)
            .where(OrderRow.bot_id == paper_bot.bot_id)
            .order_by(OrderRow.created_at)
        ).all()  # fmt: skip
    assert str(rows[2][0]).startswith("1.")  # sent by the first run
    got = [(status, qty, price) for _id, status, qty, price in rows[: len(expected)]]
    assert got == [("filled", o.filled_qty, o.average_price) for o in expected]
    assert sorted(_recorded_trade_ids(paper_bot)) == sorted(first + second)
