"""Closed round trips: owner-scoped lists and reads (see ``repositories.orders`` for paging)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories.orders import (
    Sort,
    SortColumn,
    fetch_page,
    time_conditions,
)
from xor_trading.persistence.tables.trades import TradeRow

TRADE_SORT_COLUMNS: dict[str, SortColumn] = {
    "exit_at": SortColumn(TradeRow.exit_at),
    "entry_at": SortColumn(TradeRow.entry_at),
    "symbol": SortColumn(TradeRow.symbol),
    "net_pnl": SortColumn(TradeRow.net_pnl, numeric=True),
}


@dataclass(frozen=True, slots=True)
class TradeFilters:
    """Narrow a list of trades; ``since``/``until`` bound ``exit_at`` (``since <= t < until``)."""

    bot_id: str | None = None
    symbol: str | None = None
    side: str | None = None
    strategy: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def trade_conditions(owner_id: str, filters: TradeFilters) -> list[ColumnElement[bool]]:
    """The WHERE clause of :func:`list_trades` (analytics reuses it)."""
    conditions: list[ColumnElement[bool]] = [TradeRow.owner_id == owner_id]
    if filters.bot_id is not None:
        conditions.append(TradeRow.bot_id == filters.bot_id)
    if filters.symbol is not None:
        conditions.append(TradeRow.symbol == filters.symbol)
    if filters.side is not None:
        conditions.append(TradeRow.side == filters.side)
    if filters.strategy is not None:
        conditions.append(TradeRow.strategy == filters.strategy)
    return conditions + time_conditions(TradeRow.exit_at, filters.since, filters.until)


def list_trades(
    session: DbSession,
    owner_id: str,
    filters: TradeFilters,
    sort: Sort,
    limit: int,
    offset: int,
) -> tuple[list[TradeRow], int, bool]:
    """The owner's closed trades matching ``filters``, one page, how many match
    (counted up to a cap) and whether that count is exact (``fetch_page``)."""
    conditions = trade_conditions(owner_id, filters)
    return fetch_page(
        session,
        TradeRow,
        conditions,
        TRADE_SORT_COLUMNS,
        sort,
        limit,
        offset,
        time_column=TradeRow.exit_at,
    )


def all_trades(session: DbSession, owner_id: str, filters: TradeFilters) -> list[TradeRow]:
    """Every matching trade, oldest exit first (for analytics, which sum in Python)."""
    return list(
        session.scalars(
            select(TradeRow)
            .where(*trade_conditions(owner_id, filters))
            .order_by(TradeRow.exit_at.asc(), TradeRow.id.asc())
        ).all()
    )


def get_trade(session: DbSession, owner_id: str, trade_id: str) -> TradeRow | None:
    """The owner's trade ``trade_id``; ``None`` if it does not exist or is someone else's."""
    return session.scalar(
        select(TradeRow).where(TradeRow.id == trade_id, TradeRow.owner_id == owner_id)
    )
