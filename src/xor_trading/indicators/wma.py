"""Weighted moving average (TA-Lib ``WMA``), batch and incremental, equal to the bit.

Weights ``1, 2, ..., period`` from the oldest to the newest value, divided by
``period * (period + 1) / 2``. TA-Lib keeps two running sums, the plain sum of the window
and the weighted sum, and updates them in a fixed order: add the newest value to the plain
sum and drop the oldest, add ``period * value`` to the weighted sum, emit
``weighted / divider``, then subtract the plain sum from the weighted sum. To stop rounding
drift, TA-Lib 0.8 recomputes both sums from the window (left to right, from 0.0) for every
``8 * period``-th output. A period of 1 returns the input unchanged. The incremental class
does all of this in the same order, so it equals the batch form bit for bit.

Warm-up: the first value comes with the ``period``-th input (``period - 1`` leading NaN).
Units: those of the input.
"""

from __future__ import annotations

from collections import deque

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["WMA", "wma"]

_NAN = float("nan")
_RESYNC_PERIODS = 8  # TA-Lib 0.8 recomputes the sums every 8 * period outputs


def wma(values: npt.ArrayLike, period: int) -> FloatArray:
    """WMA of ``values`` over ``period`` inputs (``period >= 1``); ``period - 1`` leading NaN."""
    return talib_backend.wma(values, talib_backend.validate_period("period", period, 1))


class WMA:
    """WMA updated one value at a time; equal to :func:`wma` bit for bit."""

    __slots__ = (
        "_countdown",
        "_divider",
        "_period",
        "_seeded",
        "_sub",
        "_sum",
        "_trailing",
        "_window",
    )

    def __init__(self, period: int) -> None:
        self._period = talib_backend.validate_period("period", period, 1)
        self._divider = float((self._period * (self._period + 1)) >> 1)
        self._window: deque[float] = deque(maxlen=self._period)
        self._seeded = 0  # values summed into the seed (TA-Lib's first period - 1)
        self._sub = 0.0  # plain sum, TA-Lib's periodSub
        self._sum = 0.0  # weighted sum, TA-Lib's periodSum
        self._trailing = 0.0  # the value to drop from ``_sub`` at the next output
        self._countdown = _RESYNC_PERIODS * self._period  # outputs until the next recompute

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``period``."""
        return self._period

    @property
    def period(self) -> int:
        return self._period

    def update(self, value: float) -> float:
        period = self._period
        if period == 1:  # TA-Lib copies the input for a period of 1
            return value
        window = self._window
        window.append(value)
        if self._seeded < period - 1:
            self._seeded += 1
            self._sub += value
            self._sum += value * self._seeded
            return _NAN
        self._countdown -= 1
        if self._countdown:
            sub = self._sub + value
            sub -= self._trailing
            total = value * period + self._sum
        else:  # TA-Lib 0.8's periodic recompute, from the window
            self._countdown = _RESYNC_PERIODS * period
            sub = 0.0
            total = 0.0
            for weight, item in enumerate(window, start=1):
                sub += item
                total += item * weight
        self._trailing = window[0]
        self._sum = total - sub
        self._sub = sub
        return total / self._divider
