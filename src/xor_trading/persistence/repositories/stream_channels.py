"""Queries behind WebSocket channel authorisation (``services.stream_events``)."""

from __future__ import annotations

from sqlalchemy import select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bots import BotRow


def bot_is_owned_by(session: DbSession, bot_id: str, owner_id: str) -> bool:
    """True when bot ``bot_id`` exists, is not deleted and belongs to ``owner_id``.

    One query filtered on both columns, so a bot of someone else and a bot that does not
    exist look the same (S1).
    """
    found = session.scalar(
        select(BotRow.id)
        .where(BotRow.id == bot_id, BotRow.owner_id == owner_id, BotRow.deleted_at.is_(None))
        .limit(1)
    )
    return found is not None
