"""Exponential moving average (TA-Lib ``EMA``), batch and incremental, equal to the bit.

``k = 2 / (period + 1)``. TA-Lib seeds the average with the SMA of the first ``period``
values (summed left to right from 0.0, then divided by ``period``), then applies
``ema = fma(value - ema, k, ema)`` to each later value (TA-Lib 0.8 rounds
``(value - ema) * k + ema`` once, with C's ``fma()``). A period of 1 returns the input
unchanged. The incremental class performs the same operations in the same order, with a
correctly rounded :func:`~xor_trading.indicators.talib_backend.fma`, so it equals the
batch form bit for bit.

Warm-up: the first value comes with the ``period``-th input (``period - 1`` leading NaN).
Units: those of the input (prices in, prices out).
"""

from __future__ import annotations

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["EMA", "ema"]

_NAN = float("nan")
_fma = talib_backend.fma


def ema(values: npt.ArrayLike, period: int) -> FloatArray:
    """EMA of ``values`` over ``period`` inputs (``period >= 1``); ``period - 1`` leading NaN."""
    return talib_backend.ema(values, talib_backend.validate_period("period", period, 1))


class EMA:
    """EMA updated one value at a time; equal to :func:`ema` bit for bit.

    ``update(value)`` returns NaN for the first ``period - 1`` values, then the EMA.
    """

    __slots__ = ("_count", "_k", "_period", "_value")

    def __init__(self, period: int) -> None:
        self._period = talib_backend.validate_period("period", period, 1)
        self._k = 2.0 / (self._period + 1)
        self._count = 0
        self._value = 0.0  # the running seed sum until the period is full, then the EMA

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``period``."""
        return self._period

    @property
    def period(self) -> int:
        return self._period

    @property
    def value(self) -> float:
        """The latest EMA, NaN during the warm-up."""
        return self._value if self._count >= self._period else _NAN

    def update(self, value: float) -> float:
        if self._count >= self._period:
            if self._period == 1:  # TA-Lib copies the input for a period of 1
                self._value = value
                return value
            previous = self._value
            current = _fma(value - previous, self._k, previous)
            self._value = current
            return current
        self._value += value  # TA-Lib's seed: a plain left-to-right sum
        self._count += 1
        if self._count < self._period:
            return _NAN
        self._value /= self._period
        return self._value
