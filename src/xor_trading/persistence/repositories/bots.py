"""Queries on bots, their configuration versions and their state history.

Every read takes the owner's id: another user's bot, its versions and its history are
simply not found (S1). Deleted bots (``deleted_at`` set) are not found either; their rows
stay because orders and trades refer to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from xor_trading.core.errors import ConflictError
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bots import BotRow, BotStateHistoryRow, BotVersionRow
from xor_trading.persistence.tables.exchange_credentials import ExchangeCredentialRow

BotSort = Literal["created_at", "updated_at", "name", "state"]
_SORT_COLUMNS = {
    "created_at": BotRow.created_at,
    "updated_at": BotRow.updated_at,
    "name": BotRow.name,
    "state": BotRow.state,
}


def _owned(owner_id: str) -> Select[BotRow]:
    return select(BotRow).where(BotRow.owner_id == owner_id, BotRow.deleted_at.is_(None))


def get_bot(
    session: DbSession, owner_id: str, bot_id: str, *, for_update: bool = False
) -> BotRow | None:
    """``owner_id``'s bot ``bot_id`` unless deleted; ``for_update`` locks it until the
    transaction ends (PostgreSQL ``FOR UPDATE``; SQLite writers are already serialised)."""
    query = _owned(owner_id).where(BotRow.id == bot_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def name_taken(
    session: DbSession, owner_id: str, name: str, *, except_bot_id: str | None = None
) -> bool:
    """True when another of ``owner_id``'s bots (not deleted) is called ``name``."""
    owned = _owned(owner_id).where(BotRow.name == name)
    if except_bot_id is not None:
        owned = owned.where(BotRow.id != except_bot_id)
    query = select(func.count()).select_from(owned.subquery())
    return bool(session.scalar(query))


def add_bot(session: DbSession, row: BotRow) -> BotRow:
    """Insert ``row``; raises :class:`ConflictError` when the owner has a bot of that name.

    The service checks the name first; this is the backstop for two concurrent creations.
    """
    try:
        with session.begin_nested():  # a savepoint: a duplicate leaves the transaction usable
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            f"you already have a bot called {row.name!r}", "choose another name"
        ) from None
    return row


def flush_bot(session: DbSession, row: BotRow) -> None:
    """Write changes of ``row`` now; a rename onto a taken name raises :class:`ConflictError`."""
    try:
        with session.begin_nested():
            session.flush([row])
    except IntegrityError:
        raise ConflictError(
            f"you already have a bot called {row.name!r}", "choose another name"
        ) from None


def list_bots(
    session: DbSession,
    owner_id: str,
    *,
    limit: int,
    offset: int,
    sort: BotSort = "created_at",
    descending: bool = False,
    state: str | None = None,
    mode: str | None = None,
    strategy: str | None = None,
) -> tuple[list[BotRow], int]:
    """One page of ``owner_id``'s bots and the total matching the filters (ties by id)."""
    query = _owned(owner_id)
    if state is not None:
        query = query.where(BotRow.state == state)
    if mode is not None:
        query = query.where(BotRow.mode == mode)
    if strategy is not None:
        query = query.where(BotRow.strategy == strategy)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    column = _SORT_COLUMNS[sort]
    order = (column.desc(), BotRow.id.desc()) if descending else (column.asc(), BotRow.id.asc())
    rows = list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))
    return rows, total


def current_configs(session: DbSession, owner_id: str, bot_ids: list[str]) -> dict[str, str]:
    """bot id -> the JSON text of the configuration version in force, for ``owner_id``'s
    bots among ``bot_ids`` (one query for a whole page of bots)."""
    if not bot_ids:
        return {}
    query = (
        select(BotVersionRow.bot_id, BotVersionRow.config)
        .join(
            BotRow,
            (BotRow.id == BotVersionRow.bot_id) & (BotRow.config_version == BotVersionRow.version),
        )
        .where(BotRow.owner_id == owner_id, BotRow.id.in_(bot_ids))
    )
    return {row[0]: row[1] for row in session.execute(query)}


# -- versions ---------------------------------------------------------------------------------


def add_version(
    session: DbSession,
    *,
    bot_id: str,
    version: int,
    config: str,
    created_at: datetime,
    created_by: str,
    reason: str,
) -> BotVersionRow:
    """Insert configuration ``version`` of ``bot_id`` (``config`` is its JSON text)."""
    row = BotVersionRow(
        bot_id=bot_id,
        version=version,
        config=config,
        created_at=created_at,
        created_by=created_by,
        reason=reason,
    )
    session.add(row)
    session.flush()
    return row


def _owned_versions(owner_id: str, bot_id: str) -> Select[BotVersionRow]:
    return (
        select(BotVersionRow)
        .join(BotRow, BotRow.id == BotVersionRow.bot_id)
        .where(
            BotVersionRow.bot_id == bot_id,
            BotRow.owner_id == owner_id,
            BotRow.deleted_at.is_(None),
        )
    )


def get_version(
    session: DbSession, owner_id: str, bot_id: str, version: int
) -> BotVersionRow | None:
    """Version ``version`` of ``owner_id``'s bot ``bot_id``, or None."""
    query = _owned_versions(owner_id, bot_id).where(BotVersionRow.version == version)
    return session.scalars(query).one_or_none()


def list_versions(
    session: DbSession, owner_id: str, bot_id: str, *, limit: int, offset: int
) -> tuple[list[BotVersionRow], int]:
    """One page of a bot's versions, newest first, and how many there are."""
    query = _owned_versions(owner_id, bot_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(query.order_by(BotVersionRow.version.desc()).limit(limit).offset(offset))
    )
    return rows, total


# -- state history ----------------------------------------------------------------------------


def add_state_change(
    session: DbSession,
    *,
    bot_id: str,
    from_state: str,
    to_state: str,
    reason: str,
    actor_id: str | None,
    at: datetime,
) -> BotStateHistoryRow:
    """Append a transition to ``bot_id``'s history, numbered after the last one.

    The caller holds the bot row locked (:func:`get_bot` ``for_update``), so two writers
    cannot take the same number; the unique (bot_id, sequence) constraint guards it anyway.
    """
    last = session.scalar(
        select(func.max(BotStateHistoryRow.sequence)).where(BotStateHistoryRow.bot_id == bot_id)
    )
    row = BotStateHistoryRow(
        bot_id=bot_id,
        sequence=(last or 0) + 1,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        actor_id=actor_id,
        at=at,
    )
    session.add(row)
    session.flush()
    return row


def list_state_history(
    session: DbSession, owner_id: str, bot_id: str, *, limit: int, offset: int
) -> tuple[list[BotStateHistoryRow], int]:
    """One page of ``owner_id``'s bot's transitions, newest first, and how many there are."""
    query = (
        select(BotStateHistoryRow)
        .join(BotRow, BotRow.id == BotStateHistoryRow.bot_id)
        .where(
            BotStateHistoryRow.bot_id == bot_id,
            BotRow.owner_id == owner_id,
            BotRow.deleted_at.is_(None),
        )
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            query.order_by(BotStateHistoryRow.sequence.desc()).limit(limit).offset(offset)
        )
    )
    return rows, total


# -- exchange credentials (read only: the exchange keys service owns them) ----------------


def credential_exchange(session: DbSession, owner_id: str, credential_id: str) -> str | None:
    """The exchange of ``owner_id``'s credential ``credential_id``; None when there is no such
    credential or it belongs to someone else."""
    return session.scalar(
        select(ExchangeCredentialRow.exchange).where(
            ExchangeCredentialRow.id == credential_id,
            ExchangeCredentialRow.owner_id == owner_id,
        )
    )
