"""The current position of each bot in each symbol (one row, updated after every fill).

``quantity`` is signed (positive long, negative short, zero flat) in the base asset;
``average_price`` the average entry price rounded to 18 decimals (zero when flat);
``realised_pnl`` the sum of what the bot's fills in this symbol realised (fees excluded).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class PositionRow(Base):
    """A bot's net position in one symbol."""

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("bot_id", "symbol", name="uq_positions_bot_symbol"),
        Index("ix_positions_owner_bot", "owner_id", "bot_id", "symbol"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"))
    symbol: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[Decimal]
    average_price: Mapped[Decimal]
    realised_pnl: Mapped[Decimal]
    updated_at: Mapped[datetime]
