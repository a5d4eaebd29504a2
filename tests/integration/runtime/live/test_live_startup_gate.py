"""The startup gate of a live bot (R4, R5): the worker reconciles the bot with the venue
before its first order, persists the trade cursors, and halts a bot the venue disagrees
with, without sending anything."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.client import ApiCredentials
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.persistence.repositories import trade_cursors as marks_repo
from xor_trading.persistence.tables.bots import BotStateHistoryRow
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.services.container import Container
from xor_trading.testing.live_bots import (
    KEY,
    SECRET,
    LiveBot,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

ORDER = "POST /api/v3/order"
LOT = Decimal("0.00001")  # BTCUSDT step size
ACCOUNT = "GET /api/v3/account"


def _records(
    container: Container, bot_id: str
) -> tuple[list[tuple[str, Decimal, Decimal]], set[str], Decimal]:
    """(trade id, quantity, price) of every fill, acknowledged client order ids, position."""
    with container.database.read_session() as session:
        fills = [
            (f.venue_trade_id, f.quantity, f.price)
            for f in session.scalars(select(FillRow).where(FillRow.bot_id == bot_id))
        ]
        acknowledged = {
            o.client_order_id
            for o in session.scalars(select(OrderRow).where(OrderRow.bot_id == bot_id))
            if o.venue_order_id
        }
        position = session.scalar(select(PositionRow.quantity).where(PositionRow.bot_id == bot_id))
    return fills, acknowledged, position or Decimal(0)


def test_live_bot_sends_its_first_order_only_after_the_startup_reconciliation(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    frame = zigzag_frame(venue.price(), candles_after_now=11)

    async def scenario() -> None:
        async with running_worker(make_worker(container, frame)):
            await wait_until(lambda: len(venue.account(KEY).trades) >= 4, timeout_s=20)
            await asyncio.sleep(0.5)  # the last fill reaches the database

    asyncio.run(scenario())

    endpoints = [r.endpoint for r in venue.requests(KEY) if r.signed]
    assert ORDER in endpoints
    assert endpoints.index(ACCOUNT) < endpoints.index(ORDER)  # the gate read balances first
    account = venue.account(KEY)
    fills, acknowledged, position = _records(container, bot.bot_id)
    assert sorted(fills) == sorted((str(t.trade_id), t.qty, t.price) for t in account.trades)
    assert acknowledged == {o.client_order_id for o in account.orders}
    # Baseline 0; the buys' commissions were taken in BTC: the venue holds what the trades
    # left net of them, the position its whole lots (the rest is the bot's dust).
    venue_btc = account.free("BTC") + account.locked("BTC")
    assert venue_btc == sum(
        (t.qty - t.commission if t.is_buyer else -t.qty for t in account.trades), Decimal(0)
    )
    assert position == venue_btc // LOT * LOT
    with container.database.read_session() as session:
        cursors = marks_repo.trade_cursors(session, bot.bot_id)
        baseline = marks_repo.holding_baseline(session, bot.bot_id)
    assert list(cursors) == ["BTC/USDT"]
    assert baseline == {"BTC": Decimal(0)}


async def _manual_market_buy(venue: BinanceServerHandle) -> None:
    """The account holder buys on the exchange, outside the bot (same key)."""
    client = make_async_client("binance", ApiCredentials(KEY, SECRET), base_url=venue.url)
    client.timeout_on_exit = 0
    try:
        await client.private_post_order(
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
        )
    finally:
        await client.close()


def _history(container: Container, bot: LiveBot) -> list[tuple[str, str]]:
    with container.database.read_session() as session:
        rows = session.scalars(
            select(BotStateHistoryRow)
            .where(BotStateHistoryRow.bot_id == bot.bot_id)
            .order_by(BotStateHistoryRow.sequence)
        )
        return [(r.to_state, r.reason or "") for r in rows]


def test_live_bot_restarted_after_a_manual_trade_is_halted_and_sends_nothing(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    quiet = zigzag_frame(venue.price(), candles_after_now=0)  # history only: no signal

    async def scenario() -> Any:
        async with running_worker(make_worker(container, quiet)) as supervisor:
            await wait_until(lambda: bot.state() == "monitoring")
            held = supervisor.held[bot.bot_id]
            cursor = dict(held.runtime.live.cursors_ms) if held.runtime.live else {}
        await _manual_market_buy(venue)  # while the bot is down: a foreign trade
        async with running_worker(make_worker(container, quiet, worker_id="worker-2")):
            await wait_until(lambda: bot.state() == "halted", timeout_s=10)
        return cursor

    cursor = asyncio.run(scenario())

    assert list(cursor) == ["BTC/USDT"]
    assert venue.signed_request_count(KEY, ORDER) == 1  # the manual buy only
    target, reason = _history(container, bot)[-1]
    assert target == "halted"
    assert "this bot never sent" in reason
