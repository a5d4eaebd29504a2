"""Accounts of the simulated Binance venue: balances, orders and trades per API key.

All amounts are exact ``Decimal``. ``free + locked`` is what the account owns of an asset;
``locked`` backs working orders (a buy locks quote at its limit price, a sell locks base).
Times are wall-clock UTC ms (server time). There is no withdrawal: funds only move by
fills and commissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class OrderStatus(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


@dataclass
class Balance:
    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass
class PendingChunk:
    """A part of a fill the partial-fill fault delivers later (at ``due_wall_ms``)."""

    due_wall_ms: int
    qty: Decimal
    price: Decimal
    is_maker: bool


@dataclass
class VenueOrder:
    """One order as the venue keeps it. ``price``/``stop_price`` are 0 when not used."""

    symbol: str  # Binance id, e.g. BTCUSDT
    order_id: int
    client_order_id: str
    side: str  # BUY | SELL
    type: str  # MARKET | LIMIT | LIMIT_MAKER | STOP_LOSS_LIMIT | TAKE_PROFIT_LIMIT
    time_in_force: str
    orig_qty: Decimal
    price: Decimal
    stop_price: Decimal
    time_ms: int
    sequence: int  # arrival order across the venue, for matching priority
    status: OrderStatus = OrderStatus.NEW
    executed_qty: Decimal = ZERO
    cumulative_quote: Decimal = ZERO
    update_ms: int = 0
    is_working: bool = True  # stop-limit orders work only once triggered
    visible_from_ms: int = 0  # eventual consistency fault: queries do not see it before
    locked_asset: str = ""
    locked_left: Decimal = ZERO
    lock_price: Decimal = ZERO  # quote locked per unit of a buy
    pending: list[PendingChunk] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty - sum((c.qty for c in self.pending), ZERO)


@dataclass(frozen=True, slots=True)
class VenueTrade:
    """One fill of one order (Binance ``myTrades`` row)."""

    symbol: str
    trade_id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_buyer: bool
    is_maker: bool


class Account:
    """One API key's spot account."""

    def __init__(self, api_key: str, balances: dict[str, Decimal]) -> None:
        self.api_key = api_key
        self.balances: dict[str, Balance] = {a: Balance(free=q) for a, q in balances.items()}
        self.orders: dict[str, dict[int, VenueOrder]] = {}
        self.client_ids: dict[tuple[str, str], int] = {}
        self.trades: list[VenueTrade] = []
        self.update_ms = 0

    def balance(self, asset: str) -> Balance:
        return self.balances.setdefault(asset, Balance())

    def lock(self, asset: str, amount: Decimal) -> bool:
        """Move ``amount`` from free to locked; False (nothing moved) if not enough is free."""
        balance = self.balance(asset)
        if balance.free < amount:
            return False
        balance.free -= amount
        balance.locked += amount
        return True

    def unlock(self, asset: str, amount: Decimal) -> None:
        balance = self.balance(asset)
        balance.locked -= amount
        balance.free += amount

    def add_order(self, order: VenueOrder) -> None:
        self.orders.setdefault(order.symbol, {})[order.order_id] = order
        self.client_ids[(order.symbol, order.client_order_id)] = order.order_id

    def find(self, symbol: str, order_id: int | None, client_id: str | None) -> VenueOrder | None:
        by_id = self.orders.get(symbol, {})
        if order_id is None and client_id is not None:
            order_id = self.client_ids.get((symbol, client_id))
        return None if order_id is None else by_id.get(order_id)

    def open_orders(self, symbol: str | None) -> list[VenueOrder]:
        books = [self.orders.get(symbol, {})] if symbol else list(self.orders.values())
        found = [o for book in books for o in book.values() if o.is_open]
        return sorted(found, key=lambda o: o.sequence)
