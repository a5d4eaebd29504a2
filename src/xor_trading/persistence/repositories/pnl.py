"""PnL snapshots: the owner's equity curves, read by analytics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories.orders import time_conditions
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.persistence.tables.pnl import PnlSnapshotRow


def list_snapshots(
    session: DbSession,
    owner_id: str,
    *,
    bot_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[PnlSnapshotRow]:
    """The owner's snapshots (of one bot, when given) in ``since <= at < until``, oldest first."""
    conditions: list[ColumnElement[bool]] = [PnlSnapshotRow.owner_id == owner_id]
    if bot_id is not None:
        conditions.append(PnlSnapshotRow.bot_id == bot_id)
    conditions += time_conditions(PnlSnapshotRow.at, since, until)
    return list(
        session.scalars(
            select(PnlSnapshotRow)
            .where(*conditions)
            .order_by(PnlSnapshotRow.at.asc(), PnlSnapshotRow.id.asc())
        ).all()
    )


def bot_names_and_strategies(session: DbSession, owner_id: str) -> dict[str, tuple[str, str]]:
    """``{bot id: (name, strategy)}`` of every bot of the owner, deleted ones included."""
    rows = session.execute(
        select(BotRow.id, BotRow.name, BotRow.strategy).where(BotRow.owner_id == owner_id)
    ).all()
    return {bot_id: (name, strategy) for bot_id, name, strategy in rows}
