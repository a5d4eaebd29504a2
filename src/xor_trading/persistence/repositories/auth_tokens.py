"""Queries on refresh tokens and recovery codes (stored as SHA-256 digests only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.auth_tokens import RecoveryCodeRow, RefreshTokenRow


def add_refresh_token(
    session: DbSession,
    *,
    user_id: str,
    family_id: str,
    token_hash: str,
    issued_at: datetime,
    expires_at: datetime,
    mfa_at_ms: int | None,
) -> RefreshTokenRow:
    row = RefreshTokenRow(
        user_id=user_id,
        family_id=family_id,
        token_hash=token_hash,
        issued_at=issued_at,
        expires_at=expires_at,
        mfa_at_ms=mfa_at_ms,
    )
    session.add(row)
    session.flush()
    return row


def find_refresh_token(session: DbSession, token_hash: str) -> RefreshTokenRow | None:
    return session.scalars(
        select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
    ).one_or_none()


def mark_refresh_token_used(session: DbSession, token_id: str, now: datetime) -> bool:
    """Mark a live token used; False when it was already used or revoked. One conditional
    UPDATE, so of two concurrent refreshes with the same token exactly one wins."""
    result = session.execute(
        update(RefreshTokenRow)
        .where(
            RefreshTokenRow.id == token_id,
            RefreshTokenRow.used_at.is_(None),
            RefreshTokenRow.revoked_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def revoke_family(session: DbSession, family_id: str, now: datetime, reason: str) -> int:
    """Revoke every not yet revoked token of a family; returns how many."""
    result = session.execute(
        update(RefreshTokenRow)
        .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke_user_tokens(session: DbSession, user_id: str, now: datetime, reason: str) -> int:
    """Revoke every family of a user (password change, deactivation); returns how many."""
    result = session.execute(
        update(RefreshTokenRow)
        .where(RefreshTokenRow.user_id == user_id, RefreshTokenRow.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def replace_recovery_codes(
    session: DbSession, user_id: str, code_hashes: Iterable[str], now: datetime
) -> None:
    """Delete a user's recovery codes and store new ones."""
    delete_recovery_codes(session, user_id)
    session.add_all(
        RecoveryCodeRow(user_id=user_id, code_hash=code_hash, created_at=now)
        for code_hash in code_hashes
    )
    session.flush()


def delete_recovery_codes(session: DbSession, user_id: str) -> None:
    session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))


def use_recovery_code(session: DbSession, user_id: str, code_hash: str, now: datetime) -> bool:
    """Consume an unused code of this user; False when there is none (wrong or used).
    One conditional UPDATE, so a code is accepted at most once even concurrently."""
    candidate = session.scalars(
        select(RecoveryCodeRow.id)
        .where(
            RecoveryCodeRow.user_id == user_id,
            RecoveryCodeRow.code_hash == code_hash,
            RecoveryCodeRow.used_at.is_(None),
        )
        .limit(1)
    ).first()
    if candidate is None:
        return False
    result = session.execute(
        update(RecoveryCodeRow)
        .where(RecoveryCodeRow.id == candidate, RecoveryCodeRow.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def count_unused_recovery_codes(session: DbSession, user_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                RecoveryCodeRow.user_id == user_id, RecoveryCodeRow.used_at.is_(None)
            )
        )
        or 0
    )
