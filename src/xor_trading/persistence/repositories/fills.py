"""Fills of the owner's bots: the owner-scoped list (``GET /fills``).

Another user's fills never match (S1): every query filters on ``owner_id``, whatever the
other filters say. Paging, sorting and the bounded total are ``fetch_page``'s
(``repositories.orders``, ADR 0013).

Performance contract: newest first for the owner walks ``ix_fills_owner_at``, for one of
their bots ``ix_fills_owner_bot_at``, and stops after ``offset + limit`` rows; the total
reads at most ``offset + COUNT_CAP + 1`` entries of the same index. A symbol or side
filter is checked on the rows the index walk reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories.orders import (
    Sort,
    SortColumn,
    fetch_page,
    time_conditions,
)
from xor_trading.persistence.tables.orders import FillRow

# Only index-backed sorts: any other column would read and sort every fill of the owner.
FILL_SORT_COLUMNS: dict[str, SortColumn] = {
    "at": SortColumn(FillRow.at),
}


@dataclass(frozen=True, slots=True)
class FillFilters:
    """Narrow a list of fills; ``since``/``until`` bound ``at`` (``since <= at < until``)."""

    bot_id: str | None = None
    symbol: str | None = None
    side: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_fills(
    session: DbSession,
    owner_id: str,
    filters: FillFilters,
    sort: Sort,
    limit: int,
    offset: int,
) -> tuple[list[FillRow], int, bool]:
    """The owner's fills matching ``filters``, one page, how many match (counted up to
    a cap) and whether that count is exact (``fetch_page``); ties on ``at`` by ``id``."""
    conditions: list[ColumnElement[bool]] = [FillRow.owner_id == owner_id]
    if filters.bot_id is not None:
        conditions.append(FillRow.bot_id == filters.bot_id)
    if filters.symbol is not None:
        conditions.append(FillRow.symbol == filters.symbol)
    if filters.side is not None:
        conditions.append(FillRow.side == filters.side)
    conditions += time_conditions(FillRow.at, filters.since, filters.until)
    return fetch_page(
        session,
        FillRow,
        conditions,
        FILL_SORT_COLUMNS,
        sort,
        limit,
        offset,
        time_column=FillRow.at,
    )
