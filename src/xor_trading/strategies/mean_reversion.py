"""Mean reversion: buy a close below the lower Bollinger band when RSI is oversold.

Rules, decided at the close of candle ``i`` (orders fill at the next candle's open):

* **Entry** (when flat): ``close[i] < lower[i]`` (Bollinger bands over ``bb_period`` closes,
  ``bb_deviations`` population standard deviations) **and** ``RSI[i] < oversold``.
* **Exit** (when long), either of:

  - the close crosses back above the middle band: ``close[i-1] <= middle[i-1]`` and
    ``close[i] > middle[i]``. An entry needs a close below the lower band, so while long
    this is the first close above the middle band;
  - ``RSI[i] > overbought``.

  An exit signal is looked at before an entry signal; the two cannot hold together
  (``oversold < overbought``, and a close below the lower band is below the middle one).

Sizing: each entry buys ``settings.stake`` (quote currency) at market, sized at the signal
candle's close, with the run's stop loss / take profit bracket if one is configured.

Partial fills (only with a volume cap, event path): an entry filled in part is a position
(no second entry is sent while any quantity is held; the remainder keeps working at the next
opens). An exit sells the whole position held at that moment; while it is still working no
further exit is sent.

Bollinger bands and RSI come in batch and incremental forms that are equal to the bit, and
the rules are comparisons of their values, so the fast path (``vector_signals``) and the
event path take the same decisions.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.indicators.bollinger import Bollinger, bollinger
from xor_trading.indicators.rsi import RSI, rsi
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.strategy.signals import Signals
from xor_trading.timeseries.candle_frame import CandleFrame

_NAN = float("nan")


class MeanReversionConfig(StrategyConfig):
    bb_period: int = Field(
        default=20, ge=2, le=10_000, description="Bollinger band period, in candles."
    )
    bb_deviations: float = Field(
        default=2.0, gt=0.0, le=10.0,
        description="Width of the bands, in population standard deviations of the close.",
    )  # fmt: skip
    rsi_period: int = Field(default=14, ge=2, le=10_000, description="RSI period, in candles.")
    oversold: float = Field(
        default=30.0, ge=0.0, le=100.0, description="Enter only when RSI is below this (0-100)."
    )
    overbought: float = Field(
        default=70.0, ge=0.0, le=100.0, description="Exit when RSI is above this (0-100)."
    )

    @model_validator(mode="after")
    def _oversold_below_overbought(self) -> MeanReversionConfig:
        if self.oversold >= self.overbought:
            raise ValueError(
                f"oversold ({self.oversold}) must be below overbought ({self.overbought})"
            )
        return self


@register_strategy
class MeanReversion(Strategy[MeanReversionConfig]):
    name = "mean_reversion"
    config_class = MeanReversionConfig
    description = "Long below the lower Bollinger band with RSI oversold; out at the middle band."

    def __init__(self, config: MeanReversionConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._bands = Bollinger(config.bb_period, config.bb_deviations).update
        self._rsi = RSI(config.rsi_period).update
        self._prev = (_NAN, _NAN)  # close and middle band of the last candle

    @property
    def warmup_bars(self) -> int:
        # The middle-band cross looks at the previous candle's band.
        return max(self.config.bb_period, self.config.rsi_period)

    def on_candle(self, candle: Candle) -> None:
        close = candle.close
        bands = self._bands(close)
        strength = self._rsi(close)
        prev_close, prev_middle = self._prev
        self._prev = (close, bands.middle)
        c = self.config
        if (prev_close <= prev_middle and close > bands.middle) or strength > c.overbought:
            self.exit_long(candle)  # sends nothing when flat or already exiting
        elif close < bands.lower and strength < c.oversold and self.position_quantity == 0:
            self.enter_long(candle)

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals:
        c = self.config
        close = frame.close
        bands = bollinger(close, c.bb_period, c.bb_deviations)
        strength = rsi(close, c.rsi_period)
        exits = np.zeros(len(frame), dtype=np.bool_)
        with np.errstate(invalid="ignore"):  # NaN warm-up values compare False, as intended
            exits[1:] = (close[:-1] <= bands.middle[:-1]) & (close[1:] > bands.middle[1:])
            exits |= strength > c.overbought
            entries = (close < bands.lower) & (strength < c.oversold)
        return Signals(entries=entries, exits=exits)
