"""Platform-wide controls: kill switches (bot, account, global) and the risk caps every
bot's configuration must respect.

``kill_switches`` holds one row per engagement. A row is *engaged* while ``rearmed_at`` is
NULL; re-arming fills ``rearmed_at``/``rearmed_by``/``rearm_reason`` and the row stays as
history. ``engaged_key`` (``"<scope>:<target>"``, ``"global:*"`` for the global switch) is
set only while the row is engaged and is unique, so at most one engaged row exists per
(scope, target) on both back ends: a plain unique column, because a unique index over a
NULL target would not stop two global switches (NULLs are distinct) and expression or
partial indexes differ between SQLite and PostgreSQL.

``platform_risk_limits`` holds every version of the caps ever saved, numbered from 1; the
current caps are the highest version (no row at all: no platform cap). A NULL cap means
"no platform cap on this limit": only the validity range of
:class:`~xor_trading.risk.config.RiskConfig` applies.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id

GLOBAL_TARGET = "*"
"""The target part of the global switch's ``engaged_key``."""


class KillSwitchScope(StrEnum):
    """What a switch covers: one bot, every bot of one account, or every bot."""

    BOT = "bot"
    ACCOUNT = "account"
    GLOBAL = "global"


def engaged_key(scope: KillSwitchScope, target_id: str | None) -> str:
    """``"bot:<bot id>"``, ``"account:<user id>"`` or ``"global:*"``."""
    return f"{scope.value}:{target_id if target_id is not None else GLOBAL_TARGET}"


class KillSwitchRow(Base):
    """One engagement of a kill switch (and its re-arming, once re-armed).

    ``target_id`` is the bot id (scope ``bot``), the user id (scope ``account``) or NULL
    (``global``). ``owner_id`` is the account the switch belongs to (the bot's owner, the
    account itself; NULL for global): the column owner-scoped reads filter on.
    ``engaged_by``/``rearmed_by`` NULL means the server console (``xor kill-switch``, the
    system actor). ``halted_bots`` counts the bots the engagement moved to ``halted``.
    """

    __tablename__ = "kill_switches"
    __table_args__ = (Index("ix_kill_switches_engaged_at", "engaged_at", "id"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    owner_id: Mapped[str | None] = mapped_column(
        IdColumn, ForeignKey("users.id"), nullable=True, index=True
    )
    engaged_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    engaged_at: Mapped[datetime]
    engaged_by: Mapped[str | None] = mapped_column(IdColumn, ForeignKey("users.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(255))
    flatten: Mapped[bool] = mapped_column(default=False)
    halted_bots: Mapped[int] = mapped_column(default=0)
    rearmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    rearmed_by: Mapped[str | None] = mapped_column(IdColumn, ForeignKey("users.id"), nullable=True)
    rearm_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)


class PlatformRiskLimitsRow(Base):
    """One version of the platform's risk caps; never changed once written.

    Each cap is the largest value a bot's :class:`~xor_trading.risk.config.RiskConfig`
    field of the same name may take (percent values are of equity, ``max_leverage`` a
    multiple of equity, ``max_order_notional`` quote currency); NULL is no cap.
    ``allow_risk_disabled`` false refuses bots whose risk limits are turned off.
    """

    __tablename__ = "platform_risk_limits"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(255))
    max_position_pct: Mapped[Decimal | None] = mapped_column(nullable=True)
    max_risk_per_trade_pct: Mapped[Decimal | None] = mapped_column(nullable=True)
    max_leverage: Mapped[Decimal | None] = mapped_column(nullable=True)
    daily_loss_limit_pct: Mapped[Decimal | None] = mapped_column(nullable=True)
    max_drawdown_pct: Mapped[Decimal | None] = mapped_column(nullable=True)
    max_open_positions: Mapped[int | None] = mapped_column(nullable=True)
    max_entries_per_day: Mapped[int | None] = mapped_column(nullable=True)
    max_order_notional: Mapped[Decimal | None] = mapped_column(nullable=True)
    allow_risk_disabled: Mapped[bool] = mapped_column(default=True)
