"""Users' alert channels: create, list, read, change, delete, send a test, read deliveries.

Contracts:

* Callers see and change only their own channels; another user's channel is *not found*
  (S1). Creating, changing, deleting and testing need the trader role.
* Secrets (Telegram bot token, Discord webhook URL, webhook URL and signing secret) are
  sealed (services/alert_delivery.py, ``aad_for(owner_id, channel_id)``) and never
  returned: views show ``target`` (chat id, email address, ``scheme://host``) and the
  secret's last four characters (``****abcd``).
* A webhook URL is checked when saved (S11, security/outbound_url.py: https only unless
  the server allows http, public addresses only, after DNS) and again at every delivery.
  A Discord URL must be a webhook URL on discord.com or discordapp.com; a Telegram token
  must look like one (the API host is fixed). Email channels need the server's SMTP
  settings; without them creating one is refused, naming the settings.
* Every change is audited in its transaction (``alert_channel.create|update|delete``);
  details never hold a secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from xor_trading.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from xor_trading.domain.users import Role
from xor_trading.persistence.repositories import alert_channels as channels_repo
from xor_trading.persistence.tables.alert_channels import AlertChannelRow
from xor_trading.persistence.types import new_id
from xor_trading.security.masking import mask_tail, visible_tail
from xor_trading.security.outbound_url import validate_outbound_url
from xor_trading.services.alert_delivery import (
    TEST_EVENT,
    AlertDeliveryService,
    AlertEvent,
    ChannelKind,
    ChannelSecrets,
    ChannelTarget,
    DeliveryResult,
    check_discord_url,
    open_channel_secrets,
    seal_channel_secrets,
    telegram_url,
)
from xor_trading.services.audit import datetime_of_ms, record_audit
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

__all__ = [
    "CHANNEL_FIELDS",
    "MAX_CHANNELS_PER_USER",
    "TEST_MESSAGE",
    "AlertChannelService",
    "AlertChannelView",
    "ChannelInput",
]

TEST_MESSAGE = "This is a test message from XOR: this channel receives your alerts."
CHAT_ID = re.compile(r"-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}", re.ASCII)
EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    re.ASCII,
)
MAX_CHANNELS_PER_USER = 20  # each alert fans out to every channel: bound the work (S7)
MIN_SIGNING_SECRET = 16
MAX_SIGNING_SECRET = 256

# The destination fields each kind takes (the rest do not apply to it).
CHANNEL_FIELDS: dict[ChannelKind, frozenset[str]] = {
    ChannelKind.TELEGRAM: frozenset({"chat_id", "bot_token"}),
    ChannelKind.DISCORD: frozenset({"url"}),
    ChannelKind.EMAIL: frozenset({"email"}),
    ChannelKind.WEBHOOK: frozenset({"url", "signing_secret"}),
}
_REQUIRED: dict[ChannelKind, frozenset[str]] = {
    ChannelKind.TELEGRAM: frozenset({"chat_id", "bot_token"}),
    ChannelKind.DISCORD: frozenset({"url"}),
    ChannelKind.EMAIL: frozenset({"email"}),
    ChannelKind.WEBHOOK: frozenset({"url"}),
}


@dataclass(frozen=True, slots=True)
class ChannelInput:
    """A channel's destination as given by the user (``None``: not given)."""

    chat_id: str | None = None
    bot_token: str | None = None
    url: str | None = None
    email: str | None = None
    signing_secret: str | None = None

    def given(self) -> set[str]:
        return {name for name in CHANNEL_FIELDS_ALL if getattr(self, name) is not None}


CHANNEL_FIELDS_ALL = ("chat_id", "bot_token", "url", "email", "signing_secret")


@dataclass(frozen=True, slots=True)
class AlertChannelView:
    """A channel as its owner sees it: never a secret."""

    id: str
    kind: ChannelKind
    label: str
    enabled: bool
    events: list[AlertEvent]
    target: str
    secret_masked: str | None
    signed: bool
    created_at: datetime
    updated_at: datetime


def _view(row: AlertChannelRow) -> AlertChannelView:
    kind = ChannelKind(row.kind)
    return AlertChannelView(
        id=row.id,
        kind=kind,
        label=row.label,
        enabled=row.enabled,
        events=[AlertEvent(e) for e in json.loads(row.events)],
        target=row.target,
        secret_masked=None if kind is ChannelKind.EMAIL else mask_tail(row.secret_tail),
        signed=row.signed,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _events(values: list[str] | tuple[str, ...]) -> list[str]:
    """The events in their canonical order, each once; :class:`InputError` if none or
    one is unknown."""
    known = [e.value for e in AlertEvent]
    unknown = sorted({v for v in values if v not in known})
    if unknown:
        raise InputError(
            f"unknown alert event(s): {', '.join(unknown)}", f"use some of {', '.join(known)}"
        )
    if not values:
        raise InputError("a channel needs at least one event", f"use some of {', '.join(known)}")
    return [e for e in known if e in values]


def _label(label: str) -> str:
    label = label.strip()
    if not 1 <= len(label) <= 64 or not label.isprintable():
        raise InputError("the label must be 1-64 printable characters", "give a short name")
    return label


@dataclass(frozen=True, slots=True)
class _Destination:
    """What is stored for a destination: the shown target, the sealed parts, the tail."""

    target: str
    secrets: ChannelSecrets
    tail: str
    signed: bool


class AlertChannelService:
    """The caller's alert channels (see the module doc)."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def _now(self) -> datetime:
        return datetime_of_ms(self.container.clock.now_ms())

    @staticmethod
    def _not_found() -> NotFoundError:
        return NotFoundError(
            "no such alert channel", "GET /api/v1/alert-channels lists your channels"
        )

    @staticmethod
    def _require_trader(principal: Principal, what: str) -> None:
        if not principal.allows(Role.TRADER):
            raise PermissionDeniedError(
                f"{what} an alert channel needs the trader role", "ask an administrator"
            )

    # -- validation ----------------------------------------------------------------------

    def _destination(self, kind: ChannelKind, given: ChannelInput) -> _Destination:
        """Check a complete destination of ``kind``; :class:`InputError` naming the
        problem. Resolves a webhook URL's host (S11)."""
        if kind is ChannelKind.TELEGRAM:
            chat_id, token = given.chat_id or "", given.bot_token or ""
            if not CHAT_ID.fullmatch(chat_id):
                raise InputError(
                    "the Telegram chat id must be a number or @channelname",
                    "send a message to your bot, then read chat.id from getUpdates",
                )
            telegram_url(token)
            return _Destination(
                chat_id, ChannelSecrets(bot_token=token), visible_tail(token), False
            )
        if kind is ChannelKind.DISCORD:
            url = given.url or ""
            check_discord_url(url)
            return _Destination("discord.com", ChannelSecrets(url=url), visible_tail(url), False)
        if kind is ChannelKind.EMAIL:
            address = given.email or ""
            self._require_smtp()
            if len(address) > 254 or not EMAIL.fullmatch(address):
                raise InputError(
                    f"{address[:80]!r} is not an email address",
                    "give an address like you@example.com",
                )
            return _Destination(address, ChannelSecrets(), "", False)
        url = given.url or ""
        checked = validate_outbound_url(
            url, allow_insecure=self.container.settings.allow_insecure_alert_urls
        )
        secret = given.signing_secret
        if secret is not None and not MIN_SIGNING_SECRET <= len(secret) <= MAX_SIGNING_SECRET:
            raise InputError(
                f"the signing secret must be {MIN_SIGNING_SECRET}-{MAX_SIGNING_SECRET} characters",
                "use a long random string, e.g. from `openssl rand -hex 32`",
            )
        return _Destination(
            f"{checked.scheme}://{checked.host_header}",
            ChannelSecrets(url=url, signing_secret=secret),
            visible_tail(url),
            secret is not None,
        )

    def _require_smtp(self) -> None:
        settings = self.container.settings
        if not settings.smtp_host or not settings.smtp_from:
            raise InputError(
                "email alerts are not configured on this server",
                "ask the operator to set XOR_SMTP_HOST and XOR_SMTP_FROM (and XOR_SMTP_PORT "
                "when the relay does not listen on 587)",
            )

    @staticmethod
    def _check_fields(kind: ChannelKind, given: ChannelInput) -> None:
        extra = sorted(given.given() - CHANNEL_FIELDS[kind])
        if extra:
            verb = "does" if len(extra) == 1 else "do"
            raise InputError(
                f"{', '.join(extra)} {verb} not apply to a {kind.value} channel",
                f"a {kind.value} channel takes {', '.join(sorted(CHANNEL_FIELDS[kind]))}",
            )

    # -- use cases -----------------------------------------------------------------------

    def create(
        self,
        principal: Principal,
        *,
        kind: ChannelKind,
        label: str,
        events: list[str],
        destination: ChannelInput,
        enabled: bool = True,
        ip: str | None = None,
    ) -> AlertChannelView:
        """A new channel (see the module doc); 422 names what is wrong."""
        self._require_trader(principal, "creating")
        self._check_fields(kind, destination)
        missing = sorted(_REQUIRED[kind] - destination.given())
        if missing:
            raise InputError(
                f"a {kind.value} channel needs {', '.join(missing)}",
                f"a {kind.value} channel takes {', '.join(sorted(CHANNEL_FIELDS[kind]))}",
            )
        label, chosen = _label(label), _events(events)
        # Resolving a URL happens before the transaction: DNS must not hold the write lock.
        dest = self._destination(kind, destination)
        channel_id, now = new_id(), self._now()
        sealed = seal_channel_secrets(self.container, principal.user_id, channel_id, dest.secrets)
        row = AlertChannelRow(
            id=channel_id,
            owner_id=principal.user_id,
            kind=kind.value,
            label=label,
            enabled=enabled,
            events=json.dumps(chosen),
            target=dest.target,
            secret_tail=dest.tail,
            signed=dest.signed,
            kek_id=sealed.kek_id,
            wrapped_dek=sealed.wrapped_dek,
            nonce=sealed.nonce,
            ciphertext=sealed.ciphertext,
            created_at=now,
            updated_at=now,
        )
        with self.container.database.session() as session:
            if channels_repo.count_owned(session, principal.user_id) >= MAX_CHANNELS_PER_USER:
                raise ConflictError(
                    f"you already have {MAX_CHANNELS_PER_USER} alert channels, the most allowed",
                    "delete a channel you no longer use, or give one channel more events",
                )
            channels_repo.add_channel(session, row)
            record_audit(
                session,
                self.container,
                actor_id=principal.user_id,
                action="alert_channel.create",
                target_type="alert_channel",
                target_id=channel_id,
                details={"kind": kind.value, "label": label, "events": ",".join(chosen)},
                ip=ip,
            )
        return _view(row)

    def list_channels(
        self, principal: Principal, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[AlertChannelView], int]:
        """The caller's channels, oldest first, and how many there are."""
        with self.container.database.read_session() as session:
            rows, total = channels_repo.list_owned(
                session, principal.user_id, limit=limit, offset=offset
            )
            return [_view(row) for row in rows], total

    def get(self, principal: Principal, channel_id: str) -> AlertChannelView:
        with self.container.database.read_session() as session:
            row = channels_repo.get_owned(session, principal.user_id, channel_id)
            if row is None:
                raise self._not_found()
            return _view(row)

    def update(
        self,
        principal: Principal,
        channel_id: str,
        changes: Mapping[str, Any],
        *,
        ip: str | None = None,
    ) -> AlertChannelView:
        """Change the given fields: ``label``, ``enabled``, ``events`` and the kind's
        destination fields (a destination field not given keeps its value;
        ``signing_secret: None`` removes a webhook's signing secret)."""
        self._require_trader(principal, "changing")
        with self.container.database.read_session() as session:
            row = channels_repo.get_owned(session, principal.user_id, channel_id)
            if row is None:
                raise self._not_found()
            kind, target = ChannelKind(row.kind), ChannelTarget.of(row)
        given = ChannelInput(
            **{k: changes[k] for k in CHANNEL_FIELDS_ALL if changes.get(k) is not None}
        )
        self._check_fields(kind, given)
        if "signing_secret" in changes and kind is not ChannelKind.WEBHOOK:
            raise InputError(
                f"signing_secret does not apply to a {kind.value} channel",
                f"a {kind.value} channel takes {', '.join(sorted(CHANNEL_FIELDS[kind]))}",
            )
        dest: _Destination | None = None
        if given.given() or "signing_secret" in changes:
            # The destination is checked whole (the new parts with the kept ones), before
            # the transaction: resolving a URL must not hold the write lock.
            current = open_channel_secrets(self.container, target)
            merged = ChannelInput(
                chat_id=target.target if kind is ChannelKind.TELEGRAM else None,
                bot_token=current.bot_token,
                url=current.url,
                email=target.target if kind is ChannelKind.EMAIL else None,
                signing_secret=current.signing_secret,
            )
            merged = replace(merged, **{name: getattr(given, name) for name in given.given()})
            if "signing_secret" in changes and changes["signing_secret"] is None:
                merged = replace(merged, signing_secret=None)
            dest = self._destination(kind, merged)
        label = _label(changes["label"]) if changes.get("label") is not None else None
        chosen = _events(list(changes["events"])) if changes.get("events") is not None else None
        with self.container.database.session() as session:
            row = channels_repo.get_owned(session, principal.user_id, channel_id, for_update=True)
            if row is None:
                raise self._not_found()
            changed: list[str] = []
            if label is not None and label != row.label:
                row.label, changed = label, [*changed, "label"]
            if changes.get("enabled") is not None and bool(changes["enabled"]) != row.enabled:
                row.enabled, changed = bool(changes["enabled"]), [*changed, "enabled"]
            if chosen is not None and json.dumps(chosen) != row.events:
                row.events, changed = json.dumps(chosen), [*changed, "events"]
            if dest is not None:
                sealed = seal_channel_secrets(
                    self.container, principal.user_id, channel_id, dest.secrets
                )
                row.target, row.secret_tail, row.signed = dest.target, dest.tail, dest.signed
                row.kek_id, row.wrapped_dek = sealed.kek_id, sealed.wrapped_dek
                row.nonce, row.ciphertext = sealed.nonce, sealed.ciphertext
                changed.append("destination")
            if changed:
                row.updated_at = self._now()
                session.flush()
                record_audit(
                    session,
                    self.container,
                    actor_id=principal.user_id,
                    action="alert_channel.update",
                    target_type="alert_channel",
                    target_id=channel_id,
                    details={"changed": ",".join(changed)},
                    ip=ip,
                )
            return _view(row)

    def delete(self, principal: Principal, channel_id: str, *, ip: str | None = None) -> None:
        """Delete the caller's channel and its delivery log (404 if it is not theirs)."""
        self._require_trader(principal, "deleting")
        with self.container.database.session() as session:
            row = channels_repo.get_owned(session, principal.user_id, channel_id, for_update=True)
            if row is None:
                raise self._not_found()
            record_audit(
                session,
                self.container,
                actor_id=principal.user_id,
                action="alert_channel.delete",
                target_type="alert_channel",
                target_id=channel_id,
                details={"kind": row.kind, "label": row.label},
                ip=ip,
            )
            channels_repo.delete_channel(session, row)

    def send_test(
        self, principal: Principal, channel_id: str, *, delivery: AlertDeliveryService | None = None
    ) -> DeliveryResult:
        """Send :data:`TEST_MESSAGE` through the channel now (enabled or not) and return
        the recorded result: ``sent``, ``failed`` or ``refused`` with the reason."""
        self._require_trader(principal, "testing")
        with self.container.database.read_session() as session:
            row = channels_repo.get_owned(session, principal.user_id, channel_id)
            if row is None:
                raise self._not_found()
            target = ChannelTarget.of(row)
        sender = delivery or AlertDeliveryService(self.container)
        result = sender.send(target, TEST_EVENT, TEST_MESSAGE)
        if result is None:  # the channel was deleted while the message was on its way
            raise self._not_found()
        return result

    def deliveries(
        self, principal: Principal, channel_id: str, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[DeliveryResult], int]:
        """The channel's delivery attempts, newest first, and how many there are."""
        with self.container.database.read_session() as session:
            page = channels_repo.list_deliveries(
                session, principal.user_id, channel_id, limit=limit, offset=offset
            )
            if page is None:
                raise self._not_found()
            rows, total = page
            return [DeliveryResult.of(row) for row in rows], total
