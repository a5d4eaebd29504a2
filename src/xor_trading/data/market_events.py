"""Public market events other than candles: trades and order-book snapshots.

What the CCXT market streams (:mod:`xor_trading.exchanges.ccxt_client.market_streams`)
yield. Prices and amounts are exact ``Decimal`` (quote per base, base asset); times are
UTC epoch milliseconds. An order book's sides are sorted best first (bids descending,
asks ascending) and never cross.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.domain.orders import OrderSide


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """One execution on the venue's tape; ``side`` is the taker's side."""

    symbol: str
    trade_id: str
    price: Decimal
    amount: Decimal
    side: OrderSide
    ts_ms: int


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OrderBookSnapshot:
    """The top ``len(bids)``/``len(asks)`` levels of a book at ``ts_ms``."""

    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    ts_ms: int

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    @property
    def spread(self) -> Decimal | None:
        bid, ask = self.best_bid, self.best_ask
        return None if bid is None or ask is None else ask - bid
