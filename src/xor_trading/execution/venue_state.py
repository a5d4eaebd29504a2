"""What a venue says about an account: the facts reconciliation compares with our records.

Adapters (the CCXT live port) translate their venue's replies into these types; the
reconciliation engine (:mod:`xor_trading.execution.reconciliation`) reads only these. All
quantities are in the base asset, prices and fees in the quote or fee currency, exact
``Decimal``; times are UTC epoch milliseconds.

A *missing* report is never the same as an empty one: a query that failed raises
(:class:`~xor_trading.core.errors.RetryableError` or
:class:`~xor_trading.core.errors.UnknownOutcomeError`) instead of returning nothing, so
"no open orders" and "could not ask" cannot be confused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from xor_trading.domain.orders import OrderSide, OrderType


class VenueOrderStatus(Enum):
    """Binance's order statuses (``enums.md``), which CCXT folds into fewer; we keep them."""

    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

    @property
    def is_open(self) -> bool:
        return self in (VenueOrderStatus.NEW, VenueOrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """One order as the venue reports it (query order, open orders)."""

    client_order_id: str
    venue_order_id: str
    symbol: str
    side: OrderSide
    order_type: OrderType
    status: VenueOrderStatus
    quantity: Decimal
    filled_quantity: Decimal
    limit_price: Decimal | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class VenueTrade:
    """One execution as the venue reports it (my trades); ``trade_id`` is unique per symbol."""

    trade_id: str
    venue_order_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    is_maker: bool
    ts_ms: int


@dataclass(frozen=True, slots=True)
class VenueBalance:
    """One asset of the account: ``free + locked`` is what the venue holds for us."""

    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked
