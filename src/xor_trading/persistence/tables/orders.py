"""Orders and their fills, as recorded from a bot's bus (persistence/recorder.py).

An order row is written when the intent exists, before the venue hears of it
(``pending_submit``); every later status is an update of the same row. A fill row is
written once per venue trade: ``(bot_id, venue_trade_id)`` is unique, so a fill delivered
twice (WebSocket and REST, or a redelivered bus event) is applied once.

Quantities are in the base asset, prices and fees in the quote (fee) currency, all exact
``Decimal``. Times are aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class RecordedOrderStatus(StrEnum):
    """Every status of ``domain.orders.OrderStatus`` plus ``pending_submit``.

    ``pending_submit``: the intent is recorded and about to be sent (the engine's
    ``initialized`` once it is on record). ``unknown``: the submission timed out; the order
    may be live at the venue, so it is never treated as failed until reconciliation says
    what happened.
    """

    PENDING_SUBMIT = "pending_submit"
    INITIALIZED = "initialized"
    DENIED = "denied"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    TRIGGERED = "triggered"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class OrderRow(Base):
    """One order intent of a bot and what is known of it.

    ``client_order_id`` is derived from the bot and the engine's order id
    (:func:`~xor_trading.persistence.repositories.orders.client_order_id_for`): the same
    intent always gets the same id, which is what the venue sees, so a re-sent intent can
    be recognised. ``average_price`` is the volume-weighted fill price rounded to 18
    decimals (``None`` until the first fill); ``reason`` holds the denial or rejection text.
    """

    __tablename__ = "orders"
    __table_args__ = (
        # The list queries: newest first for one owner, optionally narrowed to one bot,
        # status or symbol. ``id`` ends each index so the tie-breaking sort uses it too.
        Index("ix_orders_owner_created", "owner_id", "created_at", "id"),
        Index("ix_orders_owner_bot_created", "owner_id", "bot_id", "created_at", "id"),
        Index("ix_orders_owner_status_created", "owner_id", "status", "created_at", "id"),
        Index("ix_orders_owner_symbol_created", "owner_id", "symbol", "created_at", "id"),
        # The page totals (a COUNT bounded at 1,000 rows past the offset, ADR 0013) read
        # a narrow index that holds every filtered column, without touching the table:
        # status, status+symbol, status+symbol+side, status+side (index-only filter);
        # symbol, symbol+side; bot, bot+status. Narrow keys repeat, so PostgreSQL
        # deduplicates them (a user's 100,000 orders of one bot fit in a few hundred kB).
        Index("ix_orders_owner_bot_status", "owner_id", "bot_id", "status"),
        Index("ix_orders_owner_status_symbol_side", "owner_id", "status", "symbol", "side"),
        Index("ix_orders_owner_symbol_side", "owner_id", "symbol", "side"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    # The narrow owner index serves the unfiltered page total (see the indexes above).
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"))
    client_order_id: Mapped[str] = mapped_column(String(36), unique=True)
    # The engine's order id the client order id was derived from (a bot restores its
    # working orders under it after a restart); NULL for rows written before 0002.
    engine_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    venue_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    time_in_force: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal]
    price: Mapped[Decimal | None] = mapped_column(nullable=True)
    stop_price: Mapped[Decimal | None] = mapped_column(nullable=True)
    filled_quantity: Mapped[Decimal]
    average_price: Mapped[Decimal | None] = mapped_column(nullable=True)
    tag: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FillRow(Base):
    """One execution of (part of) an order; ``fee`` is in ``fee_currency``."""

    __tablename__ = "fills"
    __table_args__ = (
        UniqueConstraint("bot_id", "venue_trade_id", name="uq_fills_bot_venue_trade"),
        # The list (repositories/fills.py): newest first for one owner, or for one of
        # their bots (the bot chart's markers); each index also serves its bounded page
        # total without reading the table. ``id`` ends each so the tie-breaker uses it.
        Index("ix_fills_owner_at", "owner_id", "at", "id"),
        Index("ix_fills_owner_bot_at", "owner_id", "bot_id", "at", "id"),
        Index("ix_fills_order_at", "order_id", "at"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"))
    order_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("orders.id"))
    venue_trade_id: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal]
    price: Mapped[Decimal]
    fee: Mapped[Decimal]
    fee_currency: Mapped[str] = mapped_column(String(16))
    liquidity: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime]
