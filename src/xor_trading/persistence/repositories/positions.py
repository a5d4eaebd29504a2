"""Positions: owner-scoped lists, and the per-(bot, symbol) row the recorder updates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories.orders import Sort, SortColumn, fetch_page
from xor_trading.persistence.tables.positions import PositionRow

POSITION_SORT_COLUMNS: dict[str, SortColumn] = {
    "symbol": SortColumn(PositionRow.symbol),
    "updated_at": SortColumn(PositionRow.updated_at),
    "quantity": SortColumn(PositionRow.quantity, numeric=True),
}


@dataclass(frozen=True, slots=True)
class PositionFilters:
    """Narrow a list of positions; ``open_only`` drops flat ones (quantity zero)."""

    bot_id: str | None = None
    symbol: str | None = None
    open_only: bool = False


def list_positions(
    session: DbSession,
    owner_id: str,
    filters: PositionFilters,
    sort: Sort,
    limit: int,
    offset: int,
) -> tuple[list[PositionRow], int, bool]:
    """The owner's positions matching ``filters``, one page, how many match
    (counted up to a cap) and whether that count is exact (``fetch_page``)."""
    conditions: list[ColumnElement[bool]] = [PositionRow.owner_id == owner_id]
    if filters.bot_id is not None:
        conditions.append(PositionRow.bot_id == filters.bot_id)
    if filters.symbol is not None:
        conditions.append(PositionRow.symbol == filters.symbol)
    if filters.open_only:
        # Flat is stored as the canonical zero on both back ends ("0" on SQLite).
        conditions.append(PositionRow.quantity != Decimal(0))
    return fetch_page(session, PositionRow, conditions, POSITION_SORT_COLUMNS, sort, limit, offset)


def get_position(session: DbSession, bot_id: str, symbol: str) -> PositionRow | None:
    """The bot's row for ``symbol`` (for the recorder, which acts for one bot)."""
    return session.scalar(
        select(PositionRow).where(PositionRow.bot_id == bot_id, PositionRow.symbol == symbol)
    )
