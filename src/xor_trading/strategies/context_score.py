"""Context score: buy when the market context score crosses its threshold upward.

The score (0-100 points) is :mod:`xor_trading.indicators.market_context`'s: volume
participation, volatility compression or a clean trend, position at an edge of the range and
a close beyond the prior range (its module docstring has every formula).

Rules, decided at the close of candle ``i`` (orders fill at the next candle's open):

* **Entry** (when flat): the score crosses the threshold upward,
  ``score[i-1] < threshold <= score[i]`` (:func:`~xor_trading.indicators.market_context.
  context_signals`; a NaN score during the warm-up never crosses).
* **Exit** (when long), either of:

  - ``score[i] < exit_level``;
  - the holding period is over: ``i - s >= max_hold_candles``, where ``s`` is the candle of
    the most recent upward cross (0 disables this exit). The entry fills at the open of
    ``s + 1`` and the exit at the open of ``s + max_hold_candles + 1``: the position is held
    exactly ``max_hold_candles`` candles. A new upward cross while long (the score dipped
    below the threshold, but not below ``exit_level``, and came back) restarts the count: the
    setup was confirmed again.

  ``exit_level <= threshold``, so an exit and an entry never hold together (and an exit is
  looked at first anyway).

Sizing: each entry buys ``settings.stake`` (quote currency) at market, sized at the signal
candle's close, with the run's stop loss / take profit bracket if one is configured.

Partial fills (only with a volume cap, event path): an entry filled in part is a position
(no second entry is sent while any quantity is held; the remainder keeps working at the next
opens). An exit sells the whole position held at that moment; while it is still working no
further exit is sent.

Counting the holding period from the last cross, not from the fill, keeps every decision a
function of the candles alone, so the batch score (fast path) and the incremental scorer
(event path), which are equal to the bit, give the same trades.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.indicators.market_context import (
    MarketContextScorer,
    context_signals,
    market_context,
)
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.strategy.signals import Signals
from xor_trading.timeseries.candle_frame import CandleFrame


class ContextScoreConfig(StrategyConfig):
    lookback: int = Field(
        default=50, ge=5, le=10_000,
        description="Candles of context the score describes (volume, range, trend).",
    )  # fmt: skip
    atr_period: int = Field(
        default=14, ge=1, le=10_000, description="ATR period of the score, in candles."
    )
    threshold: float = Field(
        default=70.0, ge=0.0, le=100.0,
        description="Enter when the score (0-100 points) crosses this level upward.",
    )  # fmt: skip
    exit_level: float = Field(
        default=40.0, ge=0.0, le=100.0,
        description="Exit when the score falls below this level (0-100 points).",
    )  # fmt: skip
    max_hold_candles: int = Field(
        default=48, ge=0, le=1_000_000,
        description="Exit after this many candles since the last upward cross (0: never).",
    )  # fmt: skip

    @model_validator(mode="after")
    def _exit_not_above_threshold(self) -> ContextScoreConfig:
        if self.exit_level > self.threshold:
            raise ValueError(
                f"exit_level ({self.exit_level}) must not be above threshold ({self.threshold})"
            )
        return self


@register_strategy
class ContextScore(Strategy[ContextScoreConfig]):
    name = "context_score"
    config_class = ContextScoreConfig
    description = "Long when the market context score crosses its threshold; out when it fades."

    def __init__(self, config: ContextScoreConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._scorer = MarketContextScorer(config.lookback, config.atr_period, config.threshold)
        self._index = -1  # index of the current candle
        self._last_cross = -1  # index of the most recent upward cross, -1 before the first

    @property
    def warmup_bars(self) -> int:
        # The first reading comes with candle lookback + atr_period - 1; a cross needs one more.
        return self.config.lookback + self.config.atr_period

    def on_candle(self, candle: Candle) -> None:
        self._index += 1
        reading = self._scorer.update(candle.high, candle.low, candle.close, candle.volume)
        if reading is None:
            return
        c = self.config
        if reading.signal:
            self._last_cross = self._index
        held_too_long = (
            c.max_hold_candles > 0
            and self._last_cross >= 0
            and self._index - self._last_cross >= c.max_hold_candles
        )
        if reading.score < c.exit_level or held_too_long:
            self.exit_long(candle)  # sends nothing when flat or already exiting
        elif reading.signal and self.position_quantity == 0:
            self.enter_long(candle)

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals:
        c = self.config
        score = market_context(
            frame.high, frame.low, frame.close, frame.volume, c.lookback, c.atr_period
        ).score
        entries = context_signals(score, c.threshold)
        with np.errstate(invalid="ignore"):  # NaN warm-up scores compare False, as intended
            exits = score < c.exit_level
        if c.max_hold_candles > 0:
            index = np.arange(len(frame), dtype=np.int64)
            last_cross = np.maximum.accumulate(np.where(entries, index, -1))
            exits |= (last_cross >= 0) & (index - last_cross >= c.max_hold_candles)
        return Signals(entries=entries, exits=exits)
