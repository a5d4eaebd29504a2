"""A live bot's private stream status: written by its run, read with its lease (see
``tables/bot_stream_status.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bot_leases import BotLeaseRow
from xor_trading.persistence.tables.bot_stream_status import BotStreamStatusRow


@dataclass(frozen=True, slots=True)
class StreamStatusRecord:
    """What a run records (``changed_at_ms``: epoch ms)."""

    state: str
    orders_held: bool
    drops: int
    stalls: int
    changed_at_ms: int


def save_stream_status(
    session: DbSession, bot_id: str, fencing_token: int, record: StreamStatusRecord, now: datetime
) -> bool:
    """Record ``bot_id``'s status for the run of ``fencing_token``; whether it was written
    (a row of a later run, a higher token, is never overwritten)."""
    row = session.scalars(
        select(BotStreamStatusRow).where(BotStreamStatusRow.bot_id == bot_id).with_for_update()
    ).one_or_none()
    if row is None:
        row = BotStreamStatusRow(bot_id=bot_id, fencing_token=fencing_token, updated_at=now)
        _fill(row, record)
        try:
            with session.begin_nested():  # a savepoint: a lost race leaves the rest intact
                session.add(row)
                session.flush()
        except IntegrityError:  # another run inserted first (a takeover): its row stands
            return False
        return True
    if row.fencing_token > fencing_token:
        return False
    row.fencing_token = fencing_token
    row.updated_at = now
    _fill(row, record)
    session.flush()
    return True


def _fill(row: BotStreamStatusRow, record: StreamStatusRecord) -> None:
    row.state = record.state
    row.orders_held = record.orders_held
    row.drops = record.drops
    row.stalls = record.stalls
    row.changed_at_ms = record.changed_at_ms


def delete_stream_status(session: DbSession, bot_id: str, fencing_token: int) -> None:
    """Forget the status of the run of ``fencing_token`` (not a later run's)."""
    session.execute(
        delete(BotStreamStatusRow).where(
            BotStreamStatusRow.bot_id == bot_id, BotStreamStatusRow.fencing_token == fencing_token
        )
    )


def current_stream_statuses(
    session: DbSession, bot_ids: Sequence[str], now: datetime
) -> dict[str, StreamStatusRecord]:
    """The status of each of ``bot_ids`` whose run still holds the bot's lease at ``now``
    (same token, not expired); bots without one are absent."""
    if not bot_ids:
        return {}
    rows = session.scalars(
        select(BotStreamStatusRow)
        .join(
            BotLeaseRow,
            (BotLeaseRow.bot_id == BotStreamStatusRow.bot_id)
            & (BotLeaseRow.fencing_token == BotStreamStatusRow.fencing_token),
        )
        .where(BotStreamStatusRow.bot_id.in_(list(bot_ids)), BotLeaseRow.expires_at > now)
    ).all()
    return {
        row.bot_id: StreamStatusRecord(
            row.state, row.orders_held, row.drops, row.stalls, row.changed_at_ms
        )
        for row in rows
    }
