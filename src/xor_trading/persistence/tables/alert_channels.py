"""Alert channels (Telegram, Discord, email, generic webhook) and their delivery log.

A channel's secret parts are sealed together as one JSON object (AES-256-GCM envelope,
security/envelope.py) with the associated data ``aad_for(owner_id, channel_id)``:

=========  =============================================  ==============================
kind       sealed (never shown)                           ``target`` (shown in clear)
=========  =============================================  ==============================
telegram   ``{"bot_token"}``                              the chat id
discord    ``{"url"}`` (the webhook URL embeds a token)   ``discord.com``
email      ``{}``                                         the address
webhook    ``{"url", "signing_secret"}`` (secret may be   the URL's host
           ``null``)
=========  =============================================  ==============================

``secret_tail`` keeps the last characters of the token (Telegram) or URL (Discord,
webhook) to show them masked (``****abcd``). ``events`` is a JSON list of event kinds
(``fills``, ``bot_status``, ``risk_events``, ``daily_summary``, ``exchange_stream``).

``alert_deliveries`` records every attempt: ``status`` ``sent``, ``failed`` (the receiver
or the network failed) or ``refused`` (XOR would not connect: the URL fails the SSRF
checks); ``error`` is one sentence without any secret or payload.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class AlertChannelRow(Base):
    """One user's alert destination."""

    __tablename__ = "alert_channels"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool]
    events: Mapped[str] = mapped_column(Text)  # JSON list of event kinds
    target: Mapped[str] = mapped_column(String(255))
    secret_tail: Mapped[str] = mapped_column(String(8), default="")
    signed: Mapped[bool] = mapped_column(default=False)  # webhook with a signing secret
    kek_id: Mapped[str] = mapped_column(String(64))
    wrapped_dek: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AlertDeliveryRow(Base):
    """One attempt to deliver one alert through one channel."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_channel_at", "channel_id", "at", "id"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(
        IdColumn, ForeignKey("alert_channels.id", ondelete="CASCADE")
    )
    at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(String(255), default="")
