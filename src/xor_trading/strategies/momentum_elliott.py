"""Momentum entries filtered by the Elliott count; exits on momentum loss or at the wave-5 target.

The count is kept by :class:`~xor_trading.strategies.elliott_tracker.ElliottTracker` (an
incremental ZigZag of ``threshold_pct``; counts rebuilt only when a swing is confirmed,
so no lookahead). "The count" below is the best live count at the candle's close.

**Trigger** (``trigger``), at a candle's close:

* ``rsi``: RSI(``rsi_period``) crosses up through ``rsi_entry``: ``prev <= rsi_entry < rsi``;
* ``macd``: the MACD line crosses above its signal line: ``prev_macd <= prev_signal`` and
  ``macd > signal`` (periods ``macd_fast``, ``macd_slow``, ``macd_signal``).

**Elliott filter.** A trigger buys ``settings.stake`` at market at the next open, when flat,
unless:

* the count is an up impulse in wave 5 (waves 1-4 complete) and RSI > ``rsi_overbought``
  (the trend is late and stretched), or the close is already at or above the wave-5
  target (nothing left to ride);
* ``require_divergence`` is on, the count offers two lows to compare, and RSI shows no
  bullish divergence between them (RSI taken at the closes of the two swing candles):

  - after a complete down correction A-B-C (trend resumption expected): the ends of waves A
    and C. Bullish (regular) divergence: the price low of C is below that of A while RSI at
    C is above RSI at A: the last push down had less momentum;
  - an up impulse in wave 5: the ends of waves 2 and 4. Wave 4 always ends above wave 2
    (it stays above the end of wave 1), so a regular divergence cannot happen; the bullish
    signal is the hidden divergence: RSI at the end of wave 4 is below RSI at the end of
    wave 2 (momentum reset while price held higher lows).

  Any other count, no count, or an RSI not yet warmed up at either low: nothing to
  compare, the trigger alone decides.

**Exits.**

* momentum loss, at a candle's close, sold at market at the next open (``signal``):
  ``rsi``: RSI crosses down through ``rsi_exit`` (``prev >= rsi_exit > rsi``); ``macd``: the
  MACD line crosses below its signal line;
* the wave-5 target: while long and the count is an up impulse in wave 5, a resting limit
  sell stands at the ``wave5_target`` projection of the count (nearest, median or farthest
  of ``p4 + 1.0 x wave 1``, ``p4 + 0.618 x wave 3``, ``p4 + 0.618 x (p0 to p3)``), reported
  as ``take_profit``. It is moved when the count changes and canceled when the count is no
  longer in wave 5.

No stop of its own: add the run's stop-loss bracket if wanted (it works alongside).
Partial fills: the target is re-placed for what the position holds after each entry fill
and keeps resting for the remainder after a partial fill of its own
(:class:`~xor_trading.strategies.resting_exits.RestingExits`).

Event path only: the target follows the count while the position is open.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal

from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.indicators.elliott import PatternKind, WaveCandidate
from xor_trading.indicators.macd import MACD
from xor_trading.indicators.rsi import RSI
from xor_trading.strategies.elliott_tracker import ElliottTracker
from xor_trading.strategies.elliott_wave import TargetChoice, wave5_target
from xor_trading.strategies.resting_exits import RestingExits
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy

__all__ = ["MomentumElliott", "MomentumElliottConfig"]

_NAN = math.nan


class MomentumElliottConfig(StrategyConfig):
    threshold_pct: float = Field(
        default=3.0, gt=0.0, le=50.0,
        description="ZigZag reversal that confirms a swing, in percent of the swing price.",
    )  # fmt: skip
    trigger: Literal["rsi", "macd"] = Field(
        default="rsi", description="Momentum trigger: RSI level cross or MACD/signal cross."
    )
    rsi_period: int = Field(default=14, ge=2, le=500, description="RSI period, in candles.")
    rsi_entry: float = Field(
        default=50.0, gt=0.0, lt=100.0,
        description="RSI level whose upward cross triggers an entry (trigger rsi).",
    )  # fmt: skip
    rsi_exit: float = Field(
        default=45.0, gt=0.0, lt=100.0,
        description="RSI level whose downward cross is a momentum loss (trigger rsi).",
    )  # fmt: skip
    rsi_overbought: float = Field(
        default=70.0, gt=0.0, lt=100.0,
        description="No entry in wave 5 while RSI is above this level.",
    )  # fmt: skip
    macd_fast: int = Field(default=12, ge=2, le=500, description="MACD fast EMA, in candles.")
    macd_slow: int = Field(default=26, ge=2, le=500, description="MACD slow EMA, in candles.")
    macd_signal: int = Field(default=9, ge=1, le=500, description="MACD signal EMA, in candles.")
    require_divergence: bool = Field(
        default=True,
        description="Require a bullish RSI divergence between the ends of waves A and C "
        "(or 2 and 4) when the count has them.",
    )
    wave5_target: TargetChoice = Field(
        default="nearest",
        description="Which wave-5 projection to sell at: the nearest, median or farthest.",
    )

    @model_validator(mode="after")
    def _fast_below_slow(self) -> MomentumElliottConfig:
        if self.macd_fast >= self.macd_slow:
            raise ValueError(
                f"macd_fast ({self.macd_fast}) must be smaller than macd_slow ({self.macd_slow})"
            )
        return self


def in_wave5(candidate: WaveCandidate | None) -> bool:
    """Whether the count is an up impulse with waves 1-4 complete."""
    return (
        candidate is not None
        and candidate.kind is PatternKind.IMPULSE_UP
        and candidate.developing == "5"
    )


@register_strategy
class MomentumElliott(Strategy[MomentumElliottConfig]):
    name = "momentum_elliott"
    config_class = MomentumElliottConfig
    description = (
        "RSI or MACD momentum entries filtered by the Elliott count (no late wave 5, "
        "bullish divergence); exits on momentum loss or at wave 5's target."
    )

    def __init__(self, config: MomentumElliottConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._tracker = ElliottTracker(config.threshold_pct)
        self._exits = RestingExits(self)
        self._rsi = RSI(config.rsi_period)
        self._macd = MACD(config.macd_fast, config.macd_slow, config.macd_signal)
        self._prev_rsi = _NAN
        self._prev_macd = (_NAN, _NAN)
        # RSI at each candle since the oldest swing the tracker keeps (for divergences).
        self._rsi_history: deque[float] = deque()
        self._history_start = 0  # candle index of self._rsi_history[0]

    @property
    def warmup_bars(self) -> int:
        rsi = self._rsi.warmup
        return max(rsi, self._macd.warmup) if self.config.trigger == "macd" else rsi

    def on_candle(self, candle: Candle) -> None:
        cfg = self.config
        swing = self._tracker.update(candle.high, candle.low, candle.close)
        rsi = self._rsi.update(candle.close)
        self._remember_rsi(rsi, pruned=swing is not None)
        macd = self._macd.update(candle.close)
        prev_rsi, self._prev_rsi = self._prev_rsi, rsi
        (prev_line, prev_signal), self._prev_macd = self._prev_macd, (macd.macd, macd.signal)
        if cfg.trigger == "rsi":
            up = prev_rsi <= cfg.rsi_entry < rsi
            down = prev_rsi >= cfg.rsi_exit > rsi
        else:
            up = prev_line <= prev_signal and macd.macd > macd.signal
            down = prev_line >= prev_signal and macd.macd < macd.signal
        candidates = self._tracker.candidates
        best = candidates[0] if candidates else None
        if self.position_quantity > 0:
            if down:
                self._exits.cancel()  # before the market sell, so the target cannot fill too
                self.exit_long(candle)
            else:
                self._exits.set_levels(None, self._target(best))
            return
        if up and self._allowed(best, rsi, candle.close):
            self._exits.set_levels(None, self._target(best))
            self.enter_long(candle)

    def on_fill(self, fill: Fill) -> None:
        self._exits.on_fill(fill)

    # -- the Elliott filter -------------------------------------------------------------------

    def _allowed(self, best: WaveCandidate | None, rsi: float, close: float) -> bool:
        if in_wave5(best):
            if rsi > self.config.rsi_overbought:
                return False
            target = self._target(best)
            if target is not None and close >= target:
                return False  # wave 5 has reached its target: nothing left to ride
        if not self.config.require_divergence or best is None:
            return True
        return self._divergence(best) is not False

    def _divergence(self, best: WaveCandidate) -> bool | None:
        """Whether the count's two lows show a bullish divergence; None: nothing to compare."""
        labels = best.labels
        if best.kind is PatternKind.CORRECTION_DOWN and best.is_complete:
            first, last, hidden = labels[1], labels[3], False  # ends of waves A and C
        elif in_wave5(best):
            first, last, hidden = labels[2], labels[4], True  # ends of waves 2 and 4
        else:
            return None
        rsi_first, rsi_last = self._rsi_at(first.index), self._rsi_at(last.index)
        if math.isnan(rsi_first) or math.isnan(rsi_last):
            return None
        if hidden:  # higher price low (always, in an impulse), lower RSI
            return rsi_last < rsi_first
        return last.price < first.price and rsi_last > rsi_first

    def _remember_rsi(self, rsi: float, *, pruned: bool) -> None:
        self._rsi_history.append(rsi)
        swings = self._tracker.swings
        if pruned and swings:
            # Counts only label kept swings, so older RSI values will never be read again.
            oldest = swings[0].index
            while self._history_start < oldest:
                self._rsi_history.popleft()
                self._history_start += 1

    def _rsi_at(self, index: int) -> float:
        offset = index - self._history_start
        return self._rsi_history[offset] if 0 <= offset < len(self._rsi_history) else _NAN

    def _target(self, best: WaveCandidate | None) -> float | None:
        return wave5_target(best, self.config.wave5_target) if best is not None else None
