"""What a bot takes back when it starts again: its bots' lease candidates, working orders,
applied fills, positions and cash flows (read by ``services/bot_worker.py``).

Orders are restored under their engine order id (``orders.engine_order_id``): rows
written before that column existed cannot be restored and are reported as such.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.persistence.tables.orders import FillRow, OrderRow, RecordedOrderStatus
from xor_trading.persistence.tables.positions import PositionRow

WORKING_STATUSES = frozenset(
    {
        RecordedOrderStatus.PENDING_SUBMIT.value,
        RecordedOrderStatus.SUBMITTED.value,
        RecordedOrderStatus.ACCEPTED.value,
        RecordedOrderStatus.TRIGGERED.value,
        RecordedOrderStatus.PARTIALLY_FILLED.value,
        RecordedOrderStatus.PENDING_CANCEL.value,
        RecordedOrderStatus.UNKNOWN.value,
    }
)
"""Statuses of an order that may still be working at the venue."""


@dataclass(frozen=True, slots=True)
class RunnableBot:
    bot_id: str
    owner_id: str
    state: str
    mode: str


def runnable_bots(
    session: DbSession, states: Collection[str], modes: Collection[str]
) -> list[RunnableBot]:
    """Every bot not deleted whose state is in ``states`` and mode in ``modes``."""
    rows = session.execute(
        select(BotRow.id, BotRow.owner_id, BotRow.state, BotRow.mode).where(
            BotRow.deleted_at.is_(None),
            BotRow.state.in_(list(states)),
            BotRow.mode.in_(list(modes)),
        )
    ).all()
    return [RunnableBot(r.id, r.owner_id, r.state, r.mode) for r in rows]


def bot_row(session: DbSession, bot_id: str) -> BotRow | None:
    """The bot ``bot_id`` (deleted or not), for the worker (no owner: it serves everyone)."""
    return session.get(BotRow, bot_id)


def working_orders(session: DbSession, bot_id: str) -> list[OrderRow]:
    """The bot's orders that may still be working, oldest first."""
    return list(
        session.scalars(
            select(OrderRow)
            .where(OrderRow.bot_id == bot_id, OrderRow.status.in_(WORKING_STATUSES))
            .order_by(OrderRow.created_at, OrderRow.id)
        ).all()
    )


def orders_with_fills_since(session: DbSession, bot_id: str, since: datetime) -> list[OrderRow]:
    """The bot's orders with at least one fill at or after ``since``, oldest first (a live
    bot's reconciliation reads those trades again and must know their orders)."""
    owning = select(FillRow.order_id).where(FillRow.bot_id == bot_id, FillRow.at >= since)
    return list(
        session.scalars(
            select(OrderRow)
            .where(OrderRow.bot_id == bot_id, OrderRow.id.in_(owning))
            .order_by(OrderRow.created_at, OrderRow.id)
        ).all()
    )


def fills_of_bot(session: DbSession, bot_id: str) -> list[FillRow]:
    """Every fill of the bot, oldest first."""
    return list(
        session.scalars(
            select(FillRow).where(FillRow.bot_id == bot_id).order_by(FillRow.at, FillRow.id)
        ).all()
    )


def positions_of_bot(session: DbSession, bot_id: str) -> list[PositionRow]:
    """Every position row of the bot (flat ones too: they carry realised PnL)."""
    return list(session.scalars(select(PositionRow).where(PositionRow.bot_id == bot_id)).all())


def realised_total(positions: list[PositionRow]) -> Decimal:
    return sum((p.realised_pnl for p in positions), Decimal(0))
