"""Live order intents in the audit log (spec 3.2 point 1, ADR 0020): each live intent's
audit entry commits in the intent's own transaction, before the venue hears of the order;
paper intents get none; an intent whose audit entry cannot be written is not sent."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from xor_trading.core.clock import LiveClock
from xor_trading.core.errors import SubmissionRefusedError
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.domain.values import Quantity
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.intent_journal import FencedIntentJournal
from xor_trading.persistence.tables.audit_log import AuditEntryRow
from xor_trading.persistence.tables.orders import OrderRow
from xor_trading.services.audit import verify_audit_log
from xor_trading.services.bot_worker import DatabaseLeaseStore
from xor_trading.services.container import Container
from xor_trading.services.intent_audit import INTENT_ACTION
from xor_trading.testing.live_bots import (
    OTHER_KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)


def _client_ids(container: Container, bot_id: str) -> list[str]:
    with container.database.read_session() as session:
        return list(
            session.scalars(select(OrderRow.client_order_id).where(OrderRow.bot_id == bot_id))
        )


def _intent_entries(container: Container) -> list[tuple[str | None, str]]:
    with container.database.read_session() as session:
        rows = session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.action == INTENT_ACTION)
            .order_by(AuditEntryRow.seq)
        )
        return [(r.target_id, r.details) for r in rows]


def test_live_intents_are_audited_and_paper_intents_are_not(
    container: Container, venue: BinanceServerHandle
) -> None:
    live = seed_live_bot(container, email="live@example.test")
    paper = seed_live_bot(container, email="paper@example.test", api_key=OTHER_KEY, mode="paper")
    frame = zigzag_frame(venue.price(), candles_after_now=5)  # one entry each

    async def scenario() -> None:
        worker = make_worker(container, frame)
        async with running_worker(worker):
            await wait_until(
                lambda: all(_client_ids(container, b.bot_id) for b in (live, paper)), timeout_s=15
            )

    asyncio.run(scenario())

    entries = _intent_entries(container)
    live_ids = _client_ids(container, live.bot_id)
    assert [target for target, _ in entries] == live_ids
    assert not set(_client_ids(container, paper.bot_id)) & {t for t, _ in entries}
    details = entries[0][1]
    assert f'"bot_id":"{live.bot_id}"' in details
    assert '"side":"buy"' in details
    assert '"type":"market"' in details
    assert verify_audit_log(container).ok


def test_intent_whose_audit_entry_fails_is_neither_recorded_nor_sent(
    container: Container,
) -> None:
    bot = seed_live_bot(container, start=False)
    clock = LiveClock()
    lease = DatabaseLeaseStore(container.database).acquire(
        bot.bot_id, "w-1", clock.now_ms(), 60_000
    )
    assert lease is not None

    def failing_audit(session: DbSession, order: Order, client_order_id: str) -> None:
        raise OperationalError("INSERT INTO audit_log", {}, Exception("disk full"))

    journal = FencedIntentJournal(
        container.database,
        clock,
        owner_id=bot.owner.user_id,
        bot_id=bot.bot_id,
        worker_id="w-1",
        fencing_token=lease.fencing_token,
        audit_intent=failing_audit,
    )
    order = Order(
        order_id=OrderId(f"{lease.order_id_prefix}O-1"), symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY, order_type=OrderType.MARKET, quantity=Quantity(Decimal("0.001")),
        created_ms=clock.now_ms(),
    )  # fmt: skip

    with pytest.raises(SubmissionRefusedError, match="could not be recorded"):
        journal.record_intent(order)

    assert _client_ids(container, bot.bot_id) == []  # the intent row rolled back with it
    assert _intent_entries(container) == []
