"""Trend following: fast EMA above slow EMA, filtered by ADX, with a trailing ATR stop.

Rules, decided at the close of candle ``i`` (orders fill at the next candle's open):

* **Entry** (when flat): ``fast_ema[i] > slow_ema[i]`` (an up trend) and
  ``ADX[i] >= adx_threshold`` (a strong enough trend), and the strategy is *armed*. It is
  armed at the start; an ATR-stop exit disarms it, and it is armed again at the first
  close with ``fast_ema <= slow_ema``: after a stop, a new entry needs a new up-cross, so a
  pullback that stops the trade out does not buy the same trend back at once.
* **Exit** (when long), the first of:

  - *trend flip*: ``fast_ema[i] < slow_ema[i]``;
  - *trailing ATR stop*: ``close[i] < highest_close - atr_multiple * ATR[i]``, where
    ``highest_close`` is the highest close since the entry fill (the close of the candle
    whose open filled the entry included) and ``ATR[i]`` the current ATR (Wilder,
    ``atr_period``). The stop is evaluated on closes and exits at the next open with a
    market order, not with a resting stop order, so a wick below the level does not exit.

Sizing: each entry buys ``settings.stake`` (quote currency) at market, sized at the signal
candle's close, with the run's stop loss / take profit bracket if one is configured (then the
bracket may close the position first; the trailing state is reset when the position is flat).

Partial fills (only with a volume cap): an entry filled in part is a position (no second
entry is sent while any quantity is held; the remainder keeps working at the next opens) and
the highest close is tracked from its first fill. An exit sells the whole position held at
that moment; while it is still working no further exit is sent.

Event path only: the stop depends on the entry, which depends on earlier exits, so the
decisions cannot be computed as signals over the whole history in advance.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.domain.fills import Fill
from xor_trading.indicators.adx import ADX
from xor_trading.indicators.atr import ATR
from xor_trading.indicators.ema import EMA
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy


class TrendFollowingConfig(StrategyConfig):
    fast: int = Field(default=20, ge=1, le=10_000, description="Fast EMA period, in candles.")
    slow: int = Field(default=50, ge=2, le=10_000, description="Slow EMA period, in candles.")
    adx_period: int = Field(default=14, ge=2, le=10_000, description="ADX period, in candles.")
    adx_threshold: float = Field(
        default=25.0, ge=0.0, le=100.0, description="Enter only when ADX (0-100) is at least this."
    )
    atr_period: int = Field(default=14, ge=1, le=10_000, description="ATR period, in candles.")
    atr_multiple: float = Field(
        default=3.0, gt=0.0, le=100.0,
        description="Trailing stop distance below the highest close since entry, in ATRs.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _fast_below_slow(self) -> TrendFollowingConfig:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


@register_strategy
class TrendFollowing(Strategy[TrendFollowingConfig]):
    name = "trend_following"
    config_class = TrendFollowingConfig
    description = "Long while fast EMA > slow EMA and ADX is high; trailing ATR stop."

    def __init__(self, config: TrendFollowingConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._fast = EMA(config.fast).update
        self._slow = EMA(config.slow).update
        self._adx = ADX(config.adx_period).update
        self._atr = ATR(config.atr_period).update
        self._armed = True
        self._highest = -math.inf  # highest close since the entry fill

    @property
    def warmup_bars(self) -> int:
        c = self.config
        return max(c.slow - 1, 2 * c.adx_period - 1, c.atr_period)

    def on_candle(self, candle: Candle) -> None:
        close = candle.close
        fast = self._fast(close)
        slow = self._slow(close)
        strength = self._adx(candle.high, candle.low, close)
        atr = self._atr(candle.high, candle.low, close)
        if self.position_quantity > 0:
            self._highest = max(self._highest, close)
            stopped = close < self._highest - self.config.atr_multiple * atr
            if fast < slow or stopped:
                self.exit_long(candle)  # sends nothing while an exit is already working
                if stopped:
                    self._armed = False
        elif self._armed and fast > slow and strength >= self.config.adx_threshold:
            self.enter_long(candle)
        if fast <= slow:  # a new up-cross can follow: entries are allowed again
            self._armed = True

    def on_fill(self, fill: Fill) -> None:
        if self.position_quantity == 0:  # closed by us, by the bracket or at the end
            self._highest = -math.inf
