"""Kill switch with flatten on a live bot (issue 6, R16): the bot sells its position, the net
quantity it holds rounded down to whole lots, and the venue's balance confirms it: what is
left of the base asset is the start balance plus less than one lot of dust."""

from __future__ import annotations

import asyncio
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select

from xor_trading.core.ids import Symbol
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.persistence.tables.orders import OrderRow
from xor_trading.services.container import Container
from xor_trading.services.kill_switch_service import KillSwitchScope, KillSwitchService
from xor_trading.testing.live_bots import (
    KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

BTC_USDT = Symbol("BTC/USDT")


def _orders(container: Container, bot_id: str) -> list[tuple[str, str, Decimal, str]]:
    with container.database.read_session() as session:
        rows = session.scalars(
            select(OrderRow).where(OrderRow.bot_id == bot_id).order_by(OrderRow.created_at)
        )
        return [(r.side, r.status, r.quantity, r.client_order_id) for r in rows]


def test_kill_switch_with_flatten_sells_the_net_lot_rounded_position_confirmed_by_the_venue(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    start_btc = venue.account(KEY).free("BTC")
    frame = zigzag_frame(venue.price(), candles_after_now=5)  # one entry, no exit
    switches = KillSwitchService(container)

    async def scenario() -> tuple[Decimal, Decimal]:
        worker = make_worker(container, frame)
        async with running_worker(worker):
            await wait_until(lambda: bot.state() == "position_open", timeout_s=15)
            runtime = worker.runtimes[bot.bot_id]
            lot = runtime.bot.instruments[BTC_USDT].lot_size
            position = runtime.bot.kernel.portfolio.position_quantity(BTC_USDT)
            switches.engage(
                bot.owner, KillSwitchScope.BOT, bot.bot_id, reason="flatten drill", flatten=True
            )
            await wait_until(
                lambda: (
                    [o[:2] for o in _orders(container, bot.bot_id)]
                    == [("buy", "filled"), ("sell", "filled")]
                ),
                timeout_s=10,
            )
        return lot, position

    lot, position = asyncio.run(scenario())

    account = venue.account(KEY)
    _, sell = _orders(container, bot.bot_id)
    buy_trades = [t for t in account.trades if t.is_buyer]
    received = sum(
        (t.qty - (t.commission if t.commission_asset == "BTC" else 0) for t in buy_trades),
        Decimal(0),
    )  # what the buy really put in the account
    net_lots = (received / lot).to_integral_value(ROUND_DOWN) * lot
    assert position == net_lots  # the tradable position: net of fees, whole lots
    assert sell[2] == net_lots  # flatten sold exactly that
    sold = sum((t.qty for t in account.trades if not t.is_buyer), Decimal(0))
    assert sold == net_lots
    left = account.free("BTC") + account.locked("BTC") - start_btc
    assert left == received - net_lots  # the venue's balance confirms: only dust is left
    assert Decimal(0) <= left < lot
    assert bot.state() == "halted"
