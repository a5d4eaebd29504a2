"""DCA bot (as 3Commas' long DCA bots): a base order, safety orders below it, one take profit.

Event path only (its orders depend on its own fills). One *deal* at a time:

1. **Start.** At a close, when no deal is open and the cooldown is over, the start condition
   is checked: ``start = "immediately"`` always holds; ``start = "rsi_below"`` holds when
   the RSI (Wilder, ``rsi_period`` closes, :class:`~xor_trading.indicators.rsi.RSI`) of that
   close is below ``rsi_level``. Then the **base order** is sent: a market buy of the largest
   lot multiple worth at most ``base_order`` quote at that close (tag ``base``); it fills at
   the next candle's open.
2. **Safety orders.** When the base order has completely filled, at its average fill price
   ``B``, ``max_safety_orders`` limit buys are placed at once (tag ``safety``). Safety order
   ``k`` (1-based, ``s = step_pct``, ``r = step_scale``, ``v = volume_scale``):

   * deviation ``d_k = sum_{j=1..k} s * r ** (j - 1)`` percent;
   * price ``P_k = B * (1 - d_k / 100)``, rounded down to the tick;
   * amount ``A_k = safety_order * v ** (k - 1)`` quote; quantity: the largest lot multiple
     worth at most ``A_k`` at ``P_k``.

   With ``s = 1``, ``r = 2``: deviations 1 %, 3 %, 7 %; with ``v = 2``: amounts 1x, 2x, 4x.
3. **Take profit.** A limit sell of the whole position at ``avg * (1 + take_profit_pct /
   100)``, rounded up to the tick, where ``avg`` is the position's average entry price
   (exact volume-weighted cost, fees excluded). It is placed when the base order completes
   and canceled and placed again, for the whole position at the new average, after every
   fill of a safety order (partial fills included).
4. **Deal end.** When a sell leaves the position flat: the safety orders still working are
   canceled, and the next deal may start at the close of the candle in which the deal ended
   plus ``cooldown`` candles (``cooldown = 0``: that same close).
5. **Stop loss** (``stop_loss_pct > 0``): at a close at or below ``avg * (1 -
   stop_loss_pct / 100)`` the take profit and the safety orders are canceled and the whole
   position is sold at market (tag ``stop_loss``, next open); the deal then ends as in 4.

**Amounts.** ``base_order`` and ``safety_order`` are quote amounts; a zero one is derived from
the run's stake so that a full deal costs at most the stake:
``unit = stake / (1 + sum_{k=1..N} v ** (k - 1))`` (``N = max_safety_orders``). The run's
capital must cover a full deal plus fees and the losses of earlier deals (open orders do
not lock funds on the simulated venue; a buy it cannot pay for would expire). An order below
the venue's minimums stops the strategy with a ConfigError naming it.

**Partial fills** (a volume cap): a base order remainder keeps working at the following opens
and the safety orders and take profit wait until it completes; safety and take-profit
remainders keep working (the take profit is re-sized to the position after any safety fill).

**Spot.** Every sell is for the position the strategy holds (take profit, stop loss), never
more. The run's stop-loss/take-profit bracket is not used: the bot has its own exits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Literal

from pydantic import Field, model_validator

from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import OrderId
from xor_trading.core.precision import Rounding
from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderSide
from xor_trading.domain.values import ZERO
from xor_trading.indicators.rsi import RSI
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy

_HUNDRED = Decimal(100)
_DOWN = Rounding.DOWN
BASE_TAG = "base"
SAFETY_TAG = "safety"
TAKE_PROFIT_TAG = "take_profit"
STOP_LOSS_TAG = "stop_loss"


class DcaConfig(StrategyConfig):
    start: Literal["immediately", "rsi_below"] = Field(
        default="immediately", description="Deal start condition, checked at each close."
    )
    rsi_period: int = Field(default=14, ge=2, le=500, description="RSI period, in candles.")
    rsi_level: float = Field(
        default=30.0, gt=0, lt=100, description="rsi_below: start when the RSI is below this."
    )
    base_order: float = Field(
        default=0.0, ge=0, description="Base order amount, quote; 0: derived from the stake."
    )
    safety_order: float = Field(
        default=0.0, ge=0, description="First safety order amount, quote; 0: derived."
    )
    max_safety_orders: int = Field(default=5, ge=0, le=50, description="Safety orders per deal.")
    step_pct: float = Field(
        default=1.0, gt=0, le=50, description="First safety order, % below the base price."
    )
    step_scale: float = Field(
        default=1.2, ge=0.1, le=10, description="Each next deviation step times this."
    )
    volume_scale: float = Field(
        default=1.5, ge=0.1, le=10, description="Each next safety order amount times this."
    )
    take_profit_pct: float = Field(
        default=1.5, gt=0, le=1000, description="Take profit, % above the average entry."
    )
    stop_loss_pct: float = Field(
        default=0.0, ge=0, lt=100, description="Stop loss, % below the average entry; 0: none."
    )
    cooldown: int = Field(
        default=0, ge=0, le=100_000, description="Candles to wait after a deal before the next."
    )

    @model_validator(mode="after")
    def _safety_prices_positive(self) -> DcaConfig:
        total = sum(self.step_pct * self.step_scale**j for j in range(self.max_safety_orders))
        if total >= 100:
            raise ValueError(
                f"the last safety order would be {total:g} % below the base price: "
                "lower step_pct, step_scale or max_safety_orders"
            )
        return self

    def deviations_pct(self) -> list[Decimal]:
        """``d_k`` for k = 1..N, exact decimals."""
        step, scale = Decimal(str(self.step_pct)), Decimal(str(self.step_scale))
        out, total = [], ZERO
        for j in range(self.max_safety_orders):
            total += step * scale**j
            out.append(total)
        return out

    def amounts(self, stake: Decimal) -> tuple[Decimal, list[Decimal]]:
        """The base order amount and ``A_1..A_N`` (quote currency)."""
        volume = Decimal(str(self.volume_scale))
        factors = [volume**j for j in range(self.max_safety_orders)]
        unit = stake / (1 + sum(factors, ZERO))
        base = Decimal(str(self.base_order)) if self.base_order > 0 else unit
        first = Decimal(str(self.safety_order)) if self.safety_order > 0 else unit
        return base, [first * f for f in factors]


class _State(Enum):
    IDLE = "idle"  # no deal; waiting for the cooldown and the start condition
    ENTERING = "entering"  # base order sent, not completely filled
    IN_DEAL = "in_deal"  # safety orders and take profit working
    EXITING = "exiting"  # stop-loss market sell sent


@dataclass(slots=True)
class _Order:
    order_id: OrderId
    quantity: Decimal
    filled: Decimal = ZERO
    value: Decimal = ZERO  # sum of price x quantity of its fills

    @property
    def complete(self) -> bool:
        return self.filled == self.quantity


@dataclass(slots=True)
class _Deal:
    base: _Order
    safeties: dict[OrderId, _Order] = field(default_factory=dict)
    take_profit: _Order | None = None


@register_strategy
class Dca(Strategy[DcaConfig]):
    name = "dca"
    config_class = DcaConfig
    description = "DCA bot: base order, scaled safety orders below, take profit on the average."

    def __init__(self, config: DcaConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._rsi = RSI(config.rsi_period).update if config.start == "rsi_below" else None
        self._bar = -1  # index of the last candle seen
        self._ready_at = 0  # first candle index at which a deal may start
        self._state = _State.IDLE
        self._deal: _Deal | None = None
        self._exit: _Order | None = None
        self._base_amount, self._safety_amounts = config.amounts(context.settings.stake)
        self._deviations = config.deviations_pct()

    @property
    def warmup_bars(self) -> int:
        return self.config.rsi_period if self.config.start == "rsi_below" else 0

    def on_candle(self, candle: Candle) -> None:
        self._bar += 1
        rsi = self._rsi(candle.close) if self._rsi is not None else math.nan
        if self._state is _State.IDLE:
            if self._bar >= self._ready_at and (self._rsi is None or rsi < self.config.rsi_level):
                self._open_deal(candle)
        elif self._state is _State.IN_DEAL and self.config.stop_loss_pct > 0:
            avg = self.ctx.positions.position_avg_entry(self.ctx.symbol)
            stop = avg * (1 - Decimal(str(self.config.stop_loss_pct)) / _HUNDRED)
            if self.price_of(candle) <= stop:
                self._stop_out(candle)

    def on_fill(self, fill: Fill) -> None:
        deal = self._deal
        if deal is None:
            return
        oid = fill.order_id
        if oid == deal.base.order_id:
            _book(deal.base, fill)
            if deal.base.complete:
                self._state = _State.IN_DEAL
                self._place_safeties(deal, deal.base.value / deal.base.filled)
                self._place_take_profit(deal)
        elif oid in deal.safeties:
            _book(deal.safeties[oid], fill)
            self._place_take_profit(deal)
        else:  # a sell: the take profit or the stop-loss exit
            for order in (deal.take_profit, self._exit):
                if order is not None and order.order_id == oid:
                    _book(order, fill)
            if self.position_quantity == 0:
                self._close_deal(deal)

    # -- deal steps -------------------------------------------------------------------------

    def _open_deal(self, candle: Candle) -> None:
        price = self.price_of(candle)
        qty = self._sized(self._base_amount, price, "base order")
        oid = self.submit(OrderSide.BUY, qty, price, tag=BASE_TAG)
        self._deal = _Deal(_Order(oid, qty))
        self._state = _State.ENTERING

    def _place_safeties(self, deal: _Deal, base_price: Decimal) -> None:
        inst = self.ctx.instrument
        for k, (deviation, amount) in enumerate(
            zip(self._deviations, self._safety_amounts, strict=True), start=1
        ):
            price = inst.round_price(base_price * (1 - deviation / _HUNDRED), _DOWN)
            qty = self._sized(amount, price, f"safety order {k}")
            oid = self.buy_limit(qty, price, SAFETY_TAG)
            deal.safeties[oid] = _Order(oid, qty)

    def _place_take_profit(self, deal: _Deal) -> None:
        old = deal.take_profit
        if old is not None and not old.complete:
            self.cancel(old.order_id)
        qty = self.position_quantity
        avg = self.ctx.positions.position_avg_entry(self.ctx.symbol)
        target = avg * (1 + Decimal(str(self.config.take_profit_pct)) / _HUNDRED)
        deal.take_profit = _Order(self.sell_limit(qty, target, TAKE_PROFIT_TAG), qty)

    def _stop_out(self, candle: Candle) -> None:
        deal = self._deal
        assert deal is not None
        qty = self.position_quantity
        price = self.price_of(candle)
        if self.ctx.instrument.check_order(qty, price) is not None:
            return  # below the venue's minimums: unsellable at market, the orders stay
        self._cancel_working(deal)
        oid = self.submit(OrderSide.SELL, qty, price, reduce_only=True, tag=STOP_LOSS_TAG)
        self._exit = _Order(oid, qty)
        self._state = _State.EXITING

    def _close_deal(self, deal: _Deal) -> None:
        self._cancel_working(deal)
        self._deal = None
        self._exit = None
        self._state = _State.IDLE
        # The fill belongs to the candle after the last one seen (index _bar + 1).
        self._ready_at = self._bar + 1 + self.config.cooldown

    def _cancel_working(self, deal: _Deal) -> None:
        for order in deal.safeties.values():
            if not order.complete:
                self.cancel(order.order_id)
        tp = deal.take_profit
        if tp is not None and not tp.complete:
            self.cancel(tp.order_id)
        deal.safeties.clear()
        deal.take_profit = None

    def _sized(self, amount: Decimal, price: Decimal, what: str) -> Decimal:
        qty = self.quantity_for(amount, price)
        problem = self.ctx.instrument.check_order(qty, price)
        if problem is not None:
            raise ConfigError(
                f"the {what} of {amount:.8g} {self.ctx.instrument.quote} at {price} cannot be "
                f"placed: {problem}",
                "raise the stake (or base_order / safety_order) or use fewer safety orders",
            )
        return qty


def _book(order: _Order, fill: Fill) -> None:
    order.filled += fill.quantity
    order.value += fill.price * fill.quantity
