"""The outcome of one backtest run, whichever path produced it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from xor_trading.backtest.results import EquityCurve, TradeRecord
from xor_trading.domain.orders import Order


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as the orders report shows it."""

    order_id: str
    created_ms: int
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    status: str
    filled_qty: Decimal
    average_price: Decimal | None
    fees: Decimal
    tag: str
    reason: str

    @classmethod
    def from_order(cls, o: Order) -> OrderRecord:
        return cls(
            o.order_id,
            o.created_ms,
            o.symbol,
            o.side.value,
            o.order_type.value,
            o.quantity,
            o.limit_price,
            o.stop_price,
            o.status.value,
            o.filled_qty,
            o.average_fill_price,
            o.fees,
            o.tag,
            o.reason,
        )


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """``trades`` is any sequence of TradeRecord (the fast path materialises them lazily)."""

    trades: Sequence[TradeRecord]
    curve: EquityCurve
    orders: Sequence[OrderRecord]
    denials: int
    final_balance: Decimal
    path: str
