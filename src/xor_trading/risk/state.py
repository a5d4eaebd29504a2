"""What the pre-trade rules read: equity, open positions, entries today, return windows.

The risk engine keeps one :class:`RiskState` per bot (or account) and updates it from the
events it sees; the rules only read it. All updates go through the methods below (they keep
the running totals, versions and caches consistent): do not mutate ``positions``,
``returns`` or ``pending`` directly.

* :meth:`RiskState.on_entry_accepted`: the engine accepted an entry. It counts towards
  ``entries_today`` (the UTC day of the command) and its value is **pending exposure** until it
  fills or ends, so that two entries accepted before either fills cannot together break a
  limit. Exits are not recorded.
* :meth:`RiskState.on_fill`: quantities change exactly (``Decimal``); the position is valued at
  the fill price; the part of the fill that adds exposure leaves the pending amount; a fee in
  the quote currency is taken from equity.
* :meth:`RiskState.on_order_closed`: the order ended (filled, canceled, rejected, expired):
  whatever it still had pending is dropped.
* :meth:`RiskState.on_candle`: a closed candle appends the symbol's return
  (``close / previous close - 1``) to its window, fills a gap of missing candles with zero
  returns, marks the position to the close (``notional = |quantity| * close``, and
  ``equity`` moves by ``quantity * (close - previous mark)``), and rolls the UTC day.
* :meth:`RiskState.set_equity` / :meth:`RiskState.set_position`: resynchronise from the
  portfolio (start-up, reconciliation). The marked-to-market equity here is an in-memory
  estimate between such syncs; fees charged in another currency than the quote are ignored.

Valuations are floats: they are compared with limits in percent, never booked.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.correlation import CorrelationAssessment, CorrelationView, ReturnWindows

__all__ = ["DAY_MS", "OpenPosition", "PendingEntry", "RiskState", "order_price", "utc_day"]

DAY_MS = 86_400_000
_ZERO = Decimal(0)
# Enum members bound once: attribute access on an Enum class costs ~0.2 us (hot path).
_BUY = OrderSide.BUY
_STOP_MARKET = OrderType.STOP_MARKET


def utc_day(ts_ms: int) -> int:
    """The UTC day number of an epoch-millisecond timestamp (days since 1970-01-01)."""
    return ts_ms // DAY_MS


def order_price(cmd: SubmitOrder) -> Decimal | None:
    """The price an order is valued at: its limit, else a stop-market's trigger, else the
    strategy's reference price; None when it has none of them."""
    if cmd.limit_price is not None:
        return cmd.limit_price
    if cmd.order_type is _STOP_MARKET and cmd.stop_price is not None:
        return cmd.stop_price
    return cmd.reference_price


@dataclass(slots=True)
class OpenPosition:
    """One symbol's net position: ``quantity`` signed (long > 0), valued at ``mark_price``."""

    symbol: str
    quantity: Decimal
    notional: float  # abs(quantity) * mark_price
    entry_ms: int
    mark_price: float = 0.0


@dataclass(slots=True)
class PendingEntry:
    """An accepted entry not (fully) filled yet: ``quantity`` still to add, at ``price``."""

    order_id: str
    symbol: str
    quantity: Decimal
    price: float

    @property
    def notional(self) -> float:
        return float(self.quantity) * self.price


class RiskState:
    """The in-memory picture the rules check commands against (see the module docstring)."""

    def __init__(self, equity: float, correlation_window: int = 100) -> None:
        self.equity = float(equity)
        self.positions: dict[str, OpenPosition] = {}
        self.pending: dict[str, PendingEntry] = {}  # by order id
        self.entries_today = 0
        self.day = 0  # UTC day number that entries_today counts
        self.gross_notional = 0.0  # sum of the open positions' notional
        self.pending_notional = 0.0  # sum of the pending entries' notional
        self.pending_by_symbol: dict[str, float] = {}
        self.exposure_version = 0  # +1 whenever the set of open or pending symbols changes
        self.windows = ReturnWindows(correlation_window)
        self.returns: dict[str, deque[float]] = self.windows.returns
        self._correlation = CorrelationView(self.windows)
        self._open_symbols: tuple[str, ...] = ()
        self._open_set: frozenset[str] = frozenset()
        self._open_version = 0
        self._last_close: dict[str, float] = {}
        self._last_ts: dict[str, int] = {}

    # -- what the rules read ----------------------------------------------------------------

    def entries_on(self, ts_ms: int) -> int:
        """Entries already counted on ``ts_ms``'s UTC day (0 on a later day)."""
        return self.entries_today if utc_day(ts_ms) == self.day else 0

    def open_symbols(self) -> tuple[str, ...]:
        """Symbols with an open position or a pending entry (what max_open_positions counts)."""
        if self._open_version != self.exposure_version:
            self._refresh_open()
        return self._open_symbols

    def is_open(self, symbol: str) -> bool:
        """``symbol`` has an open position or a pending entry."""
        if self._open_version != self.exposure_version:
            self._refresh_open()
        return symbol in self._open_set

    def _refresh_open(self) -> None:
        pending = [s for s in self.pending_by_symbol if s not in self.positions]
        self._open_symbols = (*self.positions, *pending)
        self._open_set = frozenset(self._open_symbols)
        self._open_version = self.exposure_version

    def entry_quantity(self, cmd: SubmitOrder) -> Decimal:
        """How much of ``cmd`` adds exposure: 0 for an exit (reduce-only, or against the
        position and no larger than it), the excess for an order that flips the position,
        the whole quantity otherwise."""
        if cmd.reduce_only:
            return _ZERO
        pos = self.positions.get(cmd.symbol)
        if pos is None or (pos.quantity > 0) == (cmd.side is _BUY):
            return cmd.quantity
        held = abs(pos.quantity)
        return cmd.quantity - held if cmd.quantity > held else _ZERO

    def symbol_exposure(self, symbol: str, side: OrderSide) -> float:
        """Value already held or pending in ``symbol`` on ``side`` (what a new entry adds to)."""
        pos = self.positions.get(symbol)
        held = 0.0
        if pos is not None and (pos.quantity > 0) == (side is _BUY):
            held = pos.notional
        return held + self.pending_by_symbol.get(symbol, 0.0)

    def correlation(self, symbol: str, threshold: float) -> CorrelationAssessment:
        """``symbol``'s correlation with the other open positions (cached per candle and
        exposure; see risk/correlation.py)."""
        return self._correlation.assess(symbol, self.open_symbols, self.exposure_version, threshold)

    # -- updates ----------------------------------------------------------------------------

    def roll_day(self, ts_ms: int) -> None:
        """Start counting entries afresh when ``ts_ms`` is on a later UTC day."""
        day = utc_day(ts_ms)
        if day > self.day:
            self.day = day
            self.entries_today = 0

    def on_entry_accepted(self, cmd: SubmitOrder) -> None:
        """The engine accepted ``cmd``: count it and hold its value as pending, if an entry."""
        quantity = self.entry_quantity(cmd)
        price = order_price(cmd)
        if quantity <= 0:
            return
        self.roll_day(cmd.ts_ms)
        self.entries_today += 1
        if price is None:
            return
        self.pending[cmd.order_id] = PendingEntry(cmd.order_id, cmd.symbol, quantity, float(price))
        self._resum_pending(cmd.symbol)

    def on_order_closed(self, order_id: str) -> None:
        """The order ended (filled, canceled, rejected, expired): drop what it had pending."""
        entry = self.pending.pop(order_id, None)
        if entry is not None:
            self._resum_pending(entry.symbol)

    def on_fill(self, fill: Fill) -> None:
        """Apply a fill: exact quantity, value at the fill price, pending and fees."""
        symbol = fill.symbol
        price = float(fill.price)
        signed = fill.quantity if fill.side is _BUY else -fill.quantity
        pos = self.positions.get(symbol)
        held = _ZERO if pos is None else pos.quantity
        if held == 0 or (held > 0) == (signed > 0):
            added = fill.quantity
        else:
            added = max(_ZERO, fill.quantity - abs(held))
        entry = self.pending.get(fill.order_id)
        if entry is not None and added > 0:
            entry.quantity = max(_ZERO, entry.quantity - added)
            if entry.quantity == 0:
                del self.pending[fill.order_id]
            self._resum_pending(symbol)
        if pos is None:
            self.positions[symbol] = OpenPosition(
                symbol, signed, float(fill.quantity) * price, fill.ts_ms, price
            )
            self.exposure_version += 1
        else:
            self.equity += float(held) * (price - pos.mark_price)
            quantity = held + signed
            if quantity == 0:
                del self.positions[symbol]
                self.exposure_version += 1
            else:
                if (quantity > 0) != (held > 0):
                    pos.entry_ms = fill.ts_ms  # flipped through zero: a new position
                pos.quantity = quantity
                pos.mark_price = price
                pos.notional = abs(float(quantity)) * price
        self._resum_positions()
        if fill.fee and fill.fee_currency == _quote(symbol):
            self.equity -= float(fill.fee)

    def on_candle(self, symbol: str, candle: Candle) -> None:
        """A candle of ``symbol`` closed: append its return, mark to market, roll the day."""
        close = candle.close
        previous = self._last_close.get(symbol)
        last_ts = self._last_ts.get(symbol)
        if last_ts is not None and candle.ts_ms <= last_ts:
            return  # a repeated or late candle changes nothing
        if previous is not None and previous > 0:
            if last_ts is not None and candle.timeframe_ms > 0:
                missing = (candle.ts_ms - last_ts) // candle.timeframe_ms - 1
                for _ in range(min(missing, self.windows.window)):
                    self.windows.add(symbol, 0.0)
            self.windows.add(symbol, close / previous - 1.0)
        self._last_close[symbol] = close
        self._last_ts[symbol] = candle.ts_ms
        pos = self.positions.get(symbol)
        if pos is not None:
            self.equity += float(pos.quantity) * (close - pos.mark_price)
            self.gross_notional -= pos.notional
            pos.mark_price = close
            pos.notional = abs(float(pos.quantity)) * close
            self.gross_notional += pos.notional
        self.roll_day(candle.close_ms)

    def add_return(self, symbol: str, value: float) -> None:
        """Append one return to ``symbol``'s window directly (warm-up from history, tests)."""
        self.windows.add(symbol, value)

    def set_equity(self, equity: float) -> None:
        """Replace the estimate with the portfolio's equity."""
        self.equity = float(equity)

    def set_position(
        self, symbol: str, quantity: Decimal, mark_price: float, entry_ms: int
    ) -> None:
        """Replace ``symbol``'s position (signed ``quantity``; zero removes it)."""
        self.positions.pop(symbol, None)
        if quantity != 0:
            notional = abs(float(quantity)) * mark_price
            self.positions[symbol] = OpenPosition(symbol, quantity, notional, entry_ms, mark_price)
        self.exposure_version += 1
        self._resum_positions()

    def _resum_positions(self) -> None:
        # Exact re-sum on every fill (not the hot path), so candle deltas never drift for long.
        self.gross_notional = sum(p.notional for p in self.positions.values())

    def _resum_pending(self, symbol: str) -> None:
        entries = [e for e in self.pending.values() if e.symbol == symbol]
        had = symbol in self.pending_by_symbol
        if entries:
            self.pending_by_symbol[symbol] = sum(e.notional for e in entries)
        else:
            self.pending_by_symbol.pop(symbol, None)
        if had != bool(entries):
            self.exposure_version += 1
        self.pending_notional = sum(self.pending_by_symbol.values())


def _quote(symbol: str) -> str:
    """The quote currency of a CCXT symbol: ``BTC/USDT`` -> USDT, ``BTC/USDT:USDT`` -> USDT."""
    return symbol.partition("/")[2].partition(":")[0]
