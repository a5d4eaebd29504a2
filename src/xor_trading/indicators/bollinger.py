"""Bollinger bands (TA-Lib ``BBANDS`` over an SMA), batch and incremental, equal to the bit.

``middle = SMA(period)``, ``upper/lower = middle +/- deviations * stddev``, where stddev is
the *population* standard deviation of the window. The middle band is TA-Lib's running-sum
SMA (add the newest value, divide by ``period``, subtract the oldest). For the deviation,
TA-Lib 0.8 keeps running sums of ``x - K`` and ``(x - K)^2`` around a shift ``K`` (the first
price, later the mean of the window) and takes ``var = Q / n - (D / n)^2`` (with ``/ n``
done as ``* (1 / n)``). It recomputes ``K`` and both sums from the window when the variance
gets small against ``Q`` (cancellation), when an outgoing value dominates ``Q``, or every
``32 * period`` outputs; a variance it then still finds negligible (under ``1e-12 * Q / n``)
is 0.0. The incremental class repeats all of these steps in the same order, so the two
forms are equal bit for bit.

Warm-up: ``period`` inputs (``period - 1`` leading NaN). Units: price units.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["Bollinger", "BollingerBands", "BollingerPoint", "bollinger"]

_NAN = float("nan")
_RESYNC_PERIODS = 32  # TA-Lib 0.8 recomputes the shifted sums every 32 * period outputs
_SMALL_VARIANCE = 1e-6  # recompute when var < 1e-6 * Q / n (cancellation)
_LARGE_OUTGOING = 1e6  # recompute when the outgoing (x - K)^2 exceeds 1e6 * Q
_NEGLIGIBLE_VARIANCE = 1e-12  # after a recompute, var < 1e-12 * Q / n counts as 0


class BollingerBands(NamedTuple):
    """The three bands as arrays (price units)."""

    upper: FloatArray
    middle: FloatArray
    lower: FloatArray


class BollingerPoint(NamedTuple):
    """The three bands at one candle (price units)."""

    upper: float
    middle: float
    lower: float


_NAN_POINT = BollingerPoint(_NAN, _NAN, _NAN)


def bollinger(values: npt.ArrayLike, period: int = 20, deviations: float = 2.0) -> BollingerBands:
    """Bollinger bands of ``values``: ``period >= 2`` candles, ``deviations >= 0``.

    ``period - 1`` leading NaN in each band.
    """
    period = talib_backend.validate_period("period", period, 2)
    deviations = talib_backend.validate_deviations("deviations", deviations)
    return BollingerBands(*talib_backend.bbands(values, period, deviations, deviations))


class Bollinger:
    """Bollinger bands updated one price at a time; equal to :func:`bollinger` bit for bit."""

    __slots__ = (
        "_countdown",
        "_deviations",
        "_inverse",
        "_period",
        "_shift",
        "_shifted_squares",
        "_shifted_total",
        "_total",
        "_window",
    )

    def __init__(self, period: int = 20, deviations: float = 2.0) -> None:
        self._period = talib_backend.validate_period("period", period, 2)
        self._deviations = talib_backend.validate_deviations("deviations", deviations)
        self._inverse = 1.0 / self._period
        self._window: deque[float] = deque(maxlen=self._period)
        self._total = 0.0  # plain running sum (the middle band's SMA)
        self._shift = 0.0  # K
        self._shifted_total = 0.0  # D: sum of x - K
        self._shifted_squares = 0.0  # Q: sum of (x - K)^2
        self._countdown = _RESYNC_PERIODS * self._period

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``period``."""
        return self._period

    @property
    def period(self) -> int:
        return self._period

    def update(self, value: float) -> BollingerPoint:
        window = self._window
        window.append(value)
        if len(window) == 1:
            self._shift = value
        total = self._total + value
        shifted = value - self._shift
        shifted_total = self._shifted_total + shifted
        squares = self._shifted_squares + shifted * shifted
        if len(window) < self._period:
            self._total = total
            self._shifted_total = shifted_total
            self._shifted_squares = squares
            return _NAN_POINT
        inverse = self._inverse
        mean_shift = inverse * shifted_total
        variance = inverse * squares - mean_shift * mean_shift
        middle = total / self._period
        oldest = window[0]
        self._total = total - oldest
        outgoing = oldest - self._shift
        outgoing_square = outgoing * outgoing
        squares -= outgoing_square
        if (
            inverse * squares * _SMALL_VARIANCE > variance
            or outgoing_square > squares * _LARGE_OUTGOING
            or self._countdown == 1
        ):
            deviation = self._recompute()
        else:
            self._countdown -= 1
            self._shifted_total = shifted_total - outgoing
            self._shifted_squares = squares
            deviation = math.sqrt(variance) if variance != 0.0 else 0.0
        spread = deviation * self._deviations
        return BollingerPoint(middle + spread, middle, middle - spread)

    def _recompute(self) -> float:
        """TA-Lib 0.8's recompute: new shift, sums from the window; the standard deviation."""
        window = self._window
        inverse = self._inverse
        self._countdown = _RESYNC_PERIODS * self._period
        total = 0.0
        for item in window:
            total += item
        shift = total * inverse
        shifted_total = 0.0
        squares = 0.0
        for item in window:
            shifted = item - shift
            shifted_total += shifted
            squares += shifted * shifted
        mean_shift = inverse * shifted_total
        mean_square = inverse * squares
        variance = mean_square - mean_shift * mean_shift
        outgoing = window[0] - shift
        self._shift = shift
        self._shifted_total = shifted_total - outgoing
        self._shifted_squares = squares - outgoing * outgoing
        if mean_square * _NEGLIGIBLE_VARIANCE > variance:
            return 0.0
        return math.sqrt(variance) if variance != 0.0 else 0.0
