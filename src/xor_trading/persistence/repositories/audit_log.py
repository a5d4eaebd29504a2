"""Queries on the audit log: append under a lock, read the head, scan in batches, list.

The hash chain itself is computed by the services (security/audit_chain.py); this module
stores and reads plain values. Appenders are serialised so that two transactions never
read the same head: PostgreSQL takes a transaction-scoped advisory lock
(:data:`APPEND_LOCK_KEY`), SQLite writers already hold the database write lock
(``BEGIN IMMEDIATE``, persistence/database.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, insert, select, text

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.audit_log import AuditCheckpointRow, AuditEntryRow

APPEND_LOCK_KEY = 0x584F5241  # "XORA": one constant for every appender of one database
DEFAULT_BATCH = 10_000


class StoredEntry(NamedTuple):
    """One row of ``audit_log`` as plain values (a tuple: the verifier reads 100,000s)."""

    seq: int
    at: datetime
    actor_id: str | None
    action: str
    target_type: str
    target_id: str | None
    ip: str | None
    details: str
    prev_hash: str
    hash: str


_COLUMNS = (
    AuditEntryRow.seq,
    AuditEntryRow.at,
    AuditEntryRow.actor_id,
    AuditEntryRow.action,
    AuditEntryRow.target_type,
    AuditEntryRow.target_id,
    AuditEntryRow.ip,
    AuditEntryRow.details,
    AuditEntryRow.prev_hash,
    AuditEntryRow.hash,
)


def lock_for_append(session: DbSession) -> None:
    """Serialise appenders until this transaction ends (call before :func:`head`)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})


def head(session: DbSession) -> tuple[int, str] | None:
    """``(seq, hash)`` of the last entry, or ``None`` when the log is empty."""
    row = session.execute(
        select(AuditEntryRow.seq, AuditEntryRow.hash).order_by(AuditEntryRow.seq.desc()).limit(1)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def append(session: DbSession, entry: StoredEntry) -> None:
    """Insert one entry now (in the caller's transaction); ``seq`` must be head + 1."""
    session.execute(
        insert(AuditEntryRow).values(
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            ip=entry.ip,
            details=entry.details,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
    )


def iter_batches(
    session: DbSession, batch_size: int = DEFAULT_BATCH
) -> Iterator[list[StoredEntry]]:
    """Every entry in ascending ``seq``, ``batch_size`` at a time (keyset pagination)."""
    after = None
    while True:
        query = select(*_COLUMNS).order_by(AuditEntryRow.seq).limit(batch_size)
        if after is not None:
            query = query.where(AuditEntryRow.seq > after)
        # Core execution on the session's connection: no ORM row processing (3x faster).
        batch = [StoredEntry._make(row) for row in session.connection().execute(query).all()]
        if not batch:
            return
        yield batch
        if len(batch) < batch_size:
            return
        after = batch[-1].seq


def list_entries(
    session: DbSession,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[StoredEntry], int]:
    """Entries matching every given filter, newest first, and how many match in all.

    ``action`` matches exactly, or as a prefix when it ends with ``.`` (``"bot."``).
    """
    conditions = []
    if action is not None:
        if action.endswith("."):
            conditions.append(AuditEntryRow.action.startswith(action, autoescape=True))
        else:
            conditions.append(AuditEntryRow.action == action)
    if actor_id is not None:
        conditions.append(AuditEntryRow.actor_id == actor_id)
    if target_type is not None:
        conditions.append(AuditEntryRow.target_type == target_type)
    if target_id is not None:
        conditions.append(AuditEntryRow.target_id == target_id)
    total = session.execute(
        select(func.count()).select_from(AuditEntryRow).where(*conditions)
    ).scalar_one()
    rows = session.execute(
        select(*_COLUMNS)
        .where(*conditions)
        .order_by(AuditEntryRow.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    return [StoredEntry._make(row) for row in rows], int(total)


def add_checkpoint(session: DbSession, *, seq: int, hash_hex: str, at: datetime) -> None:
    """Record a head; a checkpoint already at ``seq`` is left as it is."""
    if session.get(AuditCheckpointRow, seq) is None:
        session.add(AuditCheckpointRow(seq=seq, hash=hash_hex, at=at))
        session.flush()


def checkpoints(session: DbSession) -> list[tuple[int, str]]:
    """Every stored checkpoint ``(seq, hash)``, oldest first."""
    rows = session.execute(
        select(AuditCheckpointRow.seq, AuditCheckpointRow.hash).order_by(AuditCheckpointRow.seq)
    )
    return [(int(seq), str(hash_hex)) for seq, hash_hex in rows]
