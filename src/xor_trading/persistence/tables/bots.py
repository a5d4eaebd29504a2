"""Bots: configuration (with every version, for rollback) and state history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class BotRow(Base):
    """A bot: a strategy on symbols and a timeframe, in paper or live mode."""

    __tablename__ = "bots"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    strategy: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    exchange_credential_id: Mapped[str | None] = mapped_column(
        IdColumn, ForeignKey("exchange_credentials.id"), nullable=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
