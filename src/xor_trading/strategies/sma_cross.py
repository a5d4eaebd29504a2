"""SMA crossover: long when the fast average crosses above the slow one, flat when it crosses below.

Crossing is strict, as in backtesting.py: the fast SMA crosses above at candle ``i`` when
``fast[i-1] < slow[i-1]`` and ``fast[i] > slow[i]``. Averages are TA-Lib-exact running sums,
identical in the incremental (event) and batch (fast path) forms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.indicators.moving_average import IncrementalSMA, sma
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.strategy.signals import Signals
from xor_trading.timeseries.candle_frame import CandleFrame


class SmaCrossConfig(StrategyConfig):
    fast: int = Field(default=10, ge=1, le=10_000, description="Fast SMA period, in candles.")
    slow: int = Field(default=30, ge=2, le=10_000, description="Slow SMA period, in candles.")

    @model_validator(mode="after")
    def _fast_below_slow(self) -> SmaCrossConfig:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


@register_strategy
class SmaCross(Strategy[SmaCrossConfig]):
    name = "sma_cross"
    config_class = SmaCrossConfig
    description = "Long on a fast/slow simple moving average cross up, flat on a cross down."

    def __init__(self, config: SmaCrossConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._fast = IncrementalSMA(config.fast).update
        self._slow = IncrementalSMA(config.slow).update
        self._prev_fast = math.nan  # the averages at the previous candle (NaN: warming up)
        self._prev_slow = math.nan

    @property
    def warmup_bars(self) -> int:
        return self.config.slow

    def on_candle(self, candle: Candle) -> None:
        fast = self._fast(candle.close)
        slow = self._slow(candle.close)
        prev_fast = self._prev_fast
        prev_slow = self._prev_slow
        self._prev_fast = fast
        self._prev_slow = slow
        if prev_fast > prev_slow and fast < slow:
            self.exit_long(candle)
        elif prev_fast < prev_slow and fast > slow and self.position_quantity == 0:
            self.enter_long(candle)

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals:
        fast = sma(frame.close, self.config.fast)
        slow = sma(frame.close, self.config.slow)
        entries = np.zeros(len(frame), dtype=np.bool_)
        exits = np.zeros(len(frame), dtype=np.bool_)
        with np.errstate(invalid="ignore"):  # NaN warm-up values compare False, as intended
            above = fast > slow
            below = fast < slow
            entries[1:] = below[:-1] & above[1:]
            exits[1:] = above[:-1] & below[1:]
        return Signals(entries=entries, exits=exits)
