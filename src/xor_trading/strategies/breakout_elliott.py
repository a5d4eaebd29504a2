"""Breakout after an A-B-C correction in an up trend: stop below wave C, target from wave A.

The count is kept by :class:`~xor_trading.strategies.elliott_tracker.ElliottTracker` (an
incremental ZigZag of ``threshold_pct``; counts rebuilt only when a swing is confirmed,
so no lookahead).

**Setup.** The best-ranked live count that is a complete *down* correction (A down, B up,
C down, the end of C confirmed by the last swing), with:

* confidence (its Fibonacci fit: B/A in 0.5-0.786, C/A near 1.0 or 1.618) at least
  ``min_confidence``;
* an up-trend context: the swing before the start of wave A is a low, below the end of
  wave C. The correction then gave back only part of the rise it corrects (a higher low).

**Entry**, at a candle's close while the setup stands (no new swing since C, C not broken),
flat, at most once per correction; a market buy of ``settings.stake`` at the next open:

* ``breakout = "wave_b"``: the close is above the high of wave B (the end of B). This may be
  the candle that confirms C itself, if the rally off C was that fast;
* ``breakout = "donchian"``: the close is above the previous candle's Donchian upper band
  (highest high of the ``donchian_period`` candles before this one);

and the target below is above the close (a deep C can put ``C + A`` under the high of B:
then there is nothing left to gain and no entry is taken).

**Exits** (:class:`~xor_trading.strategies.resting_exits.RestingExits`), placed after the
entry fills and kept for the whole position:

* stop: a stop-market sell one tick below the end of wave C (a price below C means C had
  not ended: the count is invalidated), reported as ``stop_loss``; triggered on a touch;
* target: a limit sell at ``C + target_ratio x length of wave A`` (e.g. 1.0 or 1.618),
  reported as ``take_profit``; it fills when the price trades through it.

The levels are fixed for the trade. Partial fills: both orders are re-placed for what the
position holds after each entry fill; a partly filled stop cancels the target and sells
the rest at market; a partly filled target leaves the stop resized to the rest. The run's
bracket, if set, works alongside.

Event path only: the exits are orders placed from the entry fill.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.indicators.donchian import RollingExtreme
from xor_trading.indicators.elliott import PatternKind, WaveCandidate
from xor_trading.indicators.swings import SwingKind
from xor_trading.strategies.elliott_tracker import ElliottTracker
from xor_trading.strategies.resting_exits import RestingExits
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy

__all__ = ["BreakoutElliott", "BreakoutElliottConfig"]


class BreakoutElliottConfig(StrategyConfig):
    threshold_pct: float = Field(
        default=3.0, gt=0.0, le=50.0,
        description="ZigZag reversal that confirms a swing, in percent of the swing price.",
    )  # fmt: skip
    breakout: Literal["wave_b", "donchian"] = Field(
        default="wave_b",
        description="Entry level: the high of wave B, or the previous candle's Donchian upper.",
    )
    donchian_period: int = Field(
        default=20, ge=1, le=10_000,
        description="Donchian channel length, in candles (breakout donchian).",
    )  # fmt: skip
    target_ratio: float = Field(
        default=1.0, ge=0.1, le=5.0,
        description="Target = end of C + this ratio x the length of wave A (1.0 or 1.618).",
    )  # fmt: skip
    min_confidence: float = Field(
        default=0.3, ge=0.0, le=1.0,
        description="Lowest Fibonacci fit of the A-B-C correction that may be traded.",
    )  # fmt: skip


@register_strategy
class BreakoutElliott(Strategy[BreakoutElliottConfig]):
    name = "breakout_elliott"
    config_class = BreakoutElliottConfig
    description = (
        "Buys a break above wave B (or a Donchian high) after an A-B-C correction in an "
        "up trend; stop below C, target from wave A."
    )

    def __init__(self, config: BreakoutElliottConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._tracker = ElliottTracker(config.threshold_pct)
        self._exits = RestingExits(self)
        self._upper = RollingExtreme(config.donchian_period, maximum=True)
        self._prev_upper = math.nan
        self._traded_swing = -1  # index of the wave-C low the last entry was taken on

    @property
    def warmup_bars(self) -> int:
        # A swing needs two candles; the Donchian band needs its period plus one.
        return self.config.donchian_period + 1 if self.config.breakout == "donchian" else 2

    def on_candle(self, candle: Candle) -> None:
        self._tracker.update(candle.high, candle.low, candle.close)
        upper, self._prev_upper = self._prev_upper, self._upper.update(candle.high)
        if self.position_quantity > 0:
            return  # the stop and the target do the exiting
        setup = self._setup()
        if setup is None or setup.end_index == self._traded_swing:
            return
        level = setup.labels[2].price if self.config.breakout == "wave_b" else upper
        if not candle.close > level:  # NaN (Donchian warm-up) compares False
            return
        a_start, a_end = setup.labels[0].price, setup.labels[1].price
        c_end = setup.labels[3].price
        target = c_end + self.config.target_ratio * (a_start - a_end)
        if target <= candle.close:
            return  # the target is already reached: nothing left to gain
        self._traded_swing = setup.end_index
        self._exits.set_levels(c_end, target)
        self.enter_long(candle)

    def on_fill(self, fill: Fill) -> None:
        self._exits.on_fill(fill)

    def _setup(self) -> WaveCandidate | None:
        """The best-ranked complete down correction, if it is tradable (see module doc)."""
        candidate = next(
            (
                c
                for c in self._tracker.candidates
                if c.kind is PatternKind.CORRECTION_DOWN and c.is_complete
            ),
            None,
        )
        if candidate is None or candidate.confidence < self.config.min_confidence:
            return None
        before = [s for s in self._tracker.swings if s.index < candidate.start_index]
        if not before or before[-1].kind is not SwingKind.LOW:
            return None
        if not before[-1].price < candidate.labels[3].price:
            return None  # C undercut the low the rise started from: no up trend to resume
        return candidate
