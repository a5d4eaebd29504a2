"""Grid in corrections: a spot grid that runs only while the Elliott count is corrective.

Event path only (grids depend on their own fills). The grid orders are those of
:mod:`~xor_trading.strategies.grid_book` (the same book as the ``grid`` strategy).

**Wave count.** At each closed candle of the counted series (the strategy's own candles, or
the higher ``timeframe`` read as an extra series: a candle of it counts once it has closed),
the current count is updated by the shared
:class:`~xor_trading.strategies.elliott_tracker.ElliottTracker`: ZigZag swings
(``threshold_pct``) and the counts of :func:`~xor_trading.indicators.elliott.count_waves`,
filtered by invalidation as :func:`~xor_trading.indicators.elliott.detect_waves` does, so the
count equals ``detect_waves`` over the candles so far (tested). No lookahead: swings are used
from their confirmation candle on.

**Corrective phase.** The count is corrective when its best candidate's developing wave is a
correction: wave 2 or 4 of an impulse, A after a complete impulse, B or C of an A-B-C (with
``detect_waves`` counting at least two complete waves, the ones that occur are 4, A and C),
and its confidence is at least ``min_confidence``. A count is identified by its pattern kind
and the candle indices of its labels.

**Zone.** The grid spans the Fibonacci retracement zone of the last complete wave (the one
the developing wave retraces), from label ``a`` to label ``b``: the lines ``b - r * (b - a)``
for ``r = fib_low`` and ``r = fib_high`` (default 0.382 and 0.786), the lower of the two as
the grid's ``lower``, the higher as its ``upper``; ``levels`` cells, ``spacing`` as in
``grid``. Each level buys ``stake / levels`` quote (or ``quantity`` base). One
:class:`~xor_trading.strategies.grid_book.GridBudget`, starting at the stake, is shared by the
successive grids: losses, fees and coins kept without ``flatten`` shrink later grids (to
nothing once the stake is spent), and no buy can expire for want of cash. With fees in the
asset received (ADR 0024) the dust below one lot that a grid leaves (flat, or after its
flatten) is the next grid's spare (``grid_book``), sold along once it adds up to a lot.

**Rules, at each close of the strategy's candles.**

1. *Activate.* No grid running, no exit pending, the count corrective and never used before
   (each count gets one grid, or one refusal): build the grid on its zone and place the
   buys below the close (``grid`` rule 1).
   A zone too narrow for the tick or the venue's minimums, or a close already beyond the
   count's invalidation level, skips that count.
2. *Run.* While active, the grid works as ``grid`` (a filled buy is sold one line up, a filled
   sell is bought again; idle levels below the close are armed at each close). No trailing.
3. *Deactivate* when the close crosses the count's primary invalidation level (strictly
   beyond it, in its direction), or the count is no longer corrective, or it is another
   count: every grid order is canceled; with ``flatten`` the whole position is sold at
   market (tag ``grid_exit``, next open), and no new grid starts until that sale has filled;
   without it the coins stay in the position, no longer tracked by any grid (sold at the end
   of the data). A deactivated count is never activated again; a new corrective
   count may start a new grid at the same close (or, with ``flatten``, once flat).

**Partial fills** are handled by the grid book (the counter order follows a complete fill;
remainders keep working). **Spot:** every grid sell is for what its level bought; the
flatten sells exactly the position. The run's bracket is not used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import OrderId
from xor_trading.core.timeframes import Timeframe
from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import OrderSide
from xor_trading.domain.values import ZERO
from xor_trading.indicators.elliott import ElliottCount, Invalidation, WaveLabel
from xor_trading.indicators.fibonacci import retracements
from xor_trading.indicators.swings import SwingKind, SwingPoint
from xor_trading.strategies.elliott_tracker import ElliottTracker
from xor_trading.strategies.grid_book import GridBook, GridBudget, GridRange, GridSpacing
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec

EXIT_TAG = "grid_exit"
CORRECTIVE_WAVES = frozenset({"2", "4", "A", "B", "C"})

CountKey = tuple[str, tuple[int, ...]]


class GridCorrectiveConfig(StrategyConfig):
    threshold_pct: float = Field(
        default=5.0, gt=0, lt=100, description="ZigZag reversal for the swings, in percent."
    )
    timeframe: str = Field(
        default="", description="Series to count waves on, e.g. 4h; empty: the strategy's own."
    )
    levels: int = Field(default=5, ge=1, le=100, description="Grid cells in the zone.")
    spacing: Literal["arithmetic", "geometric"] = Field(
        default="arithmetic",
        description="arithmetic: equal price steps; geometric: equal percentage steps.",
    )
    fib_low: float = Field(
        default=0.382, gt=0, lt=1, description="Zone edge: retracement ratio nearer wave end."
    )
    fib_high: float = Field(
        default=0.786, gt=0, le=1, description="Zone edge: retracement ratio farther back."
    )
    min_confidence: float = Field(
        default=0.0, ge=0, le=1, description="Least count confidence (0..1) to start a grid."
    )
    quantity: float = Field(
        default=0.0, ge=0, description="Base quantity per level; 0: stake / levels in quote."
    )
    flatten: bool = Field(
        default=True, description="Sell the position at market when the phase ends."
    )

    @model_validator(mode="after")
    def _consistent(self) -> GridCorrectiveConfig:
        if self.fib_low >= self.fib_high:
            raise ValueError(f"fib_low ({self.fib_low}) must be below fib_high ({self.fib_high})")
        if self.timeframe:
            try:
                Timeframe.parse(self.timeframe)
            except ConfigError as exc:
                raise ValueError(exc.message) from None
        return self


def is_corrective(count: ElliottCount | None, min_confidence: float = 0.0) -> bool:
    """Whether the best candidate's developing wave is a correction (see module docstring)."""
    return (
        count is not None
        and count.best.developing in CORRECTIVE_WAVES
        and count.confidence >= min_confidence
    )


def count_key(count: ElliottCount) -> CountKey:
    return count.kind.value, tuple(label.index for label in count.labels)


def retracement_zone(
    a: WaveLabel, b: WaveLabel, fib_low: float, fib_high: float
) -> tuple[float, float]:
    """The (lower, upper) prices retracing ``fib_low`` and ``fib_high`` of the wave a -> b."""
    up = b.price > a.price
    first = SwingPoint(a.index, a.price, SwingKind.LOW if up else SwingKind.HIGH, a.index)
    second = SwingPoint(b.index, b.price, SwingKind.HIGH if up else SwingKind.LOW, b.index)
    near, far = (lv.price for lv in retracements(first, second, (fib_low, fib_high)))
    return min(near, far), max(near, far)


@register_strategy
class GridCorrective(Strategy[GridCorrectiveConfig]):
    name = "grid_corrective"
    config_class = GridCorrectiveConfig
    description = "Spot grid on the Fibonacci zone while the Elliott count is corrective."

    def __init__(self, config: GridCorrectiveConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self.tracker = ElliottTracker(config.threshold_pct)
        self._spec = SeriesSpec(config.timeframe) if config.timeframe else None
        self.book: GridBook | None = None
        # One budget, shared by the successive grids.
        self.budget = GridBudget(context.settings.stake, context.instrument.quote)
        self._key: CountKey | None = None  # the count the running grid belongs to
        self._invalidation: Invalidation | None = None
        self._spent: set[CountKey] = set()  # counts a grid ran on (or that were refused)
        self._exit_id: OrderId | None = None
        self._exit_left = ZERO
        self._dust = ZERO  # left below one lot by a flattened grid (base fees): the next's spare

    @property
    def warmup_bars(self) -> int:
        # A count needs three swings, each confirmed on a later candle of the counted series.
        per = 1
        if self._spec is not None:
            per = max(1, Timeframe.parse(self._spec.timeframe).ms // self.ctx.timeframe_ms)
        return 3 * per

    def extra_series(self) -> list[SeriesSpec]:
        return [self._spec] if self._spec is not None else []

    def on_series_candle(self, spec: SeriesSpec, candle: Candle) -> None:
        if spec == self._spec:
            self.tracker.update(candle.high, candle.low, candle.close)

    def on_candle(self, candle: Candle) -> None:
        if self._spec is None:
            self.tracker.update(candle.high, candle.low, candle.close)
        count = self.tracker.count
        close = self.price_of(candle)
        if self.book is not None:
            invalidation = self._invalidation
            assert invalidation is not None
            if (
                invalidation.is_broken_by(candle.close)
                or count is None
                or not is_corrective(count, self.config.min_confidence)
                or count_key(count) != self._key
            ):
                self._deactivate(close)
            else:
                self.book.arm(close)
                return
        if (
            self._exit_id is None
            and count is not None
            and is_corrective(count, self.config.min_confidence)
        ):
            self._activate(count, candle, close)

    def on_fill(self, fill: Fill) -> None:
        self.budget.book(fill)  # first: a completed sell's proceeds pay for the next buy
        if fill.order_id == self._exit_id:
            self._exit_left -= fill.quantity
            if self._exit_left == 0:
                self._exit_id = None
        elif self.book is not None:
            self.book.on_fill(fill)

    def _activate(self, count: ElliottCount, candle: Candle, close: Decimal) -> None:
        key = count_key(count)
        if key in self._spent:
            return
        self._spent.add(key)  # whatever happens below, a count gets one chance
        invalidation = count.invalidations[0]
        if invalidation.is_broken_by(candle.close):
            return
        cfg = self.config
        lower, upper = retracement_zone(
            count.labels[-2], count.labels[-1], cfg.fib_low, cfg.fib_high
        )
        try:
            book = GridBook(
                self,
                self.ctx.instrument,
                GridRange(
                    Decimal(str(lower)), Decimal(str(upper)), cfg.levels, GridSpacing(cfg.spacing)
                ),
                budget=self.budget,
                quote_per_level=self.ctx.settings.stake / cfg.levels,
                quantity_per_level=Decimal(str(cfg.quantity)) if cfg.quantity > 0 else None,
                spare=self._dust,
            )
        except ConfigError:
            return  # a zone too narrow for the tick or the venue's minimums: skip this count
        self.book, self._key, self._invalidation, self._dust = book, key, invalidation, ZERO
        book.arm(close)

    def _deactivate(self, close: Decimal) -> None:
        book = self.book
        assert book is not None
        book.cancel_all()
        self.book, self._key, self._invalidation = None, None, None
        qty = self.position_quantity
        # What the grid held below one lot (base fees) goes with the next grid's sells: all
        # of it when flat, what the exit leaves of it when flattened.
        self._dust = book.held + book.spare if qty <= 0 else ZERO
        if not self.config.flatten or qty <= 0:
            return
        if self.ctx.instrument.check_order(qty, close) is not None:
            return  # dust below the venue's minimum cannot be sold alone
        self._exit_id = self.submit(OrderSide.SELL, qty, close, reduce_only=True, tag=EXIT_TAG)
        self._exit_left = qty
        # The position is the whole lots of what the grid held; the exit sells them.
        self._dust = max(ZERO, book.held + book.spare - qty)
