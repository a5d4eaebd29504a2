"""Signals a bot's strategy emitted (entries, exits, scores), for review next to its orders.

``strength`` is optional (a score in the strategy's own scale); ``details`` a JSON object
as text (canonical: sorted keys), never holding secrets.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class SignalRow(Base):
    """One signal of one bot at one instant."""

    __tablename__ = "signals"
    __table_args__ = (
        Index("ix_signals_owner_at", "owner_id", "at", "id"),
        Index("ix_signals_owner_bot_at", "owner_id", "bot_id", "at", "id"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"))
    at: Mapped[datetime]
    symbol: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    strength: Mapped[Decimal | None] = mapped_column(nullable=True)
    details: Mapped[str] = mapped_column(Text, default="{}")
