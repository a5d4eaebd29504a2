"""Inbound signal webhooks: TradingView-style alerts that drive a bot (S14).

A bot's owner generates a webhook secret (:meth:`SignalWebhookService.create_secret`,
shown once, stored sealed with ``aad_for(owner_id, bot_id, "webhook")``). A sender then
POSTs a JSON signal to ``/api/v1/webhooks/signals/<bot_id>`` with three headers:

* ``X-XOR-Timestamp``: unix seconds, within :data:`TIMESTAMP_TOLERANCE_S` of the server's
  clock (the container's clock);
* ``X-XOR-Nonce``: 16-64 characters of ``[A-Za-z0-9_-]``, accepted once per bot within
  :data:`NONCE_TTL_S` (longer than the whole timestamp window, so no replay fits in it);
* ``X-XOR-Signature``: hex ``HMAC-SHA256(secret, "<timestamp>.<nonce>." + raw body)``
  (:func:`sign`), compared in constant time.

Every failure of authentication (a header missing or malformed, a stale timestamp, a bad
signature, a nonce seen before, a bot that does not exist, is deleted or has no secret)
raises the same :class:`SignatureRejectedError` (401, one message), and an unknown bot
costs the same HMAC as a known one: the endpoint reveals nothing about which bots exist.
Only after the signature verified is the body looked at (422 for a bad one), and the
signal recorded (``signals`` row, kind = the action, audited as ``signal.webhook``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from xor_trading.core.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from xor_trading.domain.users import Role
from xor_trading.persistence.repositories import bot_webhook_secrets as secrets_repo
from xor_trading.persistence.repositories import bots as bots_repo
from xor_trading.persistence.repositories import signals as signals_repo
from xor_trading.persistence.tables.bot_webhook_secrets import BotWebhookSecretRow
from xor_trading.security.envelope import SealedSecret, SecretTamperedError, aad_for
from xor_trading.services.audit import datetime_of_ms, record_audit
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal
from xor_trading.services.trading_records import SignalView

__all__ = [
    "NONCE_TTL_S",
    "SIGNATURE_HEADER",
    "TIMESTAMP_TOLERANCE_S",
    "SignalRequest",
    "SignalWebhookService",
    "SignatureHeaders",
    "SignatureRejectedError",
    "VerifiedSender",
    "WebhookSecretView",
    "parse_signature_headers",
    "sign",
]

TIMESTAMP_HEADER = "X-XOR-Timestamp"
NONCE_HEADER = "X-XOR-Nonce"
SIGNATURE_HEADER = "X-XOR-Signature"
TIMESTAMP_TOLERANCE_S = 300
NONCE_TTL_S = 600
SECRET_BYTES = 32
WEBHOOK_AAD_PURPOSE = "webhook"
SignalAction = Literal["buy", "sell", "close"]
logger = logging.getLogger("xor.webhooks")

_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}", re.ASCII)
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_BOT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
# Signs the signature check of an unknown bot, so that it costs what a known one costs.
_DUMMY_KEY = secrets.token_bytes(SECRET_BYTES)


class SignatureRejectedError(AuthenticationError):
    """An inbound signal failed authentication; one message whatever the reason."""

    code = "invalid_signature"

    def __init__(self) -> None:
        super().__init__(
            "the signal was not accepted: its signature, timestamp or nonce is not valid "
            "for this bot",
            f"send {TIMESTAMP_HEADER} (unix seconds), a fresh {NONCE_HEADER} (16-64 of "
            f"A-Z a-z 0-9 _ -) and {SIGNATURE_HEADER} = hex HMAC-SHA256 of "
            "'<timestamp>.<nonce>.<body>' with the bot's webhook secret",
        )


@dataclass(frozen=True, slots=True)
class SignatureHeaders:
    """The three authentication headers, parsed."""

    timestamp: int
    nonce: str
    signature: str  # 64 lowercase hex digits


def parse_signature_headers(
    timestamp: str | None, nonce: str | None, signature: str | None
) -> SignatureHeaders:
    """Parse the headers; :class:`SignatureRejectedError` if any is missing or malformed.
    Total: any input gives one or the other (fuzzed in the tests)."""
    if (
        not isinstance(timestamp, str)
        or not isinstance(nonce, str)
        or not isinstance(signature, str)
    ):
        raise SignatureRejectedError()
    timestamp, nonce, signature = timestamp.strip(), nonce.strip(), signature.strip()
    if not (
        _TIMESTAMP.fullmatch(timestamp)
        and _NONCE.fullmatch(nonce)
        and _SIGNATURE.fullmatch(signature)
    ):
        raise SignatureRejectedError()
    return SignatureHeaders(int(timestamp), nonce, signature.lower())


def sign(secret: str, timestamp: int, nonce: str, body: bytes) -> str:
    """Hex ``HMAC-SHA256(secret, "<timestamp>.<nonce>." + body)``."""
    return _mac(secret.encode(), timestamp, nonce, body)


def _mac(key: bytes, timestamp: int, nonce: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def webhook_aad(owner_id: str, bot_id: str) -> bytes:
    """The associated data sealing a bot's webhook secret."""
    return aad_for(owner_id, bot_id, WEBHOOK_AAD_PURPOSE)


@dataclass(frozen=True, slots=True)
class WebhookSecretView:
    """A freshly generated secret: shown this once, never again."""

    bot_id: str
    secret: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VerifiedSender:
    """A signal whose signature verified: the bot it drives and who owns it."""

    bot_id: str
    owner_id: str


@dataclass(frozen=True, slots=True)
class SignalRequest:
    """A parsed signal body (validated by the API schema)."""

    action: SignalAction
    symbol: str
    strength: Decimal | None = None
    note: str | None = None


class SignalWebhookService:
    """Webhook secrets and inbound signals (see the module doc)."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def create_secret(
        self, principal: Principal, bot_id: str, *, ip: str | None = None
    ) -> WebhookSecretView:
        """A new webhook secret for the caller's bot, replacing any previous one (which
        stops working at once). 404 if the bot is not theirs or is deleted."""
        if not principal.allows(Role.TRADER):
            raise PermissionDeniedError(
                "a webhook secret needs the trader role", "ask an administrator"
            )
        secret = secrets.token_urlsafe(SECRET_BYTES)
        now = datetime_of_ms(self.container.clock.now_ms())
        with self.container.database.session() as session:
            bot = bots_repo.get_bot(session, principal.user_id, bot_id, for_update=True)
            if bot is None:
                raise _bot_not_found()
            sealed = self.container.cipher.seal(
                secret.encode(), webhook_aad(principal.user_id, bot_id)
            )
            replaced = secrets_repo.get_owned(session, principal.user_id, bot_id) is not None
            secrets_repo.save(
                session,
                BotWebhookSecretRow(
                    bot_id=bot_id,
                    owner_id=principal.user_id,
                    kek_id=sealed.kek_id,
                    wrapped_dek=sealed.wrapped_dek,
                    nonce=sealed.nonce,
                    ciphertext=sealed.ciphertext,
                    created_at=now,
                ),
            )
            record_audit(
                session,
                self.container,
                actor_id=principal.user_id,
                action="bot.webhook_secret.create",
                target_type="bot",
                target_id=bot_id,
                details={"replaced": replaced},
                ip=ip,
            )
        return WebhookSecretView(bot_id=bot_id, secret=secret, created_at=now)

    def delete_secret(self, principal: Principal, bot_id: str, *, ip: str | None = None) -> None:
        """Remove the bot's webhook secret: its signals are refused from now on. 404 if the
        bot is not the caller's or has no secret."""
        if not principal.allows(Role.TRADER):
            raise PermissionDeniedError(
                "a webhook secret needs the trader role", "ask an administrator"
            )
        with self.container.database.session() as session:
            row = secrets_repo.get_owned(session, principal.user_id, bot_id, for_update=True)
            bot = bots_repo.get_bot(session, principal.user_id, bot_id)
            if row is None or bot is None:
                raise NotFoundError(
                    "this bot has no webhook secret",
                    "POST /api/v1/bots/{bot_id}/webhook-secret creates one",
                )
            secrets_repo.delete(session, row)
            record_audit(
                session,
                self.container,
                actor_id=principal.user_id,
                action="bot.webhook_secret.delete",
                target_type="bot",
                target_id=bot_id,
                ip=ip,
            )

    def verify(
        self,
        bot_id: str,
        *,
        timestamp: str | None,
        nonce: str | None,
        signature: str | None,
        body: bytes,
    ) -> VerifiedSender:
        """Authenticate an inbound signal (the module doc's rules) and consume its nonce;
        :class:`SignatureRejectedError` on any failure. Does not look inside ``body``."""
        headers = parse_signature_headers(timestamp, nonce, signature)
        now_ms = self.container.clock.now_ms()
        if abs(headers.timestamp * 1000 - now_ms) > TIMESTAMP_TOLERANCE_S * 1000:
            raise SignatureRejectedError()
        key, owner_id = _DUMMY_KEY, None
        stored: tuple[SealedSecret, str] | None = None
        if _BOT_ID.fullmatch(bot_id):
            with self.container.database.read_session() as session:
                found = secrets_repo.get_for_bot(session, bot_id)
                if found is not None:
                    row, bot = found
                    sealed = SealedSecret(row.kek_id, row.wrapped_dek, row.nonce, row.ciphertext)
                    stored = sealed, bot.owner_id
            if stored is not None:
                try:
                    key = self.container.cipher.open(stored[0], webhook_aad(stored[1], bot_id))
                    owner_id = stored[1]
                except SecretTamperedError:
                    # The operator must learn of it; the sender learns only "rejected".
                    logger.error("the webhook secret of bot %s does not open", bot_id)
        expected = _mac(key, headers.timestamp, headers.nonce, body)
        valid = hmac.compare_digest(expected, headers.signature)
        if not valid or owner_id is None:
            raise SignatureRejectedError()
        # Consumed only once the signature verified: nobody else can burn a sender's nonces.
        if not self.container.nonces.remember(f"{bot_id}:{headers.nonce}", NONCE_TTL_S, now_ms):
            raise SignatureRejectedError()
        return VerifiedSender(bot_id=bot_id, owner_id=owner_id)

    def record(
        self, sender: VerifiedSender, signal: SignalRequest, *, ip: str | None = None
    ) -> SignalView:
        """Store the signal of an authenticated sender; 422 when the symbol is not one of
        the bot's; 401 (the same rejection) if the bot was deleted meanwhile."""
        at = datetime_of_ms(self.container.clock.now_ms())
        with self.container.database.session() as session:
            bot = bots_repo.get_bot(session, sender.owner_id, sender.bot_id)
            if bot is None:
                raise SignatureRejectedError()
            symbols = list(json.loads(bot.symbols))
            if signal.symbol not in symbols:
                raise InputError(
                    f"{signal.symbol!r} is not one of this bot's symbols",
                    f"send one of: {', '.join(symbols)}",
                )
            details: dict[str, str] = {"source": "webhook"}
            if signal.note:
                details["note"] = signal.note
            row = signals_repo.add_signal(
                session,
                owner_id=sender.owner_id,
                bot_id=sender.bot_id,
                at=at,
                symbol=signal.symbol,
                kind=signal.action,
                strength=signal.strength,
                details=details,
            )
            session.flush()
            record_audit(
                session,
                self.container,
                actor_id=sender.owner_id,
                action="signal.webhook",
                target_type="bot",
                target_id=sender.bot_id,
                details={"signal_id": row.id, "action": signal.action, "symbol": signal.symbol},
                ip=ip,
            )
            return SignalView.of(row)


def _bot_not_found() -> NotFoundError:
    return NotFoundError("no such bot", "GET /api/v1/bots lists your bots")
