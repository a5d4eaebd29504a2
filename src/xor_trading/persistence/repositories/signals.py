"""Signals: owner-scoped lists and the insert a bot's runner uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories.orders import (
    Sort,
    SortColumn,
    fetch_page,
    time_conditions,
)
from xor_trading.persistence.tables.signals import SignalRow

SIGNAL_SORT_COLUMNS: dict[str, SortColumn] = {
    "at": SortColumn(SignalRow.at),
    "symbol": SortColumn(SignalRow.symbol),
    "kind": SortColumn(SignalRow.kind),
}


@dataclass(frozen=True, slots=True)
class SignalFilters:
    """Narrow a list of signals; ``since``/``until`` bound ``at`` (``since <= t < until``)."""

    bot_id: str | None = None
    symbol: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_signals(
    session: DbSession,
    owner_id: str,
    filters: SignalFilters,
    sort: Sort,
    limit: int,
    offset: int,
) -> tuple[list[SignalRow], int, bool]:
    """The owner's signals matching ``filters``, one page, how many match
    (counted up to a cap) and whether that count is exact (``fetch_page``)."""
    conditions: list[ColumnElement[bool]] = [SignalRow.owner_id == owner_id]
    if filters.bot_id is not None:
        conditions.append(SignalRow.bot_id == filters.bot_id)
    if filters.symbol is not None:
        conditions.append(SignalRow.symbol == filters.symbol)
    if filters.kind is not None:
        conditions.append(SignalRow.kind == filters.kind)
    conditions += time_conditions(SignalRow.at, filters.since, filters.until)
    return fetch_page(
        session,
        SignalRow,
        conditions,
        SIGNAL_SORT_COLUMNS,
        sort,
        limit,
        offset,
        time_column=SignalRow.at,
    )


def add_signal(
    session: DbSession,
    *,
    owner_id: str,
    bot_id: str,
    at: datetime,
    symbol: str,
    kind: str,
    strength: Decimal | None = None,
    details: dict[str, Any] | None = None,
) -> SignalRow:
    """Record one signal; ``details`` must be JSON-serialisable and hold no secrets."""
    row = SignalRow(
        owner_id=owner_id,
        bot_id=bot_id,
        at=at,
        symbol=symbol,
        kind=kind,
        strength=strength,
        details=json.dumps(details or {}, sort_keys=True, default=str),
    )
    session.add(row)
    return row
