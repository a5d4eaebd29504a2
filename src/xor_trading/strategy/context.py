"""What a strategy is given: its market, a read-only view of the portfolio, and a way to act.

A strategy never sees the bus, the venue or the database. It emits commands through
``send`` (which routes them to the risk engine) and reads positions through
:class:`PositionView`. The same context class serves backtest, paper and live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from xor_trading.core.clock import Clock
from xor_trading.core.ids import IdGenerator, OrderId, StrategyId, Symbol
from xor_trading.domain.commands import Bracket
from xor_trading.domain.instruments import Instrument


class PositionView(Protocol):
    """Read-only portfolio facts a strategy may use."""

    def position_quantity(self, symbol: Symbol) -> Decimal: ...

    def position_avg_entry(self, symbol: Symbol) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class TradeSettings:
    """Run-level trading settings (not strategy parameters).

    ``stake`` is the quote-currency value of each entry; the quantity is the largest lot
    multiple worth at most ``stake`` at the signal candle's close. ``bracket`` adds a
    stop loss and/or a take profit to every entry.
    """

    stake: Decimal
    bracket: Bracket | None = None


@dataclass(frozen=True, slots=True)
class StrategyContext:
    strategy_id: StrategyId
    symbol: Symbol
    timeframe_ms: int  # of the primary series
    instrument: Instrument
    clock: Clock
    positions: PositionView
    send: Callable[[object], None]
    order_ids: IdGenerator
    settings: TradeSettings
    # price, stop price -> quantity; None: buy ``settings.stake`` worth (fixed stake)
    sizer: Callable[[Decimal, Decimal | None], Decimal] | None = None
    # whether an order this strategy sent is still working (denied orders never were)
    order_is_open: Callable[[OrderId], bool] = lambda _order_id: False
