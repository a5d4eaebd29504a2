"""Donchian breakout with volume confirmation (the turtle rule, plus a volume filter).

Rules, decided at the close of candle ``i`` (orders fill at the next candle's open):

* **Entry** (when flat): ``close[i] > upper[i-1]``, the highest high of the ``entry_period``
  candles *before* ``i`` (the Donchian channel includes its own candle, so a close can never
  be above its own channel: the previous candle's channel is the breakout level), **and**
  ``volume[i] > volume_factor * avg_volume[i-1]``, where ``avg_volume`` is the simple moving
  average of the volume over ``volume_period`` candles, also ending at ``i-1`` (a spike does
  not raise its own bar). Both comparisons are strict.
* **Exit** (when long): ``close[i] < lower[i-1]``, the lowest low of the ``exit_period``
  candles before ``i`` (a shorter channel than the entry one, so exits come faster).
  An exit signal is looked at before an entry signal; the two cannot hold together anyway
  (``lower <= upper``).

Sizing: each entry buys ``settings.stake`` (quote currency) at market, sized at the signal
candle's close, with the run's stop loss / take profit bracket if one is configured.

Partial fills (only with a volume cap, event path): an entry filled in part is a position
(no second entry is sent while any quantity is held; the remainder keeps working at the next
opens). An exit sells the whole position held at that moment; while it is still working no
further exit is sent, so a partially filled exit is never doubled.

The channel and the average volume come in a batch form (fast path) and an incremental form
(event path) that are equal to the bit (max/min are exact, the SMA uses the same running
sum), so both paths take the same decisions: ``vector_signals`` is the fast path.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.indicators.donchian import Donchian, donchian
from xor_trading.indicators.moving_average import IncrementalSMA, sma
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.strategy.signals import Signals
from xor_trading.timeseries.candle_frame import CandleFrame

_NAN = float("nan")


class BreakoutConfig(StrategyConfig):
    entry_period: int = Field(
        default=20, ge=2, le=10_000,
        description="Donchian entry channel, in candles: enter above its highest high.",
    )  # fmt: skip
    exit_period: int = Field(
        default=10, ge=1, le=10_000,
        description="Donchian exit channel, in candles (shorter than the entry channel): "
        "exit below its lowest low.",
    )  # fmt: skip
    volume_period: int = Field(
        default=20, ge=1, le=10_000,
        description="Candles in the average volume the breakout candle is compared with.",
    )  # fmt: skip
    volume_factor: float = Field(
        default=1.5, ge=0.0, le=100.0,
        description="The breakout candle's volume must exceed this multiple of the average "
        "volume (0 disables the filter for any traded candle).",
    )  # fmt: skip

    @model_validator(mode="after")
    def _exit_shorter(self) -> BreakoutConfig:
        if self.exit_period >= self.entry_period:
            raise ValueError(
                f"exit_period ({self.exit_period}) must be shorter than "
                f"entry_period ({self.entry_period})"
            )
        return self


@register_strategy
class Breakout(Strategy[BreakoutConfig]):
    name = "breakout"
    config_class = BreakoutConfig
    description = "Long on a Donchian high break with high volume; out below a shorter low."

    def __init__(self, config: BreakoutConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._entry_channel = Donchian(config.entry_period).update
        self._exit_channel = Donchian(config.exit_period).update
        self._volume_average = IncrementalSMA(config.volume_period).update
        self._prev = (_NAN, _NAN, _NAN)  # upper, exit lower, average volume of the last candle

    @property
    def warmup_bars(self) -> int:
        # The first decision compares with the previous candle's complete channels and average.
        c = self.config
        return max(c.entry_period, c.exit_period, c.volume_period)

    def on_candle(self, candle: Candle) -> None:
        upper_prev, lower_prev, volume_prev = self._prev
        upper = self._entry_channel(candle.high, candle.low).upper
        lower = self._exit_channel(candle.high, candle.low).lower
        self._prev = (upper, lower, self._volume_average(candle.volume))
        close = candle.close
        if close < lower_prev:
            self.exit_long(candle)  # sends nothing when flat or already exiting
        elif (
            close > upper_prev
            and candle.volume > self.config.volume_factor * volume_prev
            and self.position_quantity == 0
        ):
            self.enter_long(candle)

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals:
        c = self.config
        upper = donchian(frame.high, frame.low, c.entry_period).upper
        lower = donchian(frame.high, frame.low, c.exit_period).lower
        volume_average = sma(frame.volume, c.volume_period)
        close = frame.close
        entries = np.zeros(len(frame), dtype=np.bool_)
        exits = np.zeros(len(frame), dtype=np.bool_)
        with np.errstate(invalid="ignore"):  # NaN warm-up values compare False, as intended
            entries[1:] = (close[1:] > upper[:-1]) & (
                frame.volume[1:] > c.volume_factor * volume_average[:-1]
            )
            exits[1:] = close[1:] < lower[:-1]
        return Signals(entries=entries, exits=exits)
