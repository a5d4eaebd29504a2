"""Queries on alert channels and their deliveries. Every read of a channel takes the
owner: another user's channel is *not found* (S1). The sealed columns are stored as they
are; sealing and opening is the services' job (security/envelope.py)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.alert_channels import AlertChannelRow, AlertDeliveryRow


def add_channel(session: DbSession, row: AlertChannelRow) -> AlertChannelRow:
    """Insert ``row`` (its ``id`` set by the caller: the sealing AAD names it)."""
    session.add(row)
    session.flush()
    return row


def get_owned(
    session: DbSession, owner_id: str, channel_id: str, *, for_update: bool = False
) -> AlertChannelRow | None:
    """``owner_id``'s channel ``channel_id``, or None (also for another user's channel)."""
    query = select(AlertChannelRow).where(
        AlertChannelRow.id == channel_id, AlertChannelRow.owner_id == owner_id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def count_owned(session: DbSession, owner_id: str) -> int:
    """How many channels ``owner_id`` has."""
    query = select(func.count()).select_from(AlertChannelRow)
    return int(session.execute(query.where(AlertChannelRow.owner_id == owner_id)).scalar_one())


def list_owned(
    session: DbSession, owner_id: str, *, limit: int, offset: int
) -> tuple[list[AlertChannelRow], int]:
    """One page of the owner's channels, oldest first (ties by id), and how many there are."""
    where = AlertChannelRow.owner_id == owner_id
    total = session.execute(
        select(func.count()).select_from(AlertChannelRow).where(where)
    ).scalar_one()
    rows = session.scalars(
        select(AlertChannelRow)
        .where(where)
        .order_by(AlertChannelRow.created_at, AlertChannelRow.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def enabled_for_owner(session: DbSession, owner_id: str) -> list[AlertChannelRow]:
    """The owner's enabled channels (the caller filters them by event), oldest first."""
    return list(
        session.scalars(
            select(AlertChannelRow)
            .where(AlertChannelRow.owner_id == owner_id, AlertChannelRow.enabled.is_(True))
            .order_by(AlertChannelRow.created_at, AlertChannelRow.id)
        )
    )


def delete_channel(session: DbSession, row: AlertChannelRow) -> None:
    """Delete the channel and its delivery log."""
    session.execute(delete(AlertDeliveryRow).where(AlertDeliveryRow.channel_id == row.id))
    session.delete(row)
    session.flush()


def add_delivery(session: DbSession, row: AlertDeliveryRow) -> AlertDeliveryRow:
    """Record one delivery attempt."""
    session.add(row)
    session.flush()
    return row


def list_deliveries(
    session: DbSession, owner_id: str, channel_id: str, *, limit: int, offset: int
) -> tuple[list[AlertDeliveryRow], int] | None:
    """One page of the channel's deliveries, newest first, and how many there are; None
    when ``owner_id`` has no such channel."""
    if get_owned(session, owner_id, channel_id) is None:
        return None
    where = AlertDeliveryRow.channel_id == channel_id
    total = session.execute(
        select(func.count()).select_from(AlertDeliveryRow).where(where)
    ).scalar_one()
    rows = session.scalars(
        select(AlertDeliveryRow)
        .where(where)
        .order_by(AlertDeliveryRow.at.desc(), AlertDeliveryRow.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def all_for_update(session: DbSession) -> list[AlertChannelRow]:
    """Every channel of every user, locked (KEK rotation only)."""
    return list(
        session.scalars(select(AlertChannelRow).order_by(AlertChannelRow.id).with_for_update())
    )
