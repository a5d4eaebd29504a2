"""Events: immutable facts in the past tense, published on the bus."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderStatus


class CandleClosed(NamedTuple):
    """A candle closed. A named tuple because one is published per candle (hot path)."""

    symbol: Symbol
    candle: Candle


@dataclass(frozen=True, slots=True)
class OrderDenied:
    """The risk engine refused a command; it never reached a venue.

    ``rule`` is machine-readable (``min_notional``, ``max_position_pct``...);
    ``message`` is a sentence for people.
    """

    command: SubmitOrder
    rule: str
    message: str
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderStatusChanged:
    order_id: OrderId
    strategy_id: StrategyId
    symbol: Symbol
    status: OrderStatus
    ts_ms: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """``tag`` is the order's tag (``entry``, ``signal``, ``stop_loss``, ``take_profit``...)."""

    fill: Fill
    strategy_id: StrategyId
    tag: str = ""


@dataclass(frozen=True, slots=True)
class PositionChanged:
    """A position's state after a fill (a snapshot) and the PnL that fill realised."""

    symbol: Symbol
    strategy_id: StrategyId
    quantity: Decimal
    avg_entry: Decimal
    realized_pnl_delta: Decimal
    ts_ms: int
