"""Risk events: owner-scoped lists and the insert the recorder uses."""

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
from xor_trading.persistence.tables.risk_events import RiskEventRow

RISK_EVENT_SORT_COLUMNS: dict[str, SortColumn] = {
    "at": SortColumn(RiskEventRow.at),
    "kind": SortColumn(RiskEventRow.kind),
    "rule": SortColumn(RiskEventRow.rule),
}


@dataclass(frozen=True, slots=True)
class RiskEventFilters:
    """Narrow a list of risk events; ``since``/``until`` bound ``at`` (``since <= t < until``)."""

    bot_id: str | None = None
    kind: str | None = None
    rule: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_risk_events(
    session: DbSession,
    owner_id: str,
    filters: RiskEventFilters,
    sort: Sort,
    limit: int,
    offset: int,
) -> tuple[list[RiskEventRow], int, bool]:
    """The owner's risk events matching ``filters``, one page, how many match
    (counted up to a cap) and whether that count is exact (``fetch_page``)."""
    conditions: list[ColumnElement[bool]] = [RiskEventRow.owner_id == owner_id]
    if filters.bot_id is not None:
        conditions.append(RiskEventRow.bot_id == filters.bot_id)
    if filters.kind is not None:
        conditions.append(RiskEventRow.kind == filters.kind)
    if filters.rule is not None:
        conditions.append(RiskEventRow.rule == filters.rule)
    conditions += time_conditions(RiskEventRow.at, filters.since, filters.until)
    return fetch_page(
        session,
        RiskEventRow,
        conditions,
        RISK_EVENT_SORT_COLUMNS,
        sort,
        limit,
        offset,
        time_column=RiskEventRow.at,
    )
