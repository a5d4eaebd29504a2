"""Inbound signal webhooks: the signal body, how a recorded signal is shown, and the
webhook secret shown once.

The body is parsed by :func:`parse_signal_body` from the raw bytes, *after* the signature
over those bytes verified (services/signal_webhooks.py); it never raises anything but
``RequestValidationError`` (422), whatever the bytes (fuzzed in the tests, S14).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError

from xor_trading.api.schemas.common import PublicModel, StrictInput

MAX_SIGNAL_BODY_BYTES = 4096
SYMBOL_PATTERN = r"^[A-Za-z0-9]{1,16}(?:[/:-][A-Za-z0-9]{1,16}){1,2}$"
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class SignalInput(StrictInput):
    """A TradingView-style signal for one bot."""

    action: Literal["buy", "sell", "close"]
    symbol: str = Field(
        min_length=3, max_length=32, pattern=SYMBOL_PATTERN, description="One of the bot's."
    )
    strength: Decimal | None = Field(
        default=None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        max_digits=19,
        decimal_places=18,
        description="Confidence from 0 to 1.",
    )
    note: str | None = Field(default=None, max_length=200, pattern=PRINTABLE)


def parse_signal_body(raw: bytes) -> SignalInput:
    """The signal in ``raw`` (UTF-8 JSON, at most :data:`MAX_SIGNAL_BODY_BYTES`), or
    ``RequestValidationError`` naming each problem."""
    if len(raw) > MAX_SIGNAL_BODY_BYTES:
        raise RequestValidationError(
            [
                {
                    "loc": ("body",),
                    "msg": f"the signal body is larger than {MAX_SIGNAL_BODY_BYTES} bytes",
                    "type": "too_long",
                }
            ]
        )
    try:
        return SignalInput.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {"loc": ("body", *error["loc"]), "msg": error["msg"], "type": error["type"]}
                for error in exc.errors(include_url=False, include_input=False)
            ]
        ) from None


class SignalPublic(PublicModel):
    """A recorded signal: ``kind`` is the action; ``details.source`` is ``webhook``."""

    id: str
    bot_id: str
    at: datetime
    symbol: str
    kind: str
    strength: Decimal | None
    details: dict[str, Any]


class WebhookSecretPublic(PublicModel):
    """A bot's new webhook secret: copy it now, it is never shown again."""

    bot_id: str
    secret: str = Field(description="The HMAC-SHA256 key of the bot's signals.")
    created_at: datetime
    url: str = Field(description="Where to POST signals.")
    signing: str = Field(description="How to sign a signal.")
