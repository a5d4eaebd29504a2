"""Queries on users. Emails are stored normalised (the service lower-cases them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from xor_trading.core.errors import ConflictError
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.users import UserRow

UserSort = Literal["created_at", "email", "role"]
_SORT_COLUMNS = {
    "created_at": UserRow.created_at,
    "email": UserRow.email,
    "role": UserRow.role,
}


@dataclass(frozen=True, slots=True)
class UserAuthState:
    """What checking an access token needs of a user, and nothing else.

    ``password_changed_at`` is aware UTC; ``role`` is the stored text (the caller maps it
    to :class:`~xor_trading.domain.users.Role` and refuses unknown values).
    """

    is_active: bool
    role: str
    password_changed_at: datetime
    mfa_enabled: bool


_AUTH_STATE_QUERY = select(
    UserRow.is_active, UserRow.role, UserRow.password_changed_at, UserRow.mfa_enabled
)


def get_user(session: DbSession, user_id: str) -> UserRow | None:
    return session.get(UserRow, user_id)


def get_auth_state(session: DbSession, user_id: str) -> UserAuthState | None:
    """The user's :class:`UserAuthState`, ``None`` when there is no such user.

    Four columns by primary key without building an ORM object (the whole row, with its
    sealed TOTP columns, costs several times more to load): read on every request whose
    caller is not in the authentication cache.
    """
    row = session.execute(_AUTH_STATE_QUERY.where(UserRow.id == user_id)).one_or_none()
    if row is None:
        return None
    return UserAuthState(
        is_active=bool(row[0]),
        role=row[1],
        password_changed_at=row[2],
        mfa_enabled=bool(row[3]),
    )


def get_user_for_update(session: DbSession, user_id: str) -> UserRow | None:
    """The row locked until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite's
    writer transactions are already serialised by ``BEGIN IMMEDIATE``)."""
    return session.scalars(
        select(UserRow).where(UserRow.id == user_id).with_for_update()
    ).one_or_none()


def get_user_by_email(
    session: DbSession, email: str, *, for_update: bool = False
) -> UserRow | None:
    query = select(UserRow).where(UserRow.email == email)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def add_user(
    session: DbSession, *, email: str, password_hash: str, role: str, now: datetime
) -> UserRow:
    """Insert a user; raises :class:`ConflictError` when the email is taken."""
    row = UserRow(
        email=email,
        password_hash=password_hash,
        role=role,
        is_active=True,
        created_at=now,
        updated_at=now,
        password_changed_at=now,
    )
    try:
        # A savepoint, so that a duplicate email leaves the outer transaction usable.
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            "a user with this email already exists",
            "log in instead, or use another email address",
        ) from None
    return row


def list_users(
    session: DbSession,
    *,
    limit: int,
    offset: int,
    sort: UserSort = "created_at",
    descending: bool = False,
    role: str | None = None,
    is_active: bool | None = None,
) -> tuple[list[UserRow], int]:
    """One page of users and the total matching the filters (ties broken by id)."""
    query = select(UserRow)
    if role is not None:
        query = query.where(UserRow.role == role)
    if is_active is not None:
        query = query.where(UserRow.is_active == is_active)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    column = _SORT_COLUMNS[sort]
    order = (column.desc(), UserRow.id.desc()) if descending else (column.asc(), UserRow.id.asc())
    rows = list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))
    return rows, total


def count_active_admins(session: DbSession) -> int:
    return (
        session.scalar(
            select(func.count()).where(UserRow.role == "admin", UserRow.is_active.is_(True))
        )
        or 0
    )


def lock_active_admins(session: DbSession) -> list[str]:
    """Ids of the active admins, locked (PostgreSQL) so that two concurrent demotions
    cannot both see another admin left."""
    return list(
        session.scalars(
            select(UserRow.id)
            .where(UserRow.role == "admin", UserRow.is_active.is_(True))
            .order_by(UserRow.id)
            .with_for_update()
        )
    )


def claim_totp_step(session: DbSession, user_id: str, step: int) -> bool:
    """Record ``step`` as the last used TOTP step if it is strictly later than the stored
    one; False when it is not (a replay). One conditional UPDATE, so two concurrent
    requests with the same code cannot both succeed."""
    result = session.execute(
        update(UserRow)
        .where(
            UserRow.id == user_id,
            or_(UserRow.totp_last_used_step.is_(None), UserRow.totp_last_used_step < step),
        )
        .values(totp_last_used_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
