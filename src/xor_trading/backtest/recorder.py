"""Listens to a backtest's bus and keeps what the reports need: round trips and the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from xor_trading.backtest.results import TradeRecord
from xor_trading.bus.message_bus import MessageBus
from xor_trading.domain.events import OrderFilled
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.values import ZERO
from xor_trading.execution.order_cache import OrderCache
from xor_trading.portfolio.engine import PortfolioEngine


@dataclass(slots=True)
class _OpenTrade:
    side: str
    entry_time_ms: int
    entry_qty: Decimal = ZERO
    entry_value: Decimal = ZERO
    exit_qty: Decimal = ZERO
    exit_value: Decimal = ZERO
    fees: Decimal = ZERO
    realized: Decimal = ZERO
    exit_tag: str = ""


@dataclass(slots=True)
class BacktestRecorder:
    """``bar`` is set by the driver to the index of the candle being processed."""

    bus: MessageBus
    portfolio: PortfolioEngine
    orders: OrderCache
    instrument: Instrument
    bar: int = 0
    trades: list[TradeRecord] = field(default_factory=list)
    fill_bars: list[int] = field(default_factory=list)
    cash_after: list[float] = field(default_factory=list)
    qty_after: list[float] = field(default_factory=list)
    _open: _OpenTrade | None = None
    _last_qty: Decimal = ZERO
    _last_realized: Decimal = ZERO

    def __post_init__(self) -> None:
        # Subscribed after the portfolio (the kernel builds it first): positions are up to date.
        self.bus.subscribe(OrderFilled, self._on_fill)

    def _on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        position = self.portfolio.position(fill.symbol)
        quantity = position.quantity
        realized = position.realized_pnl - self._last_realized
        self._last_realized = position.realized_pnl
        trade = self._open
        if trade is None:
            trade = self._open = _OpenTrade("long" if quantity > 0 else "short", fill.ts_ms)
        before, self._last_qty = self._last_qty, quantity
        if abs(quantity) > abs(before):  # the fill added to the position
            trade.entry_qty += fill.quantity
            trade.entry_value += fill.notional
        else:
            trade.exit_qty += fill.quantity
            trade.exit_value += fill.notional
            trade.realized += realized
            trade.exit_tag = event.tag
        trade.fees += fill.fee
        if quantity == 0:
            self._close(trade, fill.ts_ms)
        self.fill_bars.append(self.bar)
        self.cash_after.append(float(self.portfolio.cash()))
        self.qty_after.append(float(quantity))

    def _close(self, t: _OpenTrade, ts_ms: int) -> None:
        inst = self.instrument
        self.trades.append(
            TradeRecord(
                symbol=inst.symbol,
                side=t.side,
                entry_time_ms=t.entry_time_ms,
                exit_time_ms=ts_ms,
                entry_price=_average(t.entry_value, t.entry_qty, inst.tick_size),
                exit_price=_average(t.exit_value, t.exit_qty, inst.tick_size),
                quantity=t.entry_qty,
                fees=t.fees,
                pnl=t.realized - t.fees,
                exit_reason=t.exit_tag or "signal",
            )
        )
        self._open = None


def _average(value: Decimal, qty: Decimal, tick: Decimal) -> Decimal:
    """Volume-weighted price; exact when one fill, else to 1/10,000 of a tick."""
    avg = value / qty
    return avg.quantize(tick) if avg % tick == 0 else avg.quantize(tick / 10_000)
