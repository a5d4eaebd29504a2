"""The simulated venue: a matching engine that fills orders against candles.

It implements :class:`~xor_trading.execution.ports.ExchangePort`, the same port as the CCXT
adapter, so backtests and paper trading run the live order code unchanged. Rules (all in
docs/architecture.md, "Fill model"):

* Prices move along :func:`candle_path`. The open is a jump; the segments are continuous.
* Market orders fill at the first price point after they arrive: the next candle's open
  for an order sent at a candle's close. Taker fee, spread and slippage apply.
* Stop orders trigger when the price **touches** the stop. Inside a segment they fill at the
  stop price; when the open gaps through the stop they fill at the open (the worse price).
* A resting limit order fills at its limit price only when the price trades **through** it
  (strictly beyond); touching is not enough. Maker fee, no slippage. A limit order that is
  marketable when it arrives fills at once at the current price as a taker.
* One-cancels-the-other: a fill or trigger of one leg cancels the other leg.
* With ``max_volume_participation`` set, all orders together fill at most that share of a
  candle's volume in that candle; the remainder keeps working in later candles.
* Balances are checked at fill time; an order that cannot be paid for is rejected (or the
  rest canceled after a partial fill). Spot only: nothing is ever borrowed or withdrawn.
* Commissions (``VenueConfig.fees``, :func:`commission`) are in the quote, or with
  ``asset = received`` in the asset received: a buy of ``q`` credits ``q - fee`` of the base
  (the fill's ``fee_currency`` is the base), a sell pays its fee from the quote it gets.
  The balances move by exactly the fills' quantities, values and fees.
* Fills inside a candle carry the candle's open time; their order follows the path.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from xor_trading.core.clock import Clock
from xor_trading.core.ids import OrderId, Symbol, TradeId, VenueOrderId
from xor_trading.core.precision import Rounding
from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.exchanges.simulated.candle_path import candle_path
from xor_trading.exchanges.simulated.commission import commission
from xor_trading.exchanges.simulated.fill_models import VenueConfig
from xor_trading.execution.ports import ReportSink, VenueCapabilities
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderFilledReport,
    OrderRejectedReport,
    OrderTriggeredReport,
)
from xor_trading.timeseries.price_grid import tick_of

_BPS = Decimal(10_000)

# Enum members bound once: attribute access on an Enum class costs ~0.2 us (hot path).
_SELL = OrderSide.SELL
_BUY = OrderSide.BUY
_MARKET = OrderType.MARKET
_STOP_MARKET = OrderType.STOP_MARKET
_MAKER = Liquidity.MAKER
_TAKER = Liquidity.TAKER


@dataclass(slots=True)
class _WorkingOrder:
    order_id: OrderId
    side: OrderSide
    order_type: OrderType
    remaining: Decimal
    limit_t: int | None  # limit price in ticks
    stop_t: int | None  # stop price in ticks
    sequence: int
    oco_with: OrderId | None = None
    triggered: bool = False
    seen_price: bool = False  # has been evaluated at a price point already (then it rests)
    filled_any: bool = False


@dataclass(slots=True)
class _Book:
    instrument: Instrument
    tick_f: float
    orders: dict[OrderId, _WorkingOrder] = field(default_factory=dict)
    last_close_f: float | None = None  # the last candle's close, as recorded

    @property
    def last_close(self) -> Decimal | None:
        """The last close on the tick grid; computed when asked (rarely), not per candle."""
        if self.last_close_f is None:
            return None
        return Decimal(tick_of(self.last_close_f, self.tick_f)) * self.instrument.tick_size


class SimulatedVenue:
    """A spot venue for one account. See the module docstring for the fill rules."""

    def __init__(
        self,
        clock: Clock,
        instruments: list[Instrument],
        config: VenueConfig,
        balances: dict[str, Decimal],
        name: str = "simulated",
        trade_id_prefix: str = "T-",
    ) -> None:
        self._clock = clock
        # Trade ids are this prefix and a counter from 1: a paper bot restarted gets a new
        # prefix, so its new fills never repeat the (bot, venue trade id) of recorded ones.
        self._trade_id_prefix = trade_id_prefix
        self._config = config
        self._maker_rate = config.fees.rate(is_maker=True)
        self._taker_rate = config.fees.rate(is_maker=False)
        self._fee_asset = config.fees.asset
        self._name = name
        self._books = {i.symbol: _Book(i, float(i.tick_size)) for i in instruments}
        self._order_symbol: dict[OrderId, Symbol] = {}
        self.balances: dict[str, Decimal] = dict(balances)
        self._sink: ReportSink | None = None
        self._seq = itertools.count(1)
        self._trade_ids = itertools.count(1)
        self._volume_left: Decimal | None = None
        self._candle: Candle | None = None

    # -- ExchangePort -------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def capabilities(self) -> VenueCapabilities:
        return VenueCapabilities(stop_market=True, stop_limit=True, oco=True)

    def connect(self, sink: ReportSink) -> None:
        self._sink = sink

    def submit_order(self, order: Order) -> None:
        self._accept(order, oco_with=None)

    def submit_oco(self, first: Order, second: Order) -> None:
        """Both legs are accepted or both rejected, as Binance does with an order list."""
        book = self._books.get(first.symbol)
        problem = (
            None if book is None else (self._validate(book, first) or self._validate(book, second))
        )
        if book is None or problem:
            reason = f"order list rejected: {problem or f'unknown symbol {first.symbol}'}"
            for leg in (first, second):
                self._emit(OrderRejectedReport(leg.order_id, reason, self._now()))
            return
        self._accept(first, oco_with=second.order_id)
        self._accept(second, oco_with=first.order_id)

    def cancel_order(self, order_id: OrderId) -> None:
        symbol = self._order_symbol.get(order_id)
        book = self._books[symbol] if symbol is not None else None
        if book is None or order_id not in book.orders:
            self._emit(OrderRejectedReport(order_id, "cancel refused: unknown order", self._now()))
            return
        self._remove(book, order_id, "canceled by request")

    # -- market data --------------------------------------------------------------------

    def on_candle(self, symbol: Symbol, candle: Candle) -> None:
        """Move the market through ``candle`` (which just opened and then closed)."""
        book = self._books[symbol]
        if book.orders:
            self._match_candle(book, candle)
        book.last_close_f = candle.close

    def has_price(self, symbol: Symbol) -> bool:
        """Whether ``symbol`` has a last price (a market order is refused without one)."""
        return self._books[symbol].last_close_f is not None

    def note_price(self, symbol: Symbol, price: float) -> None:
        """Take ``price`` as ``symbol``'s last price when it has none, matching nothing (a
        restarted paper venue placing an earlier run's market order before its first
        candle)."""
        book = self._books[symbol]
        if book.last_close_f is None:
            book.last_close_f = price

    def fill_market_orders_at_close(self, symbol: Symbol, candle: Candle, ts_ms: int) -> None:
        """Fill working market orders at ``candle``'s close (used to end a backtest)."""
        book = self._books[symbol]
        self._candle = candle
        self._volume_left = None
        close_t = tick_of(candle.close, book.tick_f)
        for w in list(book.orders.values()):
            if w.order_type is _MARKET and w.order_id in book.orders:
                self._fill(book, w, close_t, is_maker=False, ts_ms=ts_ms)

    def open_order_ids(self, symbol: Symbol) -> list[OrderId]:
        return list(self._books[symbol].orders)

    # -- matching -----------------------------------------------------------------------

    def _match_candle(self, book: _Book, candle: Candle) -> None:
        tf = book.tick_f
        path = candle_path(
            tick_of(candle.open, tf),
            tick_of(candle.high, tf),
            tick_of(candle.low, tf),
            tick_of(candle.close, tf),
        )
        self._candle = candle
        cap = self._config.max_volume_participation
        self._volume_left = None if cap is None else cap * Decimal(str(candle.volume))
        ts = candle.ts_ms
        for w in self._snapshot(book):
            self._at_point(book, w, path[0], ts)
        for k in range(1, 4):
            for w in self._snapshot(book):
                self._along_segment(book, w, path[k - 1], path[k], ts)

    @staticmethod
    def _snapshot(book: _Book) -> list[_WorkingOrder]:
        """Working orders in arrival order (dicts keep insertion order, which is arrival)."""
        return list(book.orders.values())

    def _at_point(self, book: _Book, w: _WorkingOrder, p: int, ts: int) -> None:
        """Price jumps to ``p`` (a candle's open)."""
        if w.order_id not in book.orders:
            return
        sell = w.side is _SELL
        if self._acts_as_market(w):
            self._fill(book, w, p, is_maker=False, ts_ms=ts)
        elif w.stop_t is not None and not w.triggered:
            if (p <= w.stop_t) if sell else (p >= w.stop_t):
                self._trigger(book, w, ts)
                if w.order_type is _STOP_MARKET:
                    self._fill(book, w, p, is_maker=False, ts_ms=ts)
                else:
                    self._limit_at(book, w, p, ts, arriving=True)
        else:
            self._limit_at(book, w, p, ts, arriving=not w.seen_price)
        w.seen_price = True

    def _along_segment(self, book: _Book, w: _WorkingOrder, a: int, b: int, ts: int) -> None:
        """Price travels continuously from ``a`` (already processed) to ``b``."""
        if w.order_id not in book.orders:
            return
        sell = w.side is _SELL
        if self._acts_as_market(w):
            self._fill(book, w, a, is_maker=False, ts_ms=ts)  # arrived while the price was at a
        elif w.stop_t is not None and not w.triggered:
            stop = w.stop_t
            if (a <= stop) if sell else (a >= stop):
                at = a  # the order arrived with the price already beyond its stop
            elif (b <= stop) if sell else (b >= stop):
                at = stop
            else:
                w.seen_price = True
                return
            self._trigger(book, w, ts)
            if w.order_type is _STOP_MARKET:
                self._fill(book, w, at, is_maker=False, ts_ms=ts)
            elif self._limit_at(book, w, at, ts, arriving=True) is False:
                self._limit_through(book, w, at, b, ts)
        elif w.seen_price or not self._limit_at(book, w, a, ts, arriving=True):
            self._limit_through(book, w, a, b, ts)
        w.seen_price = True

    @staticmethod
    def _acts_as_market(w: _WorkingOrder) -> bool:
        """Market orders, and triggered stop-market orders (a remainder after a partial fill)."""
        return w.order_type is _MARKET or (w.order_type is _STOP_MARKET and w.triggered)

    def _limit_at(self, book: _Book, w: _WorkingOrder, p: int, ts: int, arriving: bool) -> bool:
        """A limit order meets price ``p``; returns True when it (partly) filled."""
        limit = w.limit_t
        assert limit is not None
        sell = w.side is _SELL
        if arriving:  # marketable on arrival: crosses at the current price, as a taker
            if (p >= limit) if sell else (p <= limit):
                self._fill(book, w, p, is_maker=False, ts_ms=ts)
                return True
            w.seen_price = True
            return False
        if (p > limit) if sell else (p < limit):  # resting: price traded through it
            self._fill(book, w, limit, is_maker=True, ts_ms=ts)
            return True
        return False

    def _limit_through(self, book: _Book, w: _WorkingOrder, a: int, b: int, ts: int) -> None:
        limit = w.limit_t
        assert limit is not None
        if (max(a, b) > limit) if w.side is _SELL else (min(a, b) < limit):
            self._fill(book, w, limit, is_maker=True, ts_ms=ts)

    # -- effects ------------------------------------------------------------------------

    def _trigger(self, book: _Book, w: _WorkingOrder, ts: int) -> None:
        w.triggered = True
        w.seen_price = False
        self._emit(OrderTriggeredReport(w.order_id, ts))
        self._cancel_sibling(book, w)

    def _cancel_sibling(self, book: _Book, w: _WorkingOrder) -> None:
        if w.oco_with is not None and w.oco_with in book.orders:
            self._remove(book, w.oco_with, "other leg of the OCO executed")
        w.oco_with = None

    def _fill(
        self, book: _Book, w: _WorkingOrder, price_t: int, is_maker: bool, ts_ms: int
    ) -> None:
        inst = book.instrument
        candle = self._candle
        assert candle is not None
        qty = w.remaining
        if self._volume_left is not None:
            qty = min(qty, inst.round_quantity_down(self._volume_left))
            if qty <= 0:
                return
        reference = Decimal(price_t) * inst.tick_size
        if is_maker:
            fill_price = reference
        else:
            bps = self._config.taker_adverse_bps(qty, candle)
            if not bps:
                fill_price = reference  # already on the grid: nothing to round
            elif w.side is _BUY:
                fill_price = inst.round_price(reference * (1 + bps / _BPS), Rounding.UP)
            else:
                fill_price = inst.round_price(reference * (1 - bps / _BPS), Rounding.DOWN)
        value = fill_price * qty
        rate = self._maker_rate if is_maker else self._taker_rate
        fee, fee_in_base = commission(
            w.side is _BUY, qty, value, rate, self._fee_asset, inst.fee_quantum
        )
        if not self._can_pay(inst, w.side, qty, value, fee, fee_in_base):
            # The order was accepted, so the venue expires it (Binance status EXPIRED).
            reason = f"insufficient balance for {w.side.value} {qty} {inst.base} at {fill_price}"
            self._remove(book, w.order_id, reason, expired=True)
            return
        self._settle(inst, w.side, qty, value, fee, fee_in_base)
        if self._volume_left is not None:
            self._volume_left -= qty
        w.remaining -= qty
        w.filled_any = True
        self._cancel_sibling(book, w)
        if w.remaining == 0:
            del book.orders[w.order_id]
        liquidity = _MAKER if is_maker else _TAKER
        fill = Fill(
            TradeId(f"{self._trade_id_prefix}{next(self._trade_ids)}"),
            w.order_id,
            inst.symbol,
            w.side,
            fill_price,
            qty,
            fee,
            inst.base if fee_in_base else inst.quote,
            liquidity,
            ts_ms,
        )
        self._emit(OrderFilledReport(fill))

    def _can_pay(
        self,
        inst: Instrument,
        side: OrderSide,
        qty: Decimal,
        value: Decimal,
        fee: Decimal,
        fee_in_base: bool,
    ) -> bool:
        """Spot: a buy needs its value (and a quote fee) in the quote; a base fee comes off
        what the buy receives. A sell needs its quantity in the base."""
        if side is _BUY:
            cost = value if fee_in_base else value + fee
            return self.balances.get(inst.quote, Decimal(0)) >= cost
        return (
            self.balances.get(inst.base, Decimal(0)) >= qty
            and self.balances.get(inst.quote, Decimal(0)) + value >= fee
        )

    def _settle(
        self,
        inst: Instrument,
        side: OrderSide,
        qty: Decimal,
        value: Decimal,
        fee: Decimal,
        fee_in_base: bool,
    ) -> None:
        b = self.balances
        zero = Decimal(0)
        if side is _BUY:
            if fee_in_base:
                b[inst.quote] = b.get(inst.quote, zero) - value
                b[inst.base] = b.get(inst.base, zero) + qty - fee
            else:
                b[inst.quote] = b.get(inst.quote, zero) - value - fee
                b[inst.base] = b.get(inst.base, zero) + qty
        else:
            b[inst.base] = b.get(inst.base, zero) - qty
            b[inst.quote] = b.get(inst.quote, zero) + value - fee

    def _accept(self, order: Order, oco_with: OrderId | None) -> bool:
        book = self._books.get(order.symbol)
        ts = self._now()
        if book is None:
            self._emit(OrderRejectedReport(order.order_id, f"unknown symbol {order.symbol}", ts))
            return False
        inst = book.instrument
        problem = self._validate(book, order)
        if problem:
            self._emit(OrderRejectedReport(order.order_id, problem, ts))
            return False
        w = _WorkingOrder(
            order.order_id,
            order.side,
            order.order_type,
            order.quantity,
            None if order.limit_price is None else int(order.limit_price / inst.tick_size),
            None if order.stop_price is None else int(order.stop_price / inst.tick_size),
            next(self._seq),
            oco_with,
        )
        book.orders[order.order_id] = w
        self._order_symbol[order.order_id] = inst.symbol
        self._emit(OrderAcceptedReport(order.order_id, VenueOrderId(f"V-{w.sequence}"), ts))
        return True

    @staticmethod
    def _validate(book: _Book, order: Order) -> str | None:
        inst = book.instrument
        for label, p in (("limit", order.limit_price), ("stop", order.stop_price)):
            if p is not None and (p <= 0 or p % inst.tick_size != 0):
                return f"{label} price {p} is not a positive multiple of the tick {inst.tick_size}"
        reference = order.limit_price or order.stop_price or book.last_close
        if reference is None:
            return "no price yet for this market: a market order needs a last price"
        return inst.check_order(order.quantity, reference)

    def _remove(self, book: _Book, order_id: OrderId, reason: str, expired: bool = False) -> None:
        w = book.orders.pop(order_id)
        if w.oco_with is not None and w.oco_with in book.orders:
            book.orders[w.oco_with].oco_with = None
        report = OrderExpiredReport if expired else OrderCanceledReport
        self._emit(report(order_id, reason, self._now()))

    def _emit(self, report: object) -> None:
        if self._sink is None:
            raise RuntimeError("the venue is not connected: call connect(sink) first")
        self._sink(report)  # type: ignore[arg-type]

    def _now(self) -> int:
        return self._clock.now_ms()
