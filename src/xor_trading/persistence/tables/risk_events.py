"""What the risk engine did: denials, breakers tripped and reset, kill switches.

``kind`` is one of :class:`RiskEventKind`; ``rule`` the machine name of the rule or breaker
(``min_notional``, ``daily_loss``, ``kill_switch``...), the stable name to filter and alert
on; ``sentence`` the explanation for people; ``details`` a JSON object as text with the
event's other fields (order id, scope, until...). ``bot_id`` is ``None`` for events not tied
to one bot (an account or global kill switch recorded outside a bot).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class RiskEventKind(StrEnum):
    DENIAL = "denial"
    BREAKER_TRIPPED = "breaker_tripped"
    BREAKER_RESET = "breaker_reset"
    KILL_SWITCH_ENGAGED = "kill_switch_engaged"
    KILL_SWITCH_REARMED = "kill_switch_rearmed"


class RiskEventRow(Base):
    """One risk event."""

    __tablename__ = "risk_events"
    __table_args__ = (
        Index("ix_risk_events_owner_at", "owner_id", "at", "id"),
        Index("ix_risk_events_owner_bot_at", "owner_id", "bot_id", "at", "id"),
        Index("ix_risk_events_owner_kind_at", "owner_id", "kind", "at", "id"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"))
    bot_id: Mapped[str | None] = mapped_column(IdColumn, ForeignKey("bots.id"), nullable=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(64))
    sentence: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="{}")
