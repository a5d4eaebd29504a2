"""PnL snapshots of a bot over time: the equity curve that drawdowns are measured on.

All amounts in the bot's quote currency, exact: ``realised_pnl`` and ``fees`` cumulative
since the bot started recording, ``unrealised_pnl`` of the open positions at the last
known prices, ``equity = starting equity + realised_pnl - fees + unrealised_pnl``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class PnlSnapshotRow(Base):
    """A bot's PnL at one instant."""

    __tablename__ = "pnl_snapshots"
    __table_args__ = (
        Index("ix_pnl_snapshots_owner_at", "owner_id", "at"),
        Index("ix_pnl_snapshots_bot_at", "bot_id", "at"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"))
    at: Mapped[datetime]
    equity: Mapped[Decimal]
    realised_pnl: Mapped[Decimal]
    unrealised_pnl: Mapped[Decimal]
    fees: Mapped[Decimal]
