"""Scalping: buy a short pullback in an up trend, only on candles wide enough to pay the costs.

Meant for short candles (tested on BTC/USDT 1m). ``cost_bps`` is the expected round-trip
cost in basis points of the price: twice the taker fee plus the spread (fee 10 bps and a
1 bp spread: 21). It is a strategy parameter because a strategy does not see the backtest's
cost settings; set it to match them (or the venue's real costs, live).

Rules, decided at the close of candle ``i``:

* **Entry** (when flat), all of:

  - up trend: ``close[i] > slow_ema[i]``;
  - pullback: ``close[i] < fast_ema[i]`` (the two imply ``fast_ema[i] > slow_ema[i]``);
  - wide enough: ``(high[i] - low[i]) / close[i] * 10,000 > min_range_multiple * cost_bps``
    (on a candle that moves less than the costs, a scalp has no room to pay them).

  A market buy of ``settings.stake`` (quote currency), sized at the close, fills at the next
  open. The run's stop loss / take profit bracket is **not** attached: this strategy places
  its own exits.
* **Exits**, as real orders placed with :meth:`submit` right after each entry fill (in
  :meth:`on_fill`, so they work from the fill's moment, inside the fill candle already):

  - take profit: a sell limit at ``entry * (1 + take_profit_bps / 10,000)`` rounded up to the
    tick; it fills at its price when the market trades through it (maker fee);
  - stop: a sell stop-market at ``entry * (1 - stop_loss_bps / 10,000)`` rounded down to the
    tick; it fills at its stop when touched, or at the open if the price gaps through;
  - ``entry`` is the position's average entry price. When one of the two fills, the other
    is canceled at once (a one-cancels-the-other pair kept by the strategy);
  - time stop: at the close of the ``max_hold_candles``-th candle since the entry fill (the
    fill candle counts as the first), both orders are canceled and the position is sold at
    market at the next open (tag ``time_stop``; 0 disables the time stop).

Partial fills (only with a volume cap): after every fill the strategy cancels its working
exit orders and, if a position remains, places a fresh take profit and stop for the whole
quantity held, priced from the current average entry. So a partly filled entry is protected
as it grows, and a partly filled exit leaves exits for exactly the rest.

Event path only: the exits are orders placed after fills, at prices from the fill.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from xor_trading.core.ids import OrderId
from xor_trading.core.precision import Rounding
from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.indicators.ema import EMA
from xor_trading.strategy.base import ENTRY_TAG, Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy

TAKE_PROFIT_TAG = "take_profit"
STOP_LOSS_TAG = "stop_loss"
TIME_STOP_TAG = "time_stop"
_BPS = Decimal(10_000)


class ScalpingConfig(StrategyConfig):
    fast: int = Field(default=9, ge=1, le=10_000, description="Fast EMA period, in candles.")
    slow: int = Field(default=50, ge=2, le=10_000, description="Slow EMA period, in candles.")
    cost_bps: float = Field(
        default=21.0, ge=0.0, le=1_000.0,
        description="Expected round-trip cost in bps of the price: 2 x fee + spread.",
    )  # fmt: skip
    min_range_multiple: float = Field(
        default=1.0, ge=0.0, le=100.0,
        description="Enter only when the candle's high-low range in bps exceeds this "
        "multiple of cost_bps.",
    )  # fmt: skip
    take_profit_bps: float = Field(
        default=40.0, gt=0.0, le=1_000.0,
        description="Take profit above the entry price, in bps (must exceed cost_bps).",
    )  # fmt: skip
    stop_loss_bps: float = Field(
        default=30.0, gt=0.0, le=1_000.0, description="Stop below the entry price, in bps."
    )
    max_hold_candles: int = Field(
        default=30, ge=0, le=1_000_000,
        description="Sell at market after this many candles in the trade (0: no time stop).",
    )  # fmt: skip

    @model_validator(mode="after")
    def _consistent(self) -> ScalpingConfig:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        if self.take_profit_bps <= self.cost_bps:
            raise ValueError(
                f"take_profit_bps ({self.take_profit_bps}) must exceed cost_bps "
                f"({self.cost_bps}): a winning trade must pay its costs"
            )
        return self


@register_strategy
class Scalping(Strategy[ScalpingConfig]):
    name = "scalping"
    config_class = ScalpingConfig
    description = "Short-candle pullback buys in an up trend, cost-filtered, tight target and stop."

    def __init__(self, config: ScalpingConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._fast = EMA(config.fast).update
        self._slow = EMA(config.slow).update
        self._min_range_bps = config.min_range_multiple * config.cost_bps
        self._take_profit = 1 + Decimal(str(config.take_profit_bps)) / _BPS
        self._stop_loss = 1 - Decimal(str(config.stop_loss_bps)) / _BPS
        self._exit_orders: list[OrderId] = []  # working (or done: canceling those is a no-op)
        self._held = 0  # closes seen since the entry fill
        self._exiting = False  # a time-stop market sell is working

    @property
    def warmup_bars(self) -> int:
        return self.config.slow - 1

    def on_candle(self, candle: Candle) -> None:
        close = candle.close
        fast = self._fast(close)
        slow = self._slow(close)
        if self.position_quantity > 0:
            self._held += 1
            limit = self.config.max_hold_candles
            if limit and self._held >= limit and not self._exiting:
                self._cancel_exits()
                self._exiting = True
                self.submit(OrderSide.SELL, self.position_quantity, self.price_of(candle),
                            reduce_only=True, tag=TIME_STOP_TAG)  # fmt: skip
            return
        range_bps = (candle.high - candle.low) / close * 10_000.0
        # slow < close < fast: above the slow EMA (up trend, so fast > slow) but below the fast.
        if slow < close < fast and range_bps > self._min_range_bps:
            reference = self.price_of(candle)
            quantity = self.quantity_for(self.ctx.settings.stake, reference)
            self.submit(OrderSide.BUY, quantity, reference, tag=ENTRY_TAG)

    def on_fill(self, fill: Fill) -> None:
        self._cancel_exits()
        quantity = self.position_quantity
        if quantity == 0:
            self._held = 0
            self._exiting = False
            return
        if self._exiting:
            return  # the rest of the time-stop sell is still working: it sells what is left
        inst = self.ctx.instrument
        entry = self.ctx.positions.position_avg_entry(self.ctx.symbol)
        stop = inst.round_price(entry * self._stop_loss, Rounding.DOWN)
        target = self.sell_limit(quantity, entry * self._take_profit, tag=TAKE_PROFIT_TAG)
        protection = self.submit(OrderSide.SELL, quantity, stop, order_type=OrderType.STOP_MARKET,
                                 stop_price=stop, tag=STOP_LOSS_TAG)  # fmt: skip
        self._exit_orders = [target, protection]

    def _cancel_exits(self) -> None:
        for order_id in self._exit_orders:
            self.cancel(order_id)
        self._exit_orders = []
