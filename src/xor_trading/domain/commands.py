"""Commands: immutable requests in the imperative. Strategies emit them; engines act on them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.orders import OrderSide, OrderType, TimeInForce


@dataclass(frozen=True, slots=True)
class Bracket:
    """Protective exits attached to an entry, placed when the entry fills.

    Percentages are of the entry's average fill price: a long entry at 100 with
    ``stop_loss_pct=2`` and ``take_profit_pct=4`` gets a stop-market sell at 98 and a
    limit sell at 104, linked one-cancels-the-other.
    """

    stop_loss_pct: Decimal | None = None
    take_profit_pct: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    order_id: OrderId
    strategy_id: StrategyId
    symbol: Symbol
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    ts_ms: int
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    bracket: Bracket | None = None
    reference_price: Decimal | None = None  # last price the strategy saw; for notional checks
    tag: str = ""


@dataclass(frozen=True, slots=True)
class CancelOrder:
    order_id: OrderId
    ts_ms: int


@dataclass(frozen=True, slots=True)
class SubmitOrderList:
    """Two orders linked one-cancels-the-other (a fill or trigger of one cancels the other)."""

    first: SubmitOrder
    second: SubmitOrder


@dataclass(frozen=True, slots=True)
class CancelAllOrders:
    """Cancel every open order (of ``symbol`` only, when given); used by the kill switch."""

    ts_ms: int
    symbol: Symbol | None = None
