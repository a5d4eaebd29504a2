"""The caller's trading records: orders and fills, trades, positions, signals, risk events.

Everything is scoped to the principal: another user's order, trade or bot is *not found*
(404) and never appears in a list, whatever the filters say (S1). Filters are validated
before any query: an unknown sort column, status or side, a time without a zone, or
``since`` after ``until`` is an :class:`~xor_trading.core.errors.InputError` (422) whose
sentence names what is allowed.

Sorting: ``sort`` is a column name, ``-name`` for descending (``-created_at``). Times are
aware UTC; ranges are half open, ``since <= t < until``. Amounts are exact ``Decimal``.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from xor_trading.core.errors import InputError, NotFoundError
from xor_trading.persistence.repositories import fills as fills_repo
from xor_trading.persistence.repositories import orders as orders_repo
from xor_trading.persistence.repositories import positions as positions_repo
from xor_trading.persistence.repositories import risk_events as risk_repo
from xor_trading.persistence.repositories import signals as signals_repo
from xor_trading.persistence.repositories import trades as trades_repo
from xor_trading.persistence.repositories.orders import Sort
from xor_trading.persistence.tables.orders import FillRow, OrderRow, RecordedOrderStatus
from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.persistence.tables.risk_events import RiskEventKind, RiskEventRow
from xor_trading.persistence.tables.signals import SignalRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

MAX_LIMIT = 500
ORDER_STATUSES = tuple(status.value for status in RecordedOrderStatus)
ORDER_SIDES = ("buy", "sell")
TRADE_SIDES = ("long", "short")
RISK_EVENT_KINDS = tuple(kind.value for kind in RiskEventKind)
ORDER_SORTS = tuple(orders_repo.ORDER_SORT_COLUMNS)
FILL_SORTS = tuple(fills_repo.FILL_SORT_COLUMNS)
TRADE_SORTS = tuple(trades_repo.TRADE_SORT_COLUMNS)
POSITION_SORTS = tuple(positions_repo.POSITION_SORT_COLUMNS)
SIGNAL_SORTS = tuple(signals_repo.SIGNAL_SORT_COLUMNS)
RISK_EVENT_SORTS = tuple(risk_repo.RISK_EVENT_SORT_COLUMNS)


# -- views -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as its owner sees it. Quantities in the base asset, prices in the quote."""

    id: str
    bot_id: str
    client_order_id: str
    venue_order_id: str | None
    symbol: str
    side: str
    type: str
    time_in_force: str
    status: str
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    filled_quantity: Decimal
    average_price: Decimal | None
    tag: str
    reason: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: OrderRow) -> OrderView:
        return cls(
            id=row.id,
            bot_id=row.bot_id,
            client_order_id=row.client_order_id,
            venue_order_id=row.venue_order_id,
            symbol=row.symbol,
            side=row.side,
            type=row.type,
            time_in_force=row.time_in_force,
            status=row.status,
            quantity=row.quantity,
            price=row.price,
            stop_price=row.stop_price,
            filled_quantity=row.filled_quantity,
            average_price=row.average_price,
            tag=row.tag,
            reason=row.reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class FillView:
    """One execution of an order; ``fee`` in ``fee_currency``."""

    id: str
    order_id: str
    bot_id: str
    venue_trade_id: str
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: str
    at: datetime

    @classmethod
    def of(cls, row: FillRow) -> FillView:
        return cls(
            id=row.id,
            order_id=row.order_id,
            bot_id=row.bot_id,
            venue_trade_id=row.venue_trade_id,
            symbol=row.symbol,
            side=row.side,
            quantity=row.quantity,
            price=row.price,
            fee=row.fee,
            fee_currency=row.fee_currency,
            liquidity=row.liquidity,
            at=row.at,
        )


@dataclass(frozen=True, slots=True)
class TradeView:
    """A closed round trip; PnL in the quote currency, ``net_pnl = gross_pnl - fees``."""

    id: str
    bot_id: str
    strategy: str
    symbol: str
    side: str
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    entry_at: datetime
    exit_at: datetime
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal
    exit_reason: str

    @classmethod
    def of(cls, row: TradeRow) -> TradeView:
        return cls(
            id=row.id,
            bot_id=row.bot_id,
            strategy=row.strategy,
            symbol=row.symbol,
            side=row.side,
            quantity=row.quantity,
            entry_price=row.entry_price,
            exit_price=row.exit_price,
            entry_at=row.entry_at,
            exit_at=row.exit_at,
            gross_pnl=row.gross_pnl,
            fees=row.fees,
            net_pnl=row.net_pnl,
            exit_reason=row.exit_reason,
        )


@dataclass(frozen=True, slots=True)
class PositionView:
    """A bot's net position: ``quantity`` signed (negative = short), zero when flat."""

    id: str
    bot_id: str
    symbol: str
    quantity: Decimal
    average_price: Decimal
    realised_pnl: Decimal
    updated_at: datetime

    @classmethod
    def of(cls, row: PositionRow) -> PositionView:
        return cls(
            id=row.id,
            bot_id=row.bot_id,
            symbol=row.symbol,
            quantity=row.quantity,
            average_price=row.average_price,
            realised_pnl=row.realised_pnl,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class SignalView:
    """A signal a bot's strategy emitted."""

    id: str
    bot_id: str
    at: datetime
    symbol: str
    kind: str
    strength: Decimal | None
    details: dict[str, Any]

    @classmethod
    def of(cls, row: SignalRow) -> SignalView:
        return cls(
            id=row.id,
            bot_id=row.bot_id,
            at=row.at,
            symbol=row.symbol,
            kind=row.kind,
            strength=row.strength,
            details=_json_object(row.details),
        )


@dataclass(frozen=True, slots=True)
class RiskEventView:
    """A risk event: ``rule`` is the machine name, ``sentence`` the explanation."""

    id: str
    bot_id: str | None
    at: datetime
    kind: str
    rule: str
    sentence: str
    details: dict[str, Any]

    @classmethod
    def of(cls, row: RiskEventRow) -> RiskEventView:
        return cls(
            id=row.id,
            bot_id=row.bot_id,
            at=row.at,
            kind=row.kind,
            rule=row.rule,
            sentence=row.sentence,
            details=_json_object(row.details),
        )


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {}


# -- validation ------------------------------------------------------------------------------


def parse_sort(sort: str, allowed: Collection[str]) -> Sort:
    """``"name"`` (ascending) or ``"-name"`` (descending), ``name`` one of ``allowed``."""
    descending = sort.startswith("-")
    name = sort[1:] if descending else sort
    if name not in allowed:
        names = ", ".join(allowed)
        raise InputError(
            f"cannot sort by {name!r}; sort by one of: {names}",
            "prefix the name with - for descending order, e.g. sort=-" + next(iter(allowed)),
        )
    return Sort(name, descending)


def check_choice(field: str, value: str | None, allowed: Collection[str]) -> None:
    """Refuse a filter value outside ``allowed`` with a sentence naming the allowed ones."""
    if value is not None and value not in allowed:
        raise InputError(
            f"{field} {value!r} is not one of: {', '.join(allowed)}",
            f"filter on one of the listed {field} values, or leave {field} out",
        )


def check_range(since: datetime | None, until: datetime | None) -> None:
    """Both ends aware (with a zone) and ``since`` not after ``until``."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InputError(
                f"{name} has no time zone",
                f"give {name} in UTC with a zone, e.g. 2025-06-01T00:00:00Z",
            )
    if since is not None and until is not None and since > until:
        raise InputError(
            f"since ({since.isoformat()}) is after until ({until.isoformat()})",
            "swap them: the range is since <= time < until",
        )


def check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(
            f"limit {limit} is out of range", f"ask for 1 to {MAX_LIMIT} rows per page"
        )
    if offset < 0:
        raise InputError(f"offset {offset} is negative", "start at offset 0")


# -- the service -----------------------------------------------------------------------------


class TradingRecordsService:
    """Reads of the principal's trading records (nothing here writes)."""

    def __init__(self, container: Container) -> None:
        self._db = container.database

    def list_orders(
        self,
        principal: Principal,
        *,
        bot_id: str | None = None,
        symbol: str | None = None,
        status: str | None = None,
        side: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "-created_at",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[OrderView], int, bool]:
        """The caller's orders (``since``/``until`` bound ``created_at``), the total and
        whether it is exact (counting stops 1,000 rows past ``offset``: ADR 0013)."""
        order = parse_sort(sort, ORDER_SORTS)
        check_choice("status", status, ORDER_STATUSES)
        check_choice("side", side, ORDER_SIDES)
        check_range(since, until)
        check_page(limit, offset)
        filters = orders_repo.OrderFilters(bot_id, symbol, status, side, since, until)
        with self._db.read_session() as session:
            rows, total, exact = orders_repo.list_orders(
                session, principal.user_id, filters, order, limit, offset
            )
            return [OrderView.of(row) for row in rows], total, exact

    def get_order(self, principal: Principal, order_id: str) -> OrderView:
        """The caller's order ``order_id``; :class:`NotFoundError` if absent or not theirs."""
        with self._db.read_session() as session:
            row = orders_repo.get_order(session, principal.user_id, order_id)
            if row is None:
                raise _not_found("order", order_id)
            return OrderView.of(row)

    def list_fills(self, principal: Principal, order_id: str) -> list[FillView]:
        """The fills of the caller's order ``order_id``, oldest first."""
        with self._db.read_session() as session:
            if orders_repo.get_order(session, principal.user_id, order_id) is None:
                raise _not_found("order", order_id)
            rows = orders_repo.list_fills_of_order(session, principal.user_id, order_id)
            return [FillView.of(row) for row in rows]

    def list_fills_page(
        self,
        principal: Principal,
        *,
        bot_id: str | None = None,
        symbol: str | None = None,
        side: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "-at",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[FillView], int, bool]:
        """The caller's fills across their bots (``since``/``until`` bound the fill time
        ``at``), newest first by default, the total and whether it is exact (see
        ``list_orders``). Another user's bot id matches nothing: an empty page, not 404."""
        order = parse_sort(sort, FILL_SORTS)
        check_choice("side", side, ORDER_SIDES)
        check_range(since, until)
        check_page(limit, offset)
        filters = fills_repo.FillFilters(bot_id, symbol, side, since, until)
        with self._db.read_session() as session:
            rows, total, exact = fills_repo.list_fills(
                session, principal.user_id, filters, order, limit, offset
            )
            return [FillView.of(row) for row in rows], total, exact

    def list_trades(
        self,
        principal: Principal,
        *,
        bot_id: str | None = None,
        symbol: str | None = None,
        side: str | None = None,
        strategy: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "-exit_at",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[TradeView], int, bool]:
        """The caller's closed trades (``since``/``until`` bound ``exit_at``), the total
        and whether it is exact (see ``list_orders``)."""
        order = parse_sort(sort, TRADE_SORTS)
        check_choice("side", side, TRADE_SIDES)
        check_range(since, until)
        check_page(limit, offset)
        filters = trades_repo.TradeFilters(bot_id, symbol, side, strategy, since, until)
        with self._db.read_session() as session:
            rows, total, exact = trades_repo.list_trades(
                session, principal.user_id, filters, order, limit, offset
            )
            return [TradeView.of(row) for row in rows], total, exact

    def get_trade(self, principal: Principal, trade_id: str) -> TradeView:
        """The caller's trade ``trade_id``; :class:`NotFoundError` if absent or not theirs."""
        with self._db.read_session() as session:
            row = trades_repo.get_trade(session, principal.user_id, trade_id)
            if row is None:
                raise _not_found("trade", trade_id)
            return TradeView.of(row)

    def list_positions(
        self,
        principal: Principal,
        *,
        bot_id: str | None = None,
        symbol: str | None = None,
        open_only: bool = False,
        sort: str = "symbol",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[PositionView], int, bool]:
        """The caller's positions (flat ones too unless ``open_only``), the
        total and whether it is exact (see ``list_orders``)."""
        order = parse_sort(sort, POSITION_SORTS)
        check_page(limit, offset)
        filters = positions_repo.PositionFilters(bot_id, symbol, open_only)
        with self._db.read_session() as session:
            rows, total, exact = positions_repo.list_positions(
                session, principal.user_id, filters, order, limit, offset
            )
            return [PositionView.of(row) for row in rows], total, exact

    def list_signals(
        self,
        principal: Principal,
        *,
        bot_id: str | None = None,
        symbol: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "-at",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[SignalView], int, bool]:
        """The caller's bots' signals, the total and whether it is exact (see ``list_orders``)."""
        order = parse_sort(sort, SIGNAL_SORTS)
        check_range(since, until)
        check_page(limit, offset)
        filters = signals_repo.SignalFilters(bot_id, symbol, kind, since, until)
        with self._db.read_session() as session:
            rows, total, exact = signals_repo.list_signals(
                session, principal.user_id, filters, order, limit, offset
            )
            return [SignalView.of(row) for row in rows], total, exact

    def list_risk_events(
        self,
        principal: Principal,
        *,
        bot_id: str | None = None,
        kind: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "-at",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[RiskEventView], int, bool]:
        """The caller's risk events, the total and whether it is exact (see ``list_orders``)."""
        order = parse_sort(sort, RISK_EVENT_SORTS)
        check_choice("kind", kind, RISK_EVENT_KINDS)
        check_range(since, until)
        check_page(limit, offset)
        filters = risk_repo.RiskEventFilters(bot_id, kind, rule, since, until)
        with self._db.read_session() as session:
            rows, total, exact = risk_repo.list_risk_events(
                session, principal.user_id, filters, order, limit, offset
            )
            return [RiskEventView.of(row) for row in rows], total, exact


def _not_found(what: str, ident: str) -> NotFoundError:
    # The same sentence whether the row is absent or someone else's (S1: no oracle).
    return NotFoundError(
        f"no {what} with id {ident!r}", f"list your {what}s to find the id you want"
    )
