"""Bots: configuration (with every version, for rollback) and state history.

``bots`` holds the current configuration's searchable parts (name, strategy, mode, symbols...)
and the lifecycle state; ``bot_versions`` holds every configuration ever saved, complete, as
JSON (version 1 at creation, one more per update or rollback); ``bot_state_history`` holds
every lifecycle transition. A deleted bot keeps its row (``deleted_at`` set) because orders
and trades keep referring to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class BotRow(Base):
    """A bot: a strategy on symbols and a timeframe, in paper or live mode.

    ``config_version`` is the number of the ``bot_versions`` row in force. ``risk_profile``
    summarises its risk limits for lists: ``default``, ``custom`` or ``disabled``.
    """

    __tablename__ = "bots"
    __table_args__ = (
        # Names are unique among a user's bots that are not deleted (a deleted bot's name
        # may be used again). Both back ends support partial unique indexes.
        Index(
            "uq_bots_owner_id_name_live",
            "owner_id",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    strategy: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    exchange: Mapped[str] = mapped_column(String(32))
    symbols: Mapped[str] = mapped_column(Text)  # JSON list of CCXT symbols
    timeframe: Mapped[str] = mapped_column(String(8))
    risk_profile: Mapped[str] = mapped_column(String(16))
    config_version: Mapped[int]
    exchange_credential_id: Mapped[str | None] = mapped_column(
        IdColumn, ForeignKey("exchange_credentials.id"), nullable=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class BotVersionRow(Base):
    """One saved configuration of a bot, complete (defaults filled in), never changed."""

    __tablename__ = "bot_versions"
    __table_args__ = (UniqueConstraint("bot_id", "version"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"), index=True)
    version: Mapped[int]
    config: Mapped[str] = mapped_column(Text)  # JSON object, see services/bot_config.py
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(255))


class BotStateHistoryRow(Base):
    """One lifecycle transition. ``actor_id`` is the user who asked, or NULL for the runtime.

    ``sequence`` numbers a bot's transitions from 1, so that history is ordered exactly even
    when two transitions share a millisecond.
    """

    __tablename__ = "bot_state_history"
    __table_args__ = (UniqueConstraint("bot_id", "sequence"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"), index=True)
    sequence: Mapped[int]
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(255))
    actor_id: Mapped[str | None] = mapped_column(IdColumn, ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime]
