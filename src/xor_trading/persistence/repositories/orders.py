"""Orders and fills: owner-scoped lists and reads, and the paging helper every record list uses.

Every read takes ``owner_id`` and filters on it: another user's order is *not found*
(``None``), never *forbidden* (S1). Lists return ``(rows, total, total_exact)``: ``total``
counts the rows matching the filters, regardless of ``limit``/``offset``, but stops
counting :data:`COUNT_CAP` rows past ``offset`` (``total_exact`` is then false and
``total`` is a lower bound; ADR 0013).

Performance contract: the default list (newest first, optionally narrowed to one bot,
status or symbol) walks one of the ``ix_orders_owner_*_created`` indexes and stops after
``offset + limit`` rows; the count reads at most ``offset + COUNT_CAP + 1`` entries of a
narrow index of the owner (no table rows for the common filters).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Float, Select, cast, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute

from xor_trading.persistence.base import Base
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.orders import FillRow, OrderRow

RowT = TypeVar("RowT", bound=Base)

COUNT_CAP = 1_000
"""How many matching rows past ``offset`` a list counts before it stops (ADR 0013)."""


@dataclass(frozen=True, slots=True)
class SortColumn:
    """A column a list may be sorted by; ``numeric`` marks exact decimals (text on SQLite)."""

    column: InstrumentedAttribute[Any]
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class Sort:
    """Sort by the whitelisted column ``name``, descending when ``descending``."""

    name: str
    descending: bool = True


def fetch_page(
    session: DbSession,
    model: type[RowT],
    conditions: Sequence[ColumnElement[bool]],
    sort_columns: Mapping[str, SortColumn],
    sort: Sort,
    limit: int,
    offset: int,
    time_column: InstrumentedAttribute[datetime] | None = None,
    count_cap: int = COUNT_CAP,
) -> tuple[list[RowT], int, bool]:
    """One page of ``model`` rows matching ``conditions``, the total and whether it is exact.

    ``sort.name`` must be a key of ``sort_columns`` (services validate it first and answer
    with the allowed names; here an unknown name is a bug: ``KeyError``). Ties are broken by
    ``time_column`` (the table's natural time) and then ``id``, in the same direction, so
    pages never overlap or skip rows, and an index ``(owner_id, <sort column>, <time>,
    id)`` serves the whole ORDER BY. Decimal columns are sorted numerically: on SQLite,
    where they are stored as text, through ``CAST(... AS REAL)`` (order exact to 15
    significant digits, closer values fall back to the tie-breakers).

    The total: ``COUNT(*)`` over at most ``offset + count_cap + 1`` matching rows
    (``SELECT count(*) FROM (SELECT 1 ... LIMIT n)``), computed in the page's own statement
    (a second one only for an empty page): exact when fewer match, else ``(offset +
    count_cap, False)``, "at least this many". A full count of 100,000 index entries
    costs about 10 ms on SQLite and blocks a worker for each page; the bounded one costs
    about a tenth of that, whatever the table size. ``total_exact`` false never hides the
    next page: ``total > offset + limit``.
    """
    spec = sort_columns[sort.name]
    expr: ColumnElement[Any] = spec.column.expression
    if spec.numeric and session.get_bind().dialect.name == "sqlite":
        expr = cast(spec.column, Float)
    keys = [expr]
    if time_column is not None and time_column is not spec.column:
        keys.append(time_column.expression)
    keys.append(model.id)  # type: ignore[attr-defined]  # every table has an id
    order = [key.desc() if sort.descending else key.asc() for key in keys]
    bound = offset + count_cap
    # One statement: the page and, as an uncorrelated scalar subquery (evaluated once),
    # the bounded count. One round trip instead of two, and on PostgreSQL's autocommit
    # reads one snapshot, so the total always agrees with the page.
    matching: Select[tuple[int]] = select(literal_column("1")).select_from(model).where(*conditions)
    total = select(func.count()).select_from(matching.limit(bound + 1).subquery())
    page = session.execute(
        select(model, total.scalar_subquery())
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    ).all()
    rows = [row for row, _ in page]
    # Past the end (or nothing matches) the page carried no count: ask for it alone.
    counted = int(page[0][1]) if rows else session.scalar(total) or 0
    if counted > bound:
        return rows, bound, False
    return rows, counted, True


def time_conditions(
    column: InstrumentedAttribute[datetime], since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    """``since <= column < until`` (either end open when ``None``)."""
    out: list[ColumnElement[bool]] = []
    if since is not None:
        out.append(column >= since)
    if until is not None:
        out.append(column < until)
    return out


CLIENT_ORDER_ID_PATTERN = r"^x[0-9a-f]{6}-[0-9a-f]{28}$"
"""Every client order id of every XOR bot (:func:`client_order_id_for`): how a bot tells the
orders of the other bots sharing its exchange account from manual ones."""


def client_order_id_prefix_for(bot_id: str) -> str:
    """What every client order id of ``bot_id`` starts with: ``x`` + 6 hex digits of
    SHA-256 of the bot id + ``-`` (8 characters). Two bots on one account collide with a
    chance of 1 in 16.7 million; the reconciler then sees the other's orders as foreign
    and halts (fails closed)."""
    return f"x{hashlib.sha256(bot_id.encode()).hexdigest()[:6]}-"


def client_order_id_for(bot_id: str, order_id: str) -> str:
    """The venue client order id of a bot's order intent: deterministic, 36 characters.

    The same (bot, engine order id) always gives the same id, so an intent re-sent after a
    timeout is recognised by the venue instead of becoming a second order. The bot's prefix
    (:func:`client_order_id_prefix_for`, 8 characters) plus 112 bits of SHA-256 of
    ``bot:order`` (28 hex digits) fits Binance's ``newClientOrderId`` (at most 36 of
    ``[.A-Z:/a-z0-9_-]``). The single source of client order ids: the intent journal, the
    recorder and the live venue all call it.
    """
    digest = hashlib.sha256(f"{bot_id}:{order_id}".encode()).hexdigest()
    return f"{client_order_id_prefix_for(bot_id)}{digest[:28]}"


# Only index-backed sorts: with 100,000 orders any other sort reads and sorts them all.
ORDER_SORT_COLUMNS: dict[str, SortColumn] = {
    "created_at": SortColumn(OrderRow.created_at),
    "symbol": SortColumn(OrderRow.symbol),
    "status": SortColumn(OrderRow.status),
}


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """Narrow a list of orders; ``since <= created_at < until`` (either end optional)."""

    bot_id: str | None = None
    symbol: str | None = None
    status: str | None = None
    side: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_orders(
    session: DbSession,
    owner_id: str,
    filters: OrderFilters,
    sort: Sort,
    limit: int,
    offset: int,
) -> tuple[list[OrderRow], int, bool]:
    """The owner's orders matching ``filters``, one page, how many match (up to the cap)
    and whether that count is exact (see :func:`fetch_page`)."""
    conditions: list[ColumnElement[bool]] = [OrderRow.owner_id == owner_id]
    if filters.bot_id is not None:
        conditions.append(OrderRow.bot_id == filters.bot_id)
    if filters.symbol is not None:
        conditions.append(OrderRow.symbol == filters.symbol)
    if filters.status is not None:
        conditions.append(OrderRow.status == filters.status)
    if filters.side is not None:
        conditions.append(OrderRow.side == filters.side)
    conditions += time_conditions(OrderRow.created_at, filters.since, filters.until)
    return fetch_page(
        session,
        OrderRow,
        conditions,
        ORDER_SORT_COLUMNS,
        sort,
        limit,
        offset,
        time_column=OrderRow.created_at,
    )


def get_order(session: DbSession, owner_id: str, order_id: str) -> OrderRow | None:
    """The owner's order ``order_id``; ``None`` if it does not exist or is someone else's."""
    return session.scalar(
        select(OrderRow).where(OrderRow.id == order_id, OrderRow.owner_id == owner_id)
    )


def bot_has_orders(session: DbSession, bot_id: str) -> bool:
    """Whether any order (of any status, denied ones too) is on record for ``bot_id``."""
    return session.scalar(select(OrderRow.id).where(OrderRow.bot_id == bot_id).limit(1)) is not None


def get_order_by_client_id(session: DbSession, client_order_id: str) -> OrderRow | None:
    """The order with this client order id (unique across the database), for the recorder."""
    return session.scalar(select(OrderRow).where(OrderRow.client_order_id == client_order_id))


def list_fills_of_order(session: DbSession, owner_id: str, order_id: str) -> list[FillRow]:
    """The fills of the owner's order ``order_id``, oldest first (empty if not theirs)."""
    return list(
        session.scalars(
            select(FillRow)
            .where(FillRow.order_id == order_id, FillRow.owner_id == owner_id)
            .order_by(FillRow.at.asc(), FillRow.id.asc())
        ).all()
    )


def fill_exists(session: DbSession, bot_id: str, venue_trade_id: str) -> bool:
    """Whether the bot's venue trade ``venue_trade_id`` is already recorded."""
    found = session.scalar(
        select(FillRow.id).where(FillRow.bot_id == bot_id, FillRow.venue_trade_id == venue_trade_id)
    )
    return found is not None
