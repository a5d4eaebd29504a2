"""The audit log: record every change a user makes, verify the chain, write checkpoints.

:func:`record_audit` appends one entry in the caller's transaction, so an action and its
entry commit or roll back together. The entry's hash chains to the previous one
(:mod:`xor_trading.security.audit_chain`); appenders are serialised by the repository's
lock so the chain never forks.

Details are for context (ids, names, modes), never secrets: a key that looks like one
(password, secret, token, totp, code) is refused with ``ValueError``, a programming error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from xor_trading.core.errors import InputError, PermissionDeniedError
from xor_trading.domain.users import Role
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import audit_log as audit_repo
from xor_trading.security.audit_chain import (
    GENESIS_HASH,
    AuditEntry,
    ChainVerifier,
    Checkpoint,
    DetailValue,
    VerifyResult,
    canonical_details,
    make_entry,
)
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

__all__ = [
    "FORBIDDEN_DETAIL_WORDS",
    "AuditEntryView",
    "list_audit_entries",
    "record_audit",
    "verify_audit_log",
    "write_checkpoint",
]

FORBIDDEN_DETAIL_WORDS = ("password", "secret", "token", "totp", "code")
MAX_ACTION_LENGTH = 64
MAX_TARGET_TYPE_LENGTH = 32
VERIFY_BATCH = 20_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def datetime_of_ms(ms: int) -> datetime:
    """Epoch milliseconds to an aware UTC datetime, exactly (no float rounding)."""
    return _EPOCH + timedelta(milliseconds=ms)


def ms_of_datetime(at: datetime) -> int:
    """An aware datetime to epoch milliseconds, exactly (truncating microseconds)."""
    return (at - _EPOCH) // _MS


def _check_details(details: Mapping[str, DetailValue] | None) -> str:
    for key in details or {}:
        lowered = key.lower()
        if any(word in lowered for word in FORBIDDEN_DETAIL_WORDS):
            raise ValueError(
                f"audit detail {key!r} looks like a secret; audit entries never hold one"
            )
    return canonical_details(details)


def record_audit(
    session: DbSession,
    container: Container,
    *,
    actor_id: str | None,
    action: str,
    target_type: str,
    target_id: str | None,
    details: Mapping[str, DetailValue] | None = None,
    ip: str | None = None,
) -> None:
    """Append one entry (``action`` like ``"bot.create"``) in ``session``'s transaction.

    ``session`` must be a write transaction (``container.database.session()``). Appenders
    are serialised until the transaction ends (on PostgreSQL an advisory lock), so call
    this as the last step of the use case. Raises ``ValueError`` for a detail key that
    looks like a secret or an over-long name.
    """
    if not action or len(action) > MAX_ACTION_LENGTH:
        raise ValueError(f"audit action must be 1-{MAX_ACTION_LENGTH} characters: {action!r}")
    if not target_type or len(target_type) > MAX_TARGET_TYPE_LENGTH:
        raise ValueError(f"audit target_type must be 1-{MAX_TARGET_TYPE_LENGTH} characters")
    details_text = _check_details(details)
    at_ms = container.clock.now_ms()
    audit_repo.lock_for_append(session)
    current = audit_repo.head(session)
    seq, prev_hash = (1, GENESIS_HASH) if current is None else (current[0] + 1, current[1])
    entry = make_entry(
        prev_hash=prev_hash,
        seq=seq,
        at_ms=at_ms,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        details=details_text,
    )
    audit_repo.append(
        session,
        audit_repo.StoredEntry(
            seq=entry.seq,
            at=datetime_of_ms(at_ms),
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            ip=ip,
            details=details_text,
            prev_hash=prev_hash,
            hash=entry.hash,
        ),
    )


def _as_entry(row: audit_repo.StoredEntry) -> AuditEntry:
    return AuditEntry(
        row.seq,
        ms_of_datetime(row.at),
        row.actor_id,
        row.action,
        row.target_type,
        row.target_id,
        row.ip,
        row.details,
        row.prev_hash,
        row.hash,
    )


def verify_audit_log(
    container: Container, extra_checkpoints: Iterable[Checkpoint] = ()
) -> VerifyResult:
    """Verify the whole chain against the stored checkpoints and ``extra_checkpoints``
    (heads the operator kept outside the database). Reads in batches; read-only."""
    with container.database.read_session() as session:
        points = [Checkpoint(seq, h) for seq, h in audit_repo.checkpoints(session)]
        points.extend(extra_checkpoints)
        verifier = ChainVerifier()
        verifier.watch(p.seq for p in points)
        for batch in audit_repo.iter_batches(session, VERIFY_BATCH):
            verifier.feed(_as_entry(row) for row in batch)
            if verifier.broken:
                break
    return verifier.finish(points)


def write_checkpoint(container: Container) -> Checkpoint:
    """Store the current head (seq, hash) as a checkpoint and return it.

    Raises :class:`InputError` when the log is empty (there is nothing to pin).
    """
    with container.database.session() as session:
        audit_repo.lock_for_append(session)  # the head cannot move while we read it
        current = audit_repo.head(session)
        if current is None:
            raise InputError(
                "the audit log is empty, so there is no head to checkpoint",
                "write a checkpoint after the first audited action",
            )
        seq, hash_hex = current
        at = datetime_of_ms(container.clock.now_ms())
        audit_repo.add_checkpoint(session, seq=seq, hash_hex=hash_hex, at=at)
    return Checkpoint(seq, hash_hex)


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    """One entry as the API shows it (details parsed; hashes for external checking)."""

    seq: int
    at: datetime
    actor_id: str | None
    action: str
    target_type: str
    target_id: str | None
    ip: str | None
    details: dict[str, DetailValue]
    hash: str


def list_audit_entries(
    principal: Principal,
    container: Container,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntryView], int]:
    """Entries newest first with the total matching; admins only (403 otherwise)."""
    if not principal.allows(Role.ADMIN):
        raise PermissionDeniedError(
            "only administrators may read the audit log", "ask an administrator"
        )
    with container.database.read_session() as session:
        rows, total = audit_repo.list_entries(
            session,
            action=action,
            actor_id=actor_id,
            target_type=target_type,
            target_id=target_id,
            limit=limit,
            offset=offset,
        )
    views = [
        AuditEntryView(
            seq=row.seq,
            at=row.at,
            actor_id=row.actor_id,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            ip=row.ip,
            details=json.loads(row.details),
            hash=row.hash,
        )
        for row in rows
    ]
    return views, total
