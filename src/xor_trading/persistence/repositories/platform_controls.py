"""Queries on kill switches and platform risk caps, and the bot/user reads they need.

Owner scoping: a non-admin sees the switches of their own account (``owner_id``) and the
global ones, never another account's (:func:`list_switches` with ``owner_id``). The
cross-account reads here (:func:`find_bot`, :func:`bots_in_scope` without an owner,
:func:`bots_with_configs`) exist for administrators and the system actor; the service
decides who may call them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError

from xor_trading.core.errors import ConflictError
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bots import BotRow, BotVersionRow
from xor_trading.persistence.tables.platform_controls import (
    KillSwitchRow,
    KillSwitchScope,
    PlatformRiskLimitsRow,
)
from xor_trading.persistence.tables.risk_events import RiskEventKind, RiskEventRow
from xor_trading.persistence.tables.users import UserRow

# -- kill switches ----------------------------------------------------------------------------


def get_engaged(session: DbSession, key: str, *, for_update: bool = False) -> KillSwitchRow | None:
    """The engaged switch whose ``engaged_key`` is ``key``, or None."""
    query = select(KillSwitchRow).where(KillSwitchRow.engaged_key == key)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def engaged_among(session: DbSession, keys: Collection[str]) -> list[KillSwitchRow]:
    """The engaged switches whose key is one of ``keys`` (unordered)."""
    if not keys:
        return []
    query = select(KillSwitchRow).where(KillSwitchRow.engaged_key.in_(list(keys)))
    return list(session.scalars(query))


def add_switch(session: DbSession, row: KillSwitchRow) -> bool:
    """Insert ``row``; False (and nothing inserted) when a switch with the same
    ``engaged_key`` is already engaged, e.g. engaged concurrently by another request."""
    try:
        with session.begin_nested():  # a savepoint: a duplicate leaves the transaction usable
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def get_switch(
    session: DbSession, switch_id: str, *, for_update: bool = False
) -> KillSwitchRow | None:
    """The switch ``switch_id`` (engaged or not), or None. Visibility is the caller's check."""
    query = select(KillSwitchRow).where(KillSwitchRow.id == switch_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def list_switches(
    session: DbSession,
    *,
    owner_id: str | None,
    engaged: bool | None,
    scope: str | None,
    limit: int,
    offset: int,
) -> tuple[list[KillSwitchRow], int]:
    """One page of switches, newest engagement first, and how many match.

    ``owner_id`` given: only that account's switches and the global ones (what affects
    that user); None: every switch (administrators). ``engaged`` True: only engaged ones;
    False: only re-armed ones; None: both.
    """
    conditions: list[ColumnElement[bool]] = []
    if owner_id is not None:
        conditions.append(
            or_(
                KillSwitchRow.owner_id == owner_id,
                KillSwitchRow.scope == KillSwitchScope.GLOBAL.value,
            )
        )
    if engaged is True:
        conditions.append(KillSwitchRow.rearmed_at.is_(None))
    elif engaged is False:
        conditions.append(KillSwitchRow.rearmed_at.is_not(None))
    if scope is not None:
        conditions.append(KillSwitchRow.scope == scope)
    query = select(KillSwitchRow).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            query.order_by(KillSwitchRow.engaged_at.desc(), KillSwitchRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return rows, total


# -- bots and users the switches act on -----------------------------------------------------


def find_bot(session: DbSession, bot_id: str) -> BotRow | None:
    """Bot ``bot_id`` of any owner, unless deleted (administrators and the console only)."""
    query = select(BotRow).where(BotRow.id == bot_id, BotRow.deleted_at.is_(None))
    return session.scalars(query).one_or_none()


def bots_in_scope(
    session: DbSession, *, owner_id: str | None = None, bot_id: str | None = None
) -> list[BotRow]:
    """Bots (not deleted) of ``owner_id`` and/or ``bot_id`` when given (every bot
    otherwise), in *any* state, locked until the transaction ends, ordered by id.

    Every bot of the scope is locked, not only the running ones: a start that locked its
    idle bot first is waited for (and its new state seen), and a start that comes after
    waits for the switch to commit and then sees it, so no bot slips past an engagement.
    The fixed order keeps two engagements from deadlocking each other.
    """
    query = select(BotRow).where(BotRow.deleted_at.is_(None))
    if owner_id is not None:
        query = query.where(BotRow.owner_id == owner_id)
    if bot_id is not None:
        query = query.where(BotRow.id == bot_id)
    return list(session.scalars(query.order_by(BotRow.id).with_for_update()))


def owners_of_bots_in_state(session: DbSession, state: str) -> list[str]:
    """Distinct owners with at least one bot (not deleted) in ``state``, sorted."""
    query = (
        select(BotRow.owner_id)
        .where(BotRow.deleted_at.is_(None), BotRow.state == state)
        .distinct()
        .order_by(BotRow.owner_id)
    )
    return list(session.scalars(query))


def user_exists(session: DbSession, user_id: str) -> bool:
    """True when a user (active or not) has id ``user_id``."""
    return session.scalar(select(func.count()).where(UserRow.id == user_id)) == 1


def user_email(session: DbSession, user_id: str) -> str | None:
    """The email of ``user_id``, or None."""
    return session.scalar(select(UserRow.email).where(UserRow.id == user_id))


def user_id_by_email(session: DbSession, email: str) -> str | None:
    """The id of the user whose email is ``email`` (compared lower-cased), or None."""
    return session.scalar(select(UserRow.id).where(UserRow.email == email.strip().lower()))


def active_user_ids(session: DbSession) -> list[str]:
    """Every active user's id, sorted."""
    query = select(UserRow.id).where(UserRow.is_active.is_(True)).order_by(UserRow.id)
    return list(session.scalars(query))


def add_risk_event(
    session: DbSession,
    *,
    owner_id: str,
    bot_id: str | None,
    at: datetime,
    kind: RiskEventKind,
    rule: str,
    sentence: str,
    details: dict[str, str | int | bool | None],
) -> None:
    """Append a risk event of ``owner_id`` (``bot_id`` None: not tied to one bot)."""
    session.add(
        RiskEventRow(
            owner_id=owner_id,
            bot_id=bot_id,
            at=at,
            kind=kind.value,
            rule=rule,
            sentence=sentence,
            details=json.dumps(details, sort_keys=True),
        )
    )
    session.flush()


# -- platform risk limits ---------------------------------------------------------------------


def current_limits(session: DbSession) -> PlatformRiskLimitsRow | None:
    """The highest version of the caps, or None when none was ever saved."""
    query = select(PlatformRiskLimitsRow).order_by(PlatformRiskLimitsRow.version.desc()).limit(1)
    return session.scalars(query).first()


def add_limits(session: DbSession, row: PlatformRiskLimitsRow) -> None:
    """Insert a new version; :class:`ConflictError` when that version number was taken by
    a concurrent update (the caller computed it from the version it read)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            f"the platform risk limits were changed by another request (version {row.version} "
            "exists)",
            "read the limits again and retry",
        ) from None


def list_limits(
    session: DbSession, *, limit: int, offset: int
) -> tuple[list[PlatformRiskLimitsRow], int]:
    """One page of every version of the caps, newest first, and how many there are."""
    total = session.scalar(select(func.count()).select_from(PlatformRiskLimitsRow)) or 0
    query = (
        select(PlatformRiskLimitsRow)
        .order_by(PlatformRiskLimitsRow.version.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query)), total


def bots_with_configs(session: DbSession, batch: int = 500) -> Iterator[tuple[BotRow, str]]:
    """Every bot (not deleted, any owner) with the JSON text of its configuration in force,
    ordered by id, read ``batch`` at a time."""
    last = ""
    while True:
        query = (
            select(BotRow, BotVersionRow.config)
            .join(
                BotVersionRow,
                (BotVersionRow.bot_id == BotRow.id)
                & (BotVersionRow.version == BotRow.config_version),
            )
            .where(BotRow.deleted_at.is_(None), BotRow.id > last)
            .order_by(BotRow.id)
            .limit(batch)
        )
        rows = [(bot, config) for bot, config in session.execute(query)]
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1][0].id
