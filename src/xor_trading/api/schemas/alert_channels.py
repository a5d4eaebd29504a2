"""Alert channels: what a user sends to create or change one, and how one is shown.

Secrets (Telegram bot token, Discord webhook URL, webhook URL, signing secret) are
write-only: responses show ``target`` (chat id, email address, ``scheme://host``) and
``secret_masked`` (``****abcd``) only. The service checks each field and answers 422 with
a sentence (services/alert_channels.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, SecretStr

from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.services.alert_delivery import AlertEvent, ChannelKind, DeliveryStatus

MAX_URL = 2048
Events = Annotated[
    list[AlertEvent],
    Field(min_length=1, max_length=len(AlertEvent), description="What the channel receives."),
]
Label = Annotated[str, Field(min_length=1, max_length=64, description="Your name for it.")]
ChatId = Annotated[
    str, Field(min_length=1, max_length=33, description="Telegram chat id or @channelname.")
]
BotToken = Annotated[
    SecretStr, Field(min_length=36, max_length=90, description="From @BotFather; never shown.")
]
Email = Annotated[str, Field(min_length=3, max_length=254, description="Where to send mail.")]
SigningSecret = Annotated[
    SecretStr,
    Field(
        min_length=16,
        max_length=256,
        description="Signs each request (X-XOR-Signature: t=<unix>,v1=<hex HMAC-SHA256>).",
    ),
]


class _ChannelCreate(StrictInput):
    label: Label
    enabled: bool = Field(default=True, description="Disabled channels receive nothing.")
    events: Events


class TelegramChannelCreate(_ChannelCreate):
    """Messages from your Telegram bot to a chat."""

    kind: Literal[ChannelKind.TELEGRAM]
    chat_id: ChatId
    bot_token: BotToken


class DiscordChannelCreate(_ChannelCreate):
    """Messages to a Discord channel's webhook."""

    kind: Literal[ChannelKind.DISCORD]
    url: SecretStr = Field(
        max_length=MAX_URL, description="https://discord.com/api/webhooks/<id>/<token>."
    )


class EmailChannelCreate(_ChannelCreate):
    """Mail through the server's SMTP relay (the operator sets XOR_SMTP_*)."""

    kind: Literal[ChannelKind.EMAIL]
    email: Email


class WebhookChannelCreate(_ChannelCreate):
    """JSON POSTed to your URL (https, public host)."""

    kind: Literal[ChannelKind.WEBHOOK]
    url: SecretStr = Field(max_length=MAX_URL, description="https URL of a public host.")
    signing_secret: SigningSecret | None = None


AlertChannelCreate = Annotated[
    TelegramChannelCreate | DiscordChannelCreate | EmailChannelCreate | WebhookChannelCreate,
    Field(discriminator="kind"),
]


class AlertChannelUpdate(StrictInput):
    """Only the fields given change; the destination fields must suit the channel's kind.
    ``signing_secret: null`` removes a webhook's signing secret."""

    label: Label | None = None
    enabled: bool | None = None
    events: Events | None = None
    chat_id: ChatId | None = None
    bot_token: BotToken | None = None
    url: SecretStr | None = Field(default=None, max_length=MAX_URL)
    email: Email | None = None
    signing_secret: SigningSecret | None = None


class AlertChannelPublic(PublicModel):
    """A channel, without its secrets."""

    id: str
    kind: ChannelKind
    label: str
    enabled: bool
    events: list[AlertEvent]
    target: str = Field(description="Chat id, email address, or scheme://host of the URL.")
    secret_masked: str | None = Field(description="E.g. ****abcd; null for email.")
    signed: bool = Field(description="A webhook with a signing secret.")
    created_at: datetime
    updated_at: datetime


class AlertDeliveryPublic(PublicModel):
    """One delivery attempt; ``error`` says why it failed or was refused."""

    id: str
    channel_id: str
    at: datetime
    event: str
    status: DeliveryStatus
    error: str
