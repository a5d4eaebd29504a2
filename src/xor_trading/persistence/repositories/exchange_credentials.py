"""Queries on exchange credentials. Every read takes the owner: another user's key is
*not found* (S1). The sealed columns are written and read as they are; sealing is the
services' job (security/envelope.py)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.persistence.tables.exchange_credentials import ExchangeCredentialRow


def add_credential(session: DbSession, row: ExchangeCredentialRow) -> ExchangeCredentialRow:
    """Insert ``row`` (its ``id`` set by the caller: the sealing AAD names it)."""
    session.add(row)
    session.flush()
    return row


def get_owned(
    session: DbSession, owner_id: str, credential_id: str, *, for_update: bool = False
) -> ExchangeCredentialRow | None:
    query = select(ExchangeCredentialRow).where(
        ExchangeCredentialRow.id == credential_id, ExchangeCredentialRow.owner_id == owner_id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def list_owned(
    session: DbSession, owner_id: str, *, limit: int = 50, offset: int = 0
) -> tuple[list[ExchangeCredentialRow], int]:
    """The owner's keys, newest first, and how many there are."""
    where = ExchangeCredentialRow.owner_id == owner_id
    total = session.execute(
        select(func.count()).select_from(ExchangeCredentialRow).where(where)
    ).scalar_one()
    rows = session.scalars(
        select(ExchangeCredentialRow)
        .where(where)
        .order_by(ExchangeCredentialRow.created_at.desc(), ExchangeCredentialRow.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def bots_using(session: DbSession, credential_id: str) -> list[str]:
    """Names of the bots (not deleted) that trade with this key."""
    return list(
        session.scalars(
            select(BotRow.name)
            .where(BotRow.exchange_credential_id == credential_id, BotRow.deleted_at.is_(None))
            .order_by(BotRow.name)
        )
    )


def delete_credential(session: DbSession, row: ExchangeCredentialRow) -> None:
    """Delete the key; deleted bots that used it forget it (their history stays)."""
    session.execute(
        update(BotRow)
        .where(BotRow.exchange_credential_id == row.id, BotRow.deleted_at.is_not(None))
        .values(exchange_credential_id=None)
    )
    session.delete(row)
    session.flush()


def all_for_update(session: DbSession) -> list[ExchangeCredentialRow]:
    """Every credential of every user, locked (KEK rotation only)."""
    return list(
        session.scalars(
            select(ExchangeCredentialRow).order_by(ExchangeCredentialRow.id).with_for_update()
        )
    )


def set_wrapped_dek(
    session: DbSession, row: ExchangeCredentialRow, *, kek_id: str, wrapped_dek: bytes
) -> None:
    """Store a re-wrapped DEK (KEK rotation); the ciphertext does not change."""
    row.kek_id = kek_id
    row.wrapped_dek = wrapped_dek
    session.flush()
