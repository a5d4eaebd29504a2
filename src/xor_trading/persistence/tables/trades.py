"""Closed round trips: from the first fill that opened a position to the fill that closed it.

``gross_pnl`` is what the position realised (exit value minus released entry cost),
``fees`` every fee paid on the round trip's fills, ``net_pnl = gross_pnl - fees``; all in
the quote currency, exact. ``entry_price``/``exit_price`` are volume-weighted averages
rounded to 18 decimals. ``side`` is ``long`` or ``short``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class TradeRow(Base):
    """One closed round trip of a bot on one symbol."""

    __tablename__ = "trades"
    __table_args__ = (
        Index("ix_trades_owner_exit", "owner_id", "exit_at", "id"),
        Index("ix_trades_owner_bot_exit", "owner_id", "bot_id", "exit_at", "id"),
        Index("ix_trades_owner_strategy_exit", "owner_id", "strategy", "exit_at"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"))
    strategy: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    exit_price: Mapped[Decimal]
    entry_at: Mapped[datetime]
    exit_at: Mapped[datetime]
    gross_pnl: Mapped[Decimal]
    fees: Mapped[Decimal]
    net_pnl: Mapped[Decimal]
    exit_reason: Mapped[str] = mapped_column(String(32))
