"""The Strategy base class: one file per strategy, the same code in backtest, paper and live.

A strategy reacts to closed candles in :meth:`Strategy.on_candle` and acts with
:meth:`enter_long` / :meth:`exit_long` (or :meth:`submit` for full control). A strategy whose
decisions can be computed over the whole history at once also implements
:meth:`vector_signals`; the backtester then offers its fast path, and a differential test
proves both give the same trades.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar, Generic, TypeVar

from xor_trading.core.ids import OrderId
from xor_trading.core.precision import Rounding
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import CancelOrder, SubmitOrder
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderSide, OrderType, TimeInForce
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.series import CandleWindow, SeriesSpec
from xor_trading.strategy.signals import Signals
from xor_trading.timeseries.candle_frame import CandleFrame
from xor_trading.timeseries.price_grid import tick_of

ConfigT = TypeVar("ConfigT", bound=StrategyConfig)

ENTRY_TAG = "entry"
EXIT_TAG = "signal"
# Enum members bound once: attribute access on an Enum class costs ~0.2 us (order path).
_BUY = OrderSide.BUY
_SELL = OrderSide.SELL
_MARKET = OrderType.MARKET
_GTC = TimeInForce.GTC


class Strategy(ABC, Generic[ConfigT]):
    """Subclass, set ``name`` and ``config_class``, implement :meth:`on_candle`."""

    name: ClassVar[str]
    config_class: ClassVar[type[StrategyConfig]]
    description: ClassVar[str] = ""

    def __init__(self, config: ConfigT, context: StrategyContext) -> None:
        self.config = config
        self.ctx = context
        self._tick_f = float(context.instrument.tick_size)
        self._windows: dict[SeriesSpec, CandleWindow] = {}
        self._exit_order: OrderId | None = None

    @abstractmethod
    def on_candle(self, candle: Candle) -> None:
        """Called once per closed candle of the strategy's symbol, in time order."""

    def on_start(self) -> None:
        """Called once before the first candle."""

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals | None:
        """Entries and exits for every candle at once, or None if not vectorisable.

        ``series`` holds the frames of :meth:`extra_series`; align them to ``frame`` with
        :func:`~xor_trading.strategy.series.last_closed_index` (never by open time).
        """
        return None

    # -- data -------------------------------------------------------------------------------

    @property
    def warmup_bars(self) -> int:
        """Primary candles needed before the first decision; a backtest with fewer is refused."""
        return 0

    def extra_series(self) -> list[SeriesSpec]:
        """Other series this strategy reads (higher timeframes, other symbols)."""
        return []

    def on_series_candle(self, spec: SeriesSpec, candle: Candle) -> None:
        """Called when a candle of an extra series closes, before the primary candle that
        closes at the same time. The candle is already in :meth:`window`."""

    def window(self, spec: SeriesSpec) -> CandleWindow:
        """The recent closed candles of an extra series (filled by the runner)."""
        return self._windows[spec]

    def on_fill(self, fill: Fill) -> None:
        """Called after each fill of one of this strategy's orders (the portfolio is updated)."""

    # -- acting -----------------------------------------------------------------------------

    @property
    def position_quantity(self) -> Decimal:
        return self.ctx.positions.position_quantity(self.ctx.symbol)

    def enter_long(self, candle: Candle) -> None:
        """Buy at market, sized at ``candle``'s close: ``settings.stake`` worth, or what the
        run's sizing mode says (fixed fractional, Kelly, volatility) when one is set."""
        ctx = self.ctx
        inst = ctx.instrument
        reference = Decimal(tick_of(candle.close, self._tick_f)) * inst.tick_size
        qty: Decimal
        if ctx.sizer is None:
            qty = inst.quantity_for_notional(ctx.settings.stake, reference)
        else:
            bracket = ctx.settings.bracket
            stop = None
            if bracket is not None and bracket.stop_loss_pct is not None:
                stop = reference * (1 - bracket.stop_loss_pct / 100)
            qty = ctx.sizer(reference, stop)
        self.submit(_BUY, qty, reference, bracket=True, tag=ENTRY_TAG)

    def exit_long(self, candle: Candle) -> None:
        """Sell the whole long position at market (its stop and target are canceled).

        While an exit sent earlier is still working, nothing more is sent: a second sell of
        the same coins would only be refused by the venue. Strategies can call this on every
        candle their exit condition holds."""
        qty = self.position_quantity
        if qty <= 0:
            return
        if self._exit_order is not None and self.ctx.order_is_open(self._exit_order):
            return
        reference = Decimal(tick_of(candle.close, self._tick_f)) * self.ctx.instrument.tick_size
        self._exit_order = self.submit(_SELL, qty, reference, reduce_only=True,
                                       tag=EXIT_TAG)  # fmt: skip

    def submit(
        self,
        side: OrderSide,
        quantity: Decimal,
        reference_price: Decimal,
        *,
        order_type: OrderType = _MARKET,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        reduce_only: bool = False,
        bracket: bool = False,
        tag: str = "",
    ) -> OrderId:
        ctx = self.ctx
        order_id = OrderId(ctx.order_ids.next())
        # Positional, in SubmitOrder's field order: keywords cost a dict per call (order path).
        ctx.send(
            SubmitOrder(
                order_id,
                ctx.strategy_id,
                ctx.symbol,
                side,
                order_type,
                quantity,
                ctx.clock.now_ms(),
                limit_price,
                stop_price,
                _GTC,
                reduce_only,
                ctx.settings.bracket if bracket else None,
                reference_price,
                tag,
            )
        )
        return order_id

    def buy_limit(self, quantity: Decimal, price: Decimal, tag: str = "") -> OrderId:
        """A resting buy at ``price`` rounded down to the tick (never above what you asked)."""
        limit = self.ctx.instrument.round_price(price, Rounding.DOWN)
        return self.submit(OrderSide.BUY, quantity, limit, order_type=OrderType.LIMIT,
                           limit_price=limit, tag=tag)  # fmt: skip

    def sell_limit(self, quantity: Decimal, price: Decimal, tag: str = "") -> OrderId:
        """A resting sell at ``price`` rounded up to the tick (never below what you asked)."""
        limit = self.ctx.instrument.round_price(price, Rounding.UP)
        return self.submit(OrderSide.SELL, quantity, limit, order_type=OrderType.LIMIT,
                           limit_price=limit, tag=tag)  # fmt: skip

    def cancel(self, order_id: OrderId) -> None:
        self.ctx.send(CancelOrder(order_id, self.ctx.clock.now_ms()))

    def price_of(self, candle: Candle) -> Decimal:
        """The candle's close on the tick grid, as an exact decimal."""
        return Decimal(tick_of(candle.close, self._tick_f)) * self.ctx.instrument.tick_size

    def quantity_for(self, notional: Decimal, price: Decimal) -> Decimal:
        """The largest lot multiple worth at most ``notional`` at ``price``."""
        return self.ctx.instrument.quantity_for_notional(notional, price)
