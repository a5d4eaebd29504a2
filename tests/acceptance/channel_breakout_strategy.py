"""A second vectorisable strategy, defined outside XOR's package, for the differential tests.

Long when the close breaks above the highest high of the previous ``entry_window`` candles;
flat when it breaks below the lowest low of the previous ``exit_window`` candles. Defining it
here also proves the plug-in API: one file, registered by decorator, run by name.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from pydantic import Field

from xor_trading.domain.candles import Candle
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.signals import Signals
from xor_trading.timeseries.candle_frame import CandleFrame


class ChannelBreakoutConfig(StrategyConfig):
    entry_window: int = Field(default=20, ge=1, le=1000)
    exit_window: int = Field(default=10, ge=1, le=1000)


def _rolling_extreme(values: np.ndarray, window: int, fn: str) -> np.ndarray:
    """Extreme of the ``window`` values *before* each index (NaN until enough history)."""
    out = np.full(len(values), np.nan)
    if len(values) > window:
        view = np.lib.stride_tricks.sliding_window_view(values, window)
        out[window:] = (view.max(axis=1) if fn == "max" else view.min(axis=1))[:-1]
    return out


@register_strategy
class ChannelBreakout(Strategy[ChannelBreakoutConfig]):
    name = "test_channel_breakout"
    config_class = ChannelBreakoutConfig

    def __init__(self, config: ChannelBreakoutConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._highs: deque[float] = deque(maxlen=config.entry_window)
        self._lows: deque[float] = deque(maxlen=config.exit_window)

    def on_candle(self, candle: Candle) -> None:
        highs, lows = self._highs, self._lows
        if len(lows) == lows.maxlen and candle.close < min(lows):
            self.exit_long(candle)
        elif (
            len(highs) == highs.maxlen and candle.close > max(highs) and self.position_quantity == 0
        ):
            self.enter_long(candle)
        highs.append(candle.high)
        lows.append(candle.low)

    def vector_signals(self, frame: CandleFrame, series: object = None) -> Signals:
        upper = _rolling_extreme(frame.high, self.config.entry_window, "max")
        lower = _rolling_extreme(frame.low, self.config.exit_window, "min")
        with np.errstate(invalid="ignore"):
            exits = frame.close < lower
            entries = (frame.close > upper) & ~exits
        return Signals(entries=entries, exits=exits)
