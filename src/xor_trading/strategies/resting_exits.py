"""A long position's own resting exits: a stop-market sell and a limit-sell target.

The Elliott strategies place their stop at a count's invalidation level and their target at
a projected wave end, levels that change as the count develops; the run's fixed-percent
bracket cannot express that, so :class:`RestingExits` keeps two ordinary orders for the
whole position instead:

* **stop**: a stop-market sell (tag ``stop_loss``) at the largest tick strictly **below**
  the level: an invalidation level is broken by a price beyond it, not by a touch, and the
  venue triggers stops on a touch. It fills at the stop price inside a candle, or at the
  open when the open gaps through it (docs/architecture.md, "Fill model").
* **target**: a limit sell (tag ``take_profit``) at the level rounded **up** to the tick. A
  resting limit fills only when the price trades through it, as a maker. A target already
  below the market when it is placed is marketable and fills at once as a taker.

Levels come from float arithmetic (132.9 + 30 = 162.90000000000001): a level within a
millionth of a tick of the grid is taken as on it before rounding.

Both are sized to the whole long position and re-placed (cancel, then submit) when the
position or a level changes: after each entry fill (so a partially filled entry is covered
for what it holds), and when the strategy moves a level. When the stop fills (even
partly) the target is canceled and the triggered stop sells the rest at market; when the
target fills partly, the stop is re-placed for the remainder. When the position goes to
zero by any fill, both are canceled.

The orders are not ``reduce_only``: a reduce-only command makes the execution engine cancel
the run's bracket, and a run may add one on top of the strategy's own exits. Whichever
exit fills first flattens the position, and this class then cancels the other orders of
the strategy at once, in the same candle, so a second sell never fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xor_trading.core.ids import OrderId
from xor_trading.core.precision import Rounding
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.strategy.base import Strategy

__all__ = ["STOP_TAG", "TARGET_TAG", "RestingExits"]

STOP_TAG = "stop_loss"
_GRID_TOLERANCE = 1e-6  # in ticks
TARGET_TAG = "take_profit"


@dataclass(frozen=True, slots=True)
class _Working:
    order_id: OrderId
    price: Decimal
    quantity: Decimal


class RestingExits:
    """The stop and target orders of one strategy's long position.

    Call :meth:`set_levels` to choose the levels (prices in the quote currency, or None for
    no order), :meth:`on_fill` from the strategy's ``on_fill``, and :meth:`cancel` before
    an exit at market.
    """

    __slots__ = ("_stop", "_stop_level", "_strategy", "_target", "_target_level")

    def __init__(self, strategy: Strategy[Any]) -> None:
        self._strategy = strategy
        self._stop_level: float | None = None
        self._target_level: float | None = None
        self._stop: _Working | None = None
        self._target: _Working | None = None

    @property
    def stop_price(self) -> Decimal | None:
        """The working stop order's trigger price, or None."""
        return self._stop.price if self._stop is not None else None

    @property
    def target_price(self) -> Decimal | None:
        """The working target order's limit price, or None."""
        return self._target.price if self._target is not None else None

    def set_levels(self, stop: float | None, target: float | None) -> None:
        """Keep a stop below ``stop`` and a target at ``target`` while long (None: no order)."""
        self._stop_level = stop
        self._target_level = target
        self._sync()

    def cancel(self) -> None:
        """Cancel both orders and forget the levels (before an exit at market)."""
        self._stop_level = None
        self._target_level = None
        self._drop(self._stop)
        self._drop(self._target)
        self._stop = self._target = None

    def on_fill(self, fill: Fill) -> None:
        """Keep the orders in step with the position after a fill of the strategy."""
        flat = self._strategy.position_quantity <= 0
        if self._stop is not None and fill.order_id == self._stop.order_id:
            # The stop has triggered: it sells what is left at market; the target must go.
            self._stop_level = None
            self._target_level = None
            self._drop(self._target)
            self._target = None
            if flat:
                self._stop = None
            return
        if flat:
            self.cancel()
            return
        if self._target is not None and fill.order_id == self._target.order_id:
            # The rest of the target keeps resting; _sync then resizes the stop to match.
            left = self._target.quantity - fill.quantity
            self._target = _Working(self._target.order_id, self._target.price, left)
        self._sync()

    # -- orders -----------------------------------------------------------------------------

    def _on_grid(self, level: float) -> Decimal | None:
        """``level`` as an exact tick multiple if it is one up to float noise, else None."""
        tick = self._strategy.ctx.instrument.tick_size
        ticks = level / float(tick)
        nearest = round(ticks)
        return Decimal(nearest) * tick if abs(ticks - nearest) < _GRID_TOLERANCE else None

    def _stop_price(self, level: float) -> Decimal | None:
        inst = self._strategy.ctx.instrument
        on_grid = self._on_grid(level)
        if on_grid is not None:  # one tick below, so a touch of the level does not trigger
            price = on_grid - inst.tick_size
        else:
            price = inst.round_price(Decimal(level), Rounding.DOWN)
        return price if price > 0 else None

    def _target_price(self, level: float) -> Decimal:
        on_grid = self._on_grid(level)
        if on_grid is not None:
            return on_grid
        return self._strategy.ctx.instrument.round_price(Decimal(level), Rounding.UP)

    def _sync(self) -> None:
        """Re-place each order whose price or size no longer matches the level and position."""
        quantity = self._strategy.position_quantity
        if quantity <= 0:
            return
        target = None if self._target_level is None else self._target_price(self._target_level)
        self._target = self._replace(self._target, target, quantity, OrderType.LIMIT)
        stop = None if self._stop_level is None else self._stop_price(self._stop_level)
        self._stop = self._replace(self._stop, stop, quantity, OrderType.STOP_MARKET)

    def _replace(
        self, working: _Working | None, price: Decimal | None, quantity: Decimal, kind: OrderType
    ) -> _Working | None:
        """The order to keep: ``working`` if it matches, else a new one (None: no order)."""
        if working is not None and (working.price, working.quantity) == (price, quantity):
            return working
        self._drop(working)
        if price is None:
            return None
        strategy = self._strategy
        if kind is OrderType.LIMIT:
            order_id = strategy.submit(OrderSide.SELL, quantity, price, order_type=kind,
                                       limit_price=price, tag=TARGET_TAG)  # fmt: skip
        else:
            order_id = strategy.submit(OrderSide.SELL, quantity, price, order_type=kind,
                                       stop_price=price, tag=STOP_TAG)  # fmt: skip
        return _Working(order_id, price, quantity)

    def _drop(self, working: _Working | None) -> None:
        """Cancel ``working`` (a no-op for an order that is already done)."""
        if working is not None:
            self._strategy.cancel(working.order_id)
