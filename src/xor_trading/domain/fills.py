"""Fills: one execution of (part of) an order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from xor_trading.core.ids import OrderId, Symbol, TradeId
from xor_trading.domain.orders import OrderSide


class Liquidity(Enum):
    MAKER = "maker"
    TAKER = "taker"


@dataclass(frozen=True, slots=True)
class Fill:
    """An execution: ``quantity`` of ``symbol`` at ``price``; ``fee`` in ``fee_currency``."""

    trade_id: TradeId
    order_id: OrderId
    symbol: Symbol
    side: OrderSide
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: Liquidity
    ts_ms: int

    @property
    def notional(self) -> Decimal:
        return self.price * self.quantity
