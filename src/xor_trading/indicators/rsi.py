"""Relative strength index (TA-Lib ``RSI``, Wilder's smoothing), batch and incremental.

TA-Lib 0.8's algorithm, which the incremental class repeats operation for operation (so the
two are equal bit for bit):

* the first ``period`` price changes are summed (left to right, from 0.0) into a total
  gain and a total loss, each then multiplied by ``1 / period``: the first RSI comes with
  the ``period + 1``-th price;
* then each change updates ``avg = (avg * (period - 1) + change) * (1 / period)`` for the
  gain and for the loss (Wilder's smoothing; the other side gets a zero change);
* ``RSI = 100 * gain / (gain + loss)``, and 0.0 when ``gain + loss`` is not positive
  (a flat series).

With TA-Lib's default settings there is no unstable period: the first value is emitted
right after the seed. Warm-up ``period + 1`` inputs (``period`` leading NaN); values 0..100.
"""

from __future__ import annotations

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["RSI", "rsi"]

_NAN = float("nan")


def rsi(values: npt.ArrayLike, period: int = 14) -> FloatArray:
    """RSI of ``values`` over ``period`` changes (``period >= 2``); ``period`` leading NaN."""
    return talib_backend.rsi(values, talib_backend.validate_period("period", period, 2))


class RSI:
    """RSI updated one price at a time; equal to :func:`rsi` bit for bit."""

    __slots__ = ("_changes", "_gain", "_inverse", "_loss", "_period", "_previous", "_weight")

    def __init__(self, period: int = 14) -> None:
        self._period = talib_backend.validate_period("period", period, 2)
        self._inverse = 1.0 / self._period
        self._weight = float(self._period - 1)
        self._changes = -1  # price changes seen; -1 until the first price
        self._previous = 0.0
        self._gain = 0.0
        self._loss = 0.0

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``period + 1``."""
        return self._period + 1

    @property
    def period(self) -> int:
        return self._period

    def update(self, value: float) -> float:
        change = value - self._previous
        self._previous = value
        changes = self._changes + 1
        self._changes = changes
        if changes > self._period:  # Wilder's smoothing
            gain = self._gain * self._weight
            loss = self._loss * self._weight
            if change > 0.0:
                gain += change
            else:
                loss -= change
            gain *= self._inverse
            loss *= self._inverse
        elif changes == 0:
            return _NAN
        else:  # the seed: plain sums of the first ``period`` changes
            if change > 0.0:
                self._gain += change
            else:
                self._loss -= change
            if changes < self._period:
                return _NAN
            gain = self._gain * self._inverse
            loss = self._loss * self._inverse
        self._gain = gain
        self._loss = loss
        total = gain + loss
        if total > 0.0:
            return 100.0 * (gain / total)
        return 0.0
