"""The secret of a bot's inbound signal webhook (TradingView-style alerts), sealed.

One row per bot at most; generating a new secret replaces the sealed value. The secret is
sealed with the associated data ``aad_for(owner_id, bot_id, "webhook")`` (a sealed value
moved to another bot or user does not open) and is shown once, when generated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn


class BotWebhookSecretRow(Base):
    """The sealed HMAC key that signs a bot's inbound signals."""

    __tablename__ = "bot_webhook_secrets"

    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"), primary_key=True)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    kek_id: Mapped[str] = mapped_column(String(64))
    wrapped_dek: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
