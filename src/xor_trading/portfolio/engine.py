"""The portfolio: positions and the account ledger, kept from fills on the bus.

For each fill it updates the symbol's :class:`Position`, charges the fee and books realised
PnL into the :class:`Account`, then publishes :class:`PositionChanged`. Strategies read it
through the ``PositionView`` protocol of ``strategy.context`` only.
"""

from __future__ import annotations

from decimal import Decimal

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.ids import Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.events import OrderFilled, PositionChanged
from xor_trading.domain.positions import Position


class PortfolioEngine:
    def __init__(self, bus: MessageBus, account: Account) -> None:
        self._bus = bus
        self.account = account
        self.positions: dict[Symbol, Position] = {}
        bus.subscribe(OrderFilled, self._on_fill)

    def position(self, symbol: Symbol) -> Position:
        pos = self.positions.get(symbol)
        if pos is None:
            pos = self.positions[symbol] = Position(symbol)
        return pos

    def position_quantity(self, symbol: Symbol) -> Decimal:
        pos = self.positions.get(symbol)
        return pos.quantity if pos is not None else Decimal(0)

    def position_avg_entry(self, symbol: Symbol) -> Decimal:
        pos = self.positions.get(symbol)
        return pos.avg_entry if pos is not None else Decimal(0)

    @property
    def balance(self) -> Decimal:
        return self.account.balance

    def cash(self) -> Decimal:
        """Settlement currency not tied in open positions: ``balance - sum(cost basis)``."""
        return self.account.balance - sum(
            (p.cost_basis for p in self.positions.values()), Decimal(0)
        )

    def _on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        pos = self.position(fill.symbol)
        realized = pos.apply(fill)
        self.account.charge_fee(fill.fee, fill.ts_ms, fill.trade_id)
        self.account.book_realized_pnl(realized, fill.ts_ms, fill.trade_id)
        self._bus.publish(
            PositionChanged(
                fill.symbol, event.strategy_id, pos.quantity, pos.avg_entry, realized, fill.ts_ms
            )
        )
