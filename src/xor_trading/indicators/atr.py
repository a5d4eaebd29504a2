"""Average true range (TA-Lib ``ATR``, Wilder's smoothing), batch and incremental.

True range of candle ``t``: ``max(high - low, |high - prev_close|, |low - prev_close|)``;
the first candle has none. TA-Lib's algorithm, repeated by the incremental class operation
for operation (so the two forms are equal bit for bit):

* the first ATR is the plain mean of the first ``period`` true ranges (candles
  ``1 .. period``), summed left to right from 0.0;
* then TA-Lib 0.8's Wilder smoothing ``atr = fma(w, atr, true_range * (1 - w))`` with
  ``w = (period - 1) / period``, i.e. ``w * atr + (1 - w) * true_range`` rounded as C's
  ``fma()`` does.

With TA-Lib's default settings there is no unstable period. Warm-up ``period + 1`` inputs
(``period`` leading NaN). Units: price units.
"""

from __future__ import annotations

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["ATR", "atr"]

_NAN = float("nan")
_fma = talib_backend.fma


def atr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """ATR over ``period`` candles (``period >= 1``); ``period`` leading NaN."""
    period = talib_backend.validate_period("period", period, 1)
    return talib_backend.atr(high, low, close, period)


class ATR:
    """ATR updated one candle at a time; equal to :func:`atr` bit for bit."""

    __slots__ = ("_atr", "_new_weight", "_old_weight", "_period", "_previous_close", "_ranges")

    def __init__(self, period: int = 14) -> None:
        self._period = talib_backend.validate_period("period", period, 1)
        self._old_weight = (self._period - 1) / self._period
        self._new_weight = 1.0 - self._old_weight
        self._ranges = -1  # true ranges seen; -1 until the first candle
        self._previous_close = 0.0
        self._atr = 0.0  # the seed sum until ``period`` true ranges are seen, then the ATR

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``period + 1``."""
        return self._period + 1

    @property
    def period(self) -> int:
        return self._period

    def update(self, high: float, low: float, close: float) -> float:
        previous_close = self._previous_close
        self._previous_close = close
        ranges = self._ranges + 1
        self._ranges = ranges
        if ranges == 0:
            return _NAN
        true_range = high - low
        gap = abs(previous_close - high)
        true_range = max(true_range, gap)
        gap = abs(previous_close - low)
        true_range = max(true_range, gap)
        if ranges > self._period:
            value = _fma(self._old_weight, self._atr, true_range * self._new_weight)
            self._atr = value
            return value
        self._atr += true_range
        if ranges < self._period:
            return _NAN
        self._atr /= self._period
        return self._atr
