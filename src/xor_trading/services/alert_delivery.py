"""Deliver alerts through a user's channels: Telegram, Discord, email, generic webhook.

Contracts:

* **SSRF (S11).** Every HTTP delivery goes through
  :func:`~xor_trading.security.outbound_url.validate_outbound_url` at send time (a URL
  checked when the channel was saved may resolve elsewhere now) and connects to the
  address that check returned (the ``Host`` header and the TLS server name stay the URL's
  host, so certificates are verified against the name). Redirects are never followed (a
  3xx is a failed delivery), environment proxies are ignored, every timeout is 5 s.
  Telegram's host is fixed (``api.telegram.org``; only the token comes from the user and
  it must look like a bot token); a Discord URL must be on ``discord.com`` or
  ``discordapp.com``. Email goes to the operator's SMTP relay (``smtp_host``), never to a
  host a user names.
* **Never raises.** A delivery that fails or is refused is recorded in
  ``alert_deliveries`` (``failed`` or ``refused`` with one sentence naming the host and
  the reason, never a secret: exception texts, which can contain the Telegram URL, are
  never stored) and returned; the caller's use case goes on.
* **Generic webhooks** receive ``{"event", "level", "message", "channel_id", "at_ms"}``
  as JSON and, when the channel has a signing secret, ``X-XOR-Signature:
  t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``.
* :meth:`AlertDeliveryService.deliver` also publishes the alert on the user's WebSocket
  channel ``alerts.<user_id>`` (services/stream_events.py).

This module is the only one that opens alert channels' sealed secrets
(:func:`open_channel_secrets`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from enum import StrEnum

import httpx

from xor_trading.core.errors import InputError
from xor_trading.persistence.repositories import alert_channels as channels_repo
from xor_trading.persistence.tables.alert_channels import AlertChannelRow, AlertDeliveryRow
from xor_trading.security.envelope import SealedSecret, aad_for
from xor_trading.security.outbound_url import CheckedUrl, validate_outbound_url
from xor_trading.services.audit import datetime_of_ms
from xor_trading.services.container import Container
from xor_trading.services.stream_events import AlertLevel, publish_alert

__all__ = [
    "DISCORD_HOSTS",
    "TELEGRAM_API",
    "TIMEOUT_S",
    "AlertDeliveryService",
    "AlertEvent",
    "ChannelKind",
    "ChannelSecrets",
    "ChannelTarget",
    "DeliveryResult",
    "DeliveryStatus",
    "channel_aad",
    "open_channel_secrets",
    "seal_channel_secrets",
    "signature_header",
]

logger = logging.getLogger("xor.alerts")

TIMEOUT_S = 5.0
TELEGRAM_API = "https://api.telegram.org"
TELEGRAM_TOKEN = re.compile(r"[0-9]{5,16}:[A-Za-z0-9_-]{30,64}", re.ASCII)
DISCORD_HOSTS = frozenset({"discord.com", "discordapp.com"})
DISCORD_PATH = re.compile(r"/api/webhooks/[0-9]{1,25}/[A-Za-z0-9_-]{1,100}", re.ASCII)
MAX_TEXT = {"telegram": 4096, "discord": 2000, "email": 10_000, "webhook": 10_000}
MAX_ERROR = 255
_ANSWER_BYTES = 2048  # how much of a receiver's answer is read (Telegram's description)
USER_AGENT = "XOR-alerts/1"


# httpx logs every request's URL at INFO ("HTTP Request: POST https://.../bot<token>/..."):
# an alert's URL holds its channel's secret, so those records are dropped while an alert
# is being sent (the flag is per thread and task, so other requests still log).
_delivering: ContextVar[bool] = ContextVar("xor_alert_delivering", default=False)


class _HideAlertRequests(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _delivering.get()


logging.getLogger("httpx").addFilter(_HideAlertRequests())


class ChannelKind(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    EMAIL = "email"
    WEBHOOK = "webhook"


class AlertEvent(StrEnum):
    """What a channel can subscribe to."""

    FILLS = "fills"
    BOT_STATUS = "bot_status"
    RISK_EVENTS = "risk_events"
    DAILY_SUMMARY = "daily_summary"
    EXCHANGE_STREAM = "exchange_stream"  # a live bot's private stream dropped or recovered


TEST_EVENT = "test"  # the event of a test message (POST /alert-channels/{id}/test)


class DeliveryStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # the receiver, the relay or the network failed
    REFUSED = "refused"  # XOR would not connect (the URL fails the S11 checks)


@dataclass(frozen=True, slots=True)
class ChannelSecrets:
    """The sealed parts of a channel (see persistence/tables/alert_channels.py)."""

    bot_token: str | None = None
    url: str | None = None
    signing_secret: str | None = None

    def to_json(self) -> bytes:
        data = {
            key: value
            for key, value in (
                ("bot_token", self.bot_token),
                ("url", self.url),
                ("signing_secret", self.signing_secret),
            )
            if value is not None
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class ChannelTarget:
    """What sending needs from a channel row, read before any network call."""

    id: str
    owner_id: str
    kind: ChannelKind
    target: str
    sealed: SealedSecret

    @classmethod
    def of(cls, row: AlertChannelRow) -> ChannelTarget:
        return cls(
            id=row.id,
            owner_id=row.owner_id,
            kind=ChannelKind(row.kind),
            target=row.target,
            sealed=SealedSecret(row.kek_id, row.wrapped_dek, row.nonce, row.ciphertext),
        )


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """One recorded delivery attempt; ``error`` is empty when ``status`` is ``sent``."""

    id: str
    channel_id: str
    at: datetime
    event: str
    status: DeliveryStatus
    error: str

    @classmethod
    def of(cls, row: AlertDeliveryRow) -> DeliveryResult:
        return cls(
            id=row.id,
            channel_id=row.channel_id,
            at=row.at,
            event=row.event,
            status=DeliveryStatus(row.status),
            error=row.error,
        )


def channel_aad(owner_id: str, channel_id: str) -> bytes:
    """The associated data sealing a channel's secrets: its owner and its row."""
    return aad_for(owner_id, channel_id)


def seal_channel_secrets(
    container: Container, owner_id: str, channel_id: str, secrets: ChannelSecrets
) -> SealedSecret:
    return container.cipher.seal(secrets.to_json(), channel_aad(owner_id, channel_id))


def open_channel_secrets(container: Container, target: ChannelTarget) -> ChannelSecrets:
    """The channel's secrets in clear; :class:`SecretTamperedError` if they do not open."""
    data = json.loads(container.cipher.open(target.sealed, channel_aad(target.owner_id, target.id)))
    return ChannelSecrets(
        bot_token=data.get("bot_token"),
        url=data.get("url"),
        signing_secret=data.get("signing_secret"),
    )


def signature_header(secret: str, timestamp_s: int, body: bytes) -> str:
    """``t=<timestamp_s>,v1=<hex HMAC-SHA256(secret, "<timestamp_s>." + body)>``."""
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"t={timestamp_s},v1={mac.hexdigest()}"


def telegram_url(bot_token: str) -> str:
    """The sendMessage URL of a bot token; :class:`InputError` if it is not one (so that
    the token cannot change the host or the path)."""
    if not TELEGRAM_TOKEN.fullmatch(bot_token):
        raise InputError(
            "the Telegram bot token is not of the form <digits>:<30-64 letters>",
            "copy the token @BotFather gave you",
        )
    return f"{TELEGRAM_API}/bot{bot_token}/sendMessage"


def check_discord_url(url: str) -> None:
    """:class:`InputError` unless ``url`` is an https Discord webhook URL."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        parsed = None
    if (
        parsed is None
        or parsed.scheme != "https"
        or parsed.userinfo
        or parsed.host not in DISCORD_HOSTS
        or parsed.port not in (None, 443)
        or parsed.query
        or parsed.fragment
        or not DISCORD_PATH.fullmatch(parsed.path)
    ):
        raise InputError(
            "the Discord URL must be a webhook URL on discord.com or discordapp.com",
            "copy it from the channel's settings: Integrations, Webhooks, Copy Webhook URL "
            "(https://discord.com/api/webhooks/<id>/<token>)",
        )


class _Failed(Exception):  # noqa: N818 - an outcome carried to the recorder, not a bug
    def __init__(self, status: DeliveryStatus, sentence: str) -> None:
        super().__init__(sentence)
        self.status = status
        self.sentence = sentence


class AlertDeliveryService:
    """Send alerts; ``transport`` replaces the network (tests use ``httpx.MockTransport``)."""

    def __init__(
        self, container: Container, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.container = container
        self.transport = transport

    def deliver(
        self, owner_id: str, event: AlertEvent, message: str, *, level: AlertLevel = "info"
    ) -> list[DeliveryResult]:
        """Publish ``message`` on ``alerts.<owner_id>`` and send it through each of the
        owner's enabled channels that subscribed to ``event``. Never raises."""
        try:
            publish_alert(self.container, owner_id=owner_id, level=level, message=message)
            with self.container.database.read_session() as session:
                targets = [
                    ChannelTarget.of(row)
                    for row in channels_repo.enabled_for_owner(session, owner_id)
                    if event.value in json.loads(row.events)
                ]
        except Exception:  # alerts must never break the use case that raised them
            logger.exception("could not read the alert channels of user %s", owner_id)
            return []
        results = []
        for target in targets:
            result = self.send(target, event.value, message, level=level)
            if result is not None:
                results.append(result)
        return results

    def send(
        self, target: ChannelTarget, event: str, message: str, *, level: AlertLevel = "info"
    ) -> DeliveryResult | None:
        """Send one message through one channel and record the attempt. Never raises;
        ``None`` only when even the record could not be written (logged)."""
        try:
            self._send(target, event, message, level)
            status, error = DeliveryStatus.SENT, ""
        except _Failed as failed:
            status, error = failed.status, failed.sentence
        except Exception as exc:  # a bug or a tampered row: record it, tell nobody secrets
            logger.error("alert delivery through channel %s failed: %s", target.id, type(exc))
            status, error = DeliveryStatus.FAILED, "the delivery failed inside XOR"
        row = AlertDeliveryRow(
            channel_id=target.id,
            at=datetime_of_ms(self.container.clock.now_ms()),
            event=event,
            status=status.value,
            error=error[:MAX_ERROR],
        )
        try:
            with self.container.database.session() as session:
                channels_repo.add_delivery(session, row)
        except Exception:  # e.g. the channel was deleted meanwhile
            logger.exception("could not record a delivery of channel %s", target.id)
            return None
        return DeliveryResult.of(row)

    # -- per kind ------------------------------------------------------------------------

    def _send(self, target: ChannelTarget, event: str, message: str, level: str) -> None:
        secrets = open_channel_secrets(self.container, target)
        text = message[: MAX_TEXT[target.kind.value]]
        if target.kind is ChannelKind.TELEGRAM:
            url = self._checked(lambda: telegram_url(secrets.bot_token or ""))
            body = {"chat_id": target.target, "text": text, "disable_web_page_preview": True}
            self._post(url, _json(body), {}, service="Telegram")
        elif target.kind is ChannelKind.DISCORD:

            def discord() -> str:
                check_discord_url(secrets.url or "")
                return secrets.url or ""

            url = self._checked(discord)
            # No @everyone / role pings from an alert text.
            body = {"content": text, "allowed_mentions": {"parse": []}}
            self._post(url, _json(body), {}, service="Discord")
        elif target.kind is ChannelKind.WEBHOOK:
            url = self._checked(lambda: secrets.url or "")
            payload = _json(
                {
                    "event": event,
                    "level": level,
                    "message": text,
                    "channel_id": target.id,
                    "at_ms": self.container.clock.now_ms(),
                }
            )
            headers = {"X-XOR-Event": event}
            if secrets.signing_secret:
                now_s = self.container.clock.now_ms() // 1000
                headers["X-XOR-Signature"] = signature_header(
                    secrets.signing_secret, now_s, payload
                )
            self._post(url, payload, headers, service=None)
        else:
            self._email(target.target, event, text)

    def _checked(self, url_of: Callable[[], str]) -> CheckedUrl:
        try:
            return validate_outbound_url(
                url_of(), allow_insecure=self.container.settings.allow_insecure_alert_urls
            )
        except InputError as exc:
            raise _Failed(DeliveryStatus.REFUSED, exc.message) from None

    def _post(
        self, url: CheckedUrl, body: bytes, extra: dict[str, str], *, service: str | None
    ) -> None:
        """POST ``body`` to the pinned address of ``url``; raises :class:`_Failed`."""
        who = service or url.host
        headers = {
            "Host": url.host_header,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **extra,
        }
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        hiding = _delivering.set(True)
        try:
            with httpx.Client(
                transport=self.transport,
                timeout=TIMEOUT_S,
                follow_redirects=False,
                trust_env=False,  # an environment proxy would bypass the pinned address
            ) as client:
                request = client.build_request(
                    "POST", url.pinned_url, content=body, headers=headers, extensions=extensions
                )
                response = client.send(request, stream=True)
                try:
                    answer = _read_some(response)
                finally:
                    response.close()
        except httpx.TimeoutException:
            raise _Failed(
                DeliveryStatus.FAILED, f"{who} did not answer within {TIMEOUT_S:g} s"
            ) from None
        except httpx.ConnectError as exc:
            reason = (
                "its TLS certificate did not verify"
                if "CERTIFICATE_VERIFY_FAILED" in str(exc)
                else "the connection failed"
            )
            raise _Failed(DeliveryStatus.FAILED, f"could not reach {who}: {reason}") from None
        except httpx.HTTPError:
            raise _Failed(DeliveryStatus.FAILED, f"the request to {who} failed") from None
        finally:
            _delivering.reset(hiding)
        code = response.status_code
        if 300 <= code < 400:
            raise _Failed(
                DeliveryStatus.FAILED,
                f"{who} answered with a redirect (HTTP {code}); alerts never follow redirects",
            )
        if code >= 400 or code < 200:
            detail = _telegram_description(answer) if service == "Telegram" else ""
            raise _Failed(
                DeliveryStatus.FAILED,
                f"{who} answered HTTP {code}" + (f": {detail}" if detail else ""),
            )

    def _email(self, address: str, event: str, text: str) -> None:
        settings = self.container.settings
        if not settings.smtp_host or not settings.smtp_from:
            raise _Failed(
                DeliveryStatus.REFUSED,
                "email alerts are not configured on this server (XOR_SMTP_HOST, XOR_SMTP_FROM)",
            )
        mail = EmailMessage()
        mail["From"] = settings.smtp_from
        mail["To"] = address
        mail["Subject"] = f"XOR alert: {event}"
        mail.set_content(text)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused:
            raise _Failed(
                DeliveryStatus.FAILED, f"the mail server {settings.smtp_host} refused {address}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Failed(
                DeliveryStatus.FAILED,
                f"the mail server {settings.smtp_host} failed ({type(exc).__name__})",
            ) from None


def _json(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _read_some(response: httpx.Response) -> bytes:
    """At most :data:`_ANSWER_BYTES` of the answer: a receiver cannot make us read more."""
    chunks = bytearray()
    for chunk in response.iter_bytes():
        chunks.extend(chunk)
        if len(chunks) >= _ANSWER_BYTES:
            break
    return bytes(chunks[:_ANSWER_BYTES])


def _telegram_description(answer: bytes) -> str:
    """Telegram's ``description`` (``Bad Request: chat not found``), printable, short."""
    try:
        data = json.loads(answer)
    except ValueError:
        return ""
    description = data.get("description") if isinstance(data, dict) else None
    if not isinstance(description, str):
        return ""
    return "".join(c for c in description if c.isprintable())[:120]
