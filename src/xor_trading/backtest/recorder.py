"""Listens to a backtest's bus and keeps what the reports need: round trips and the timeline.

Round trips are counted as the live recorder counts them (``persistence/recorder.py``):
with fees in the quote, a fill's quantity; with a fee in the base (fees in the asset
received, ADR 0024), the change of the tradable position (whole lots of what the account
got), the fee at its quote value (``fee_in_quote``). The dust below one lot stays held
(``dust_after``: valued in the equity curve, not a position); a buy that adds only dust
opens no round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from xor_trading.backtest.results import TradeRecord
from xor_trading.bus.message_bus import MessageBus
from xor_trading.domain.events import OrderFilled
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.positions import fee_in_quote
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
    dust_after: list[float] = field(default_factory=list)
    has_dust: bool = False  # whether any fill left dust (fees in the asset received)
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
        before, self._last_qty = self._last_qty, quantity
        inst = self.instrument
        if fill.fee_currency == inst.quote:
            self._track(event, fill.quantity, fill.fee, before, quantity, realized)
        else:  # the position moved by whole lots of what the account got (ADR 0024)
            moved = abs(abs(quantity) - abs(before))
            fee = fee_in_quote(fill, inst.base, inst.quote)
            self._track(event, moved, fee, before, quantity, realized)
        self.fill_bars.append(self.bar)
        self.cash_after.append(float(self.portfolio.cash()))
        self.qty_after.append(float(quantity))
        self.dust_after.append(float(position.dust))
        if position.dust:
            self.has_dust = True

    def _track(
        self,
        event: OrderFilled,
        moved: Decimal,
        fee: Decimal,
        before: Decimal,
        quantity: Decimal,
        realized: Decimal,
    ) -> None:
        """Book a fill that moved the position by ``moved`` (``fee`` in the quote)."""
        fill = event.fill
        trade = self._open
        if trade is None:
            if quantity == 0:
                return  # a buy that added less than one lot: dust, no round trip (as live)
            trade = self._open = _OpenTrade("long" if quantity > 0 else "short", fill.ts_ms)
        if abs(quantity) > abs(before):  # the fill added to the position
            trade.entry_qty += moved
            trade.entry_value += moved * fill.price
        else:
            trade.exit_qty += moved
            trade.exit_value += moved * fill.price
            trade.realized += realized
            trade.exit_tag = event.tag
        trade.fees += fee
        if quantity == 0:
            self._close(trade, fill.ts_ms)

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
