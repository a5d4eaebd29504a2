"""Bot leases: acquire, renew, release, check (see ``tables/bot_leases.py``).

Every function runs in the caller's transaction and locks the lease row (PostgreSQL
``FOR UPDATE``; SQLite writers are serialised by ``BEGIN IMMEDIATE``), so an acquisition
and an intent write of the former owner never interleave: the intent is either on record
before the takeover, or refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bot_leases import BotLeaseRow


def lock_lease(session: DbSession, bot_id: str) -> BotLeaseRow | None:
    """The lease row of ``bot_id``, locked until the transaction ends; ``None`` if none."""
    return session.scalars(
        select(BotLeaseRow).where(BotLeaseRow.bot_id == bot_id).with_for_update()
    ).one_or_none()


def acquire_lease(
    session: DbSession, bot_id: str, worker_id: str, now: datetime, ttl: timedelta
) -> BotLeaseRow | None:
    """Take ``bot_id`` for ``worker_id`` until ``now + ttl`` with the next fencing token;
    ``None`` while another worker's lease has not expired.

    A first acquisition inserts the row (token 1): of two workers inserting at once, the
    one that loses the race on the primary key gets ``None``.
    """
    row = lock_lease(session, bot_id)
    if row is None:
        row = BotLeaseRow(
            bot_id=bot_id,
            worker_id=worker_id,
            fencing_token=1,
            acquired_at=now,
            renewed_at=now,
            expires_at=now + ttl,
        )
        try:
            with session.begin_nested():  # a savepoint: a lost race leaves the rest intact
                session.add(row)
                session.flush()
        except IntegrityError:
            return None
        return row
    if row.expires_at > now and row.worker_id != worker_id:
        return None
    row.worker_id = worker_id
    row.fencing_token += 1
    row.acquired_at = row.renewed_at = now
    row.expires_at = now + ttl
    session.flush()
    return row


def renew_lease(
    session: DbSession, bot_id: str, worker_id: str, token: int, now: datetime, ttl: timedelta
) -> BotLeaseRow | None:
    """Extend the lease to ``now + ttl`` if it still carries ``worker_id`` and ``token``
    (even past its expiry: nobody took it meanwhile); ``None`` when it was lost."""
    row = lock_lease(session, bot_id)
    if row is None or row.worker_id != worker_id or row.fencing_token != token:
        return None
    row.renewed_at = now
    row.expires_at = now + ttl
    session.flush()
    return row


def release_lease(
    session: DbSession, bot_id: str, worker_id: str, token: int, now: datetime
) -> bool:
    """End the lease now (another worker may take the bot at once) if it is still this
    worker's; whether it was."""
    row = lock_lease(session, bot_id)
    if row is None or row.worker_id != worker_id or row.fencing_token != token:
        return False
    row.expires_at = min(row.expires_at, now)
    session.flush()
    return True


def holds_lease(session: DbSession, bot_id: str, worker_id: str, token: int) -> bool:
    """Whether ``bot_id``'s lease, locked for the rest of the transaction, still carries
    ``worker_id`` and ``token`` (the fencing check of every order intent)."""
    row = lock_lease(session, bot_id)
    return row is not None and row.worker_id == worker_id and row.fencing_token == token
