"""Reads and writes of client accounts, deposits and fee charges.

Every read takes ``owner_id`` and filters on it: another user's deposit is not found (S1).
Balance changes happen under :func:`lock_account`, which serialises the writers of one
account on both back ends (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers already
hold the database write lock from ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.client_funds import (
    DEFAULT_CURRENCY,
    DEFAULT_FEE_KIND,
    DEFAULT_FEE_RATE,
    ClientAccountRow,
    DepositRow,
    FeeChargeRow,
)
from xor_trading.persistence.tables.users import UserRow
from xor_trading.persistence.types import new_id

DEPOSIT_SORTS = {"created_at": DepositRow.created_at, "amount": DepositRow.amount}
FEE_CHARGE_SORTS = {"at": FeeChargeRow.at, "amount": FeeChargeRow.amount}
Direction = Literal["asc", "desc"]
RowT = TypeVar("RowT")


def user_exists(session: DbSession, user_id: str) -> bool:
    """True when a user with this id exists (active or not)."""
    return session.scalar(select(func.count()).where(UserRow.id == user_id)) == 1


def find_account(session: DbSession, owner_id: str) -> ClientAccountRow | None:
    """The account of ``owner_id`` without locking it (for reads)."""
    return session.scalar(select(ClientAccountRow).where(ClientAccountRow.owner_id == owner_id))


def lock_account(session: DbSession, owner_id: str, now: datetime) -> ClientAccountRow:
    """The account of ``owner_id``, created if missing, locked until the transaction ends.

    Creation is ``INSERT ... ON CONFLICT DO NOTHING`` so that two first requests of one
    user racing each other both succeed and share one account.
    """
    values = {
        "id": new_id(),
        "owner_id": owner_id,
        "currency": DEFAULT_CURRENCY,
        "balance": Decimal(0),
        "fee_kind": DEFAULT_FEE_KIND,
        "fee_rate": DEFAULT_FEE_RATE,
        "created_at": now,
        "updated_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        pg_insert = postgresql.insert(ClientAccountRow).values(values)
        session.execute(pg_insert.on_conflict_do_nothing(index_elements=["owner_id"]))
    else:
        lite_insert = sqlite.insert(ClientAccountRow).values(values)
        session.execute(lite_insert.on_conflict_do_nothing(index_elements=["owner_id"]))
    account = session.scalar(
        select(ClientAccountRow)
        .where(ClientAccountRow.owner_id == owner_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert account is not None  # inserted above or by a concurrent transaction
    return account


def find_deposit_by_key(
    session: DbSession, owner_id: str, idempotency_key: str
) -> DepositRow | None:
    """The deposit ``owner_id`` made with ``idempotency_key``, if any."""
    return session.scalar(
        select(DepositRow).where(
            DepositRow.owner_id == owner_id, DepositRow.idempotency_key == idempotency_key
        )
    )


def pending_deposits(session: DbSession, owner_id: str) -> list[DepositRow]:
    """The pending deposits of ``owner_id``, oldest first."""
    query = (
        select(DepositRow)
        .where(DepositRow.owner_id == owner_id, DepositRow.status == "pending")
        .order_by(DepositRow.created_at, DepositRow.id)
    )
    return list(session.scalars(query))


def _page(
    session: DbSession, query: Select[RowT], limit: int, offset: int
) -> tuple[list[RowT], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    return rows, int(total or 0)


def list_deposits(
    session: DbSession,
    owner_id: str,
    *,
    limit: int,
    offset: int,
    status: str | None = None,
    sort: str = "created_at",
    direction: Direction = "desc",
) -> tuple[list[DepositRow], int]:
    """One page of ``owner_id``'s deposits (optionally of one status) and the total."""
    column = DEPOSIT_SORTS[sort]
    query = select(DepositRow).where(DepositRow.owner_id == owner_id)
    if status is not None:
        query = query.where(DepositRow.status == status)
    ordered = column.desc() if direction == "desc" else column.asc()
    # The id breaks ties so that pages never overlap or skip rows.
    return _page(session, query.order_by(ordered, DepositRow.id), limit, offset)


def find_fee_charge(session: DbSession, trade_id: str) -> FeeChargeRow | None:
    """The fee charge of ``trade_id`` (of any owner: trade ids are unique)."""
    return session.scalar(select(FeeChargeRow).where(FeeChargeRow.trade_id == trade_id))


def list_fee_charges(
    session: DbSession,
    owner_id: str,
    *,
    limit: int,
    offset: int,
    sort: str = "at",
    direction: Direction = "desc",
) -> tuple[list[FeeChargeRow], int]:
    """One page of ``owner_id``'s fee charges and the total."""
    column = FEE_CHARGE_SORTS[sort]
    ordered = column.desc() if direction == "desc" else column.asc()
    query = (
        select(FeeChargeRow)
        .where(FeeChargeRow.owner_id == owner_id)
        .order_by(ordered, FeeChargeRow.id)
    )
    return _page(session, query, limit, offset)


def ledger_totals(session: DbSession, owner_id: str) -> tuple[Decimal, Decimal]:
    """``(sum of succeeded deposits, sum of fee charges)`` of ``owner_id``, exact.

    Summed in Python: SQLite stores exact decimals as text, and its ``SUM`` would turn
    them into floats.
    """
    deposits = session.scalars(
        select(DepositRow.amount).where(
            DepositRow.owner_id == owner_id, DepositRow.status == "succeeded"
        )
    )
    fees = session.scalars(select(FeeChargeRow.amount).where(FeeChargeRow.owner_id == owner_id))
    return sum(deposits, Decimal(0)), sum(fees, Decimal(0))
