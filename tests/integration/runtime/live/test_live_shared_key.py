"""Two live bots on one API key and one symbol (issue 6): each has its own client order id
prefix, claims only its own orders and trades, counts the other's trades in its holding
baseline, and both stay reconciled while both trade."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.execution.reconciliation_result import ReconciliationStatus
from xor_trading.persistence.repositories.orders import client_order_id_prefix_for
from xor_trading.persistence.tables.orders import OrderRow
from xor_trading.services.container import Container
from xor_trading.testing.live_bots import (
    KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

CANDLES = 11  # two round trips of the zigzag: flat at the end


def _filled(container: Container, bot_id: str) -> list[str]:
    with container.database.read_session() as session:
        rows = session.scalars(select(OrderRow).where(OrderRow.bot_id == bot_id))
        return [r.client_order_id for r in rows if r.status == "filled"]


def test_two_live_bots_on_one_key_and_symbol_trade_and_both_stay_reconciled(
    container: Container, venue: BinanceServerHandle
) -> None:
    first = seed_live_bot(container, email="first@example.test", api_key=KEY)
    second = seed_live_bot(container, email="second@example.test", api_key=KEY)
    frame = zigzag_frame(venue.price(), candles_after_now=CANDLES)

    async def scenario() -> tuple[list[ReconciliationStatus], list[str]]:
        worker = make_worker(container, frame)
        async with running_worker(worker):
            await wait_until(
                lambda: (
                    len(worker.runtimes) == 2
                    and all(rt.candles_seen == CANDLES for rt in worker.runtimes.values())
                ),
                timeout_s=20,
            )
            await wait_until(
                lambda: all(len(_filled(container, b.bot_id)) >= 4 for b in (first, second))
            )
            statuses = []
            for bot in (first, second):  # a full resync now: orders, trades and holdings
                live = worker.runtimes[bot.bot_id].live
                assert live is not None
                statuses.append((await live.gate("after both bots traded")).status)
                # Again, past the other bot's trades: its coins are now in the baseline.
                statuses.append((await live.gate("once more")).status)
            states = [first.state(), second.state()]
        return statuses, states

    statuses, states = asyncio.run(scenario())

    assert statuses == [ReconciliationStatus.RECONCILED] * 4
    assert "halted" not in states
    account = venue.account(KEY)
    for bot in (first, second):
        prefix = client_order_id_prefix_for(bot.bot_id)
        filled = _filled(container, bot.bot_id)
        assert all(cid.startswith(prefix) for cid in filled)
        assert {o.client_order_id for o in account.orders if o.client_order_id.startswith(prefix)}
        # every order of the bot at the venue is one it recorded
        assert {
            o.client_order_id for o in account.orders if o.client_order_id.startswith(prefix)
        } == set(filled)
    assert client_order_id_prefix_for(first.bot_id) != client_order_id_prefix_for(second.bot_id)
