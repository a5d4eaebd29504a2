"""Stochastic oscillator (TA-Lib ``STOCH`` with SMA smoothing), batch and incremental.

* raw %K of candle ``t``: ``(close - L) / (H - L) * 100`` with ``L``/``H`` the lowest low
  and highest high of the last ``fastk`` candles, and 0.0 when ``H - L`` is negligible
  (``|H - L| <= 1e-14 * (|H| + |L|)``, TA-Lib 0.8's test);
* slow %K: the SMA of raw %K over ``slowk`` values; slow %D: the SMA of slow %K over
  ``slowd`` values; both SMAs are TA-Lib's running sums, started at the first raw %K.

The incremental class repeats these operations in the same order, so it equals the batch
form bit for bit. Warm-up ``fastk + slowk + slowd - 2`` inputs (one less leading NaN, in
both lines). Values 0..100.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.indicators.moving_average import IncrementalSMA
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["Stochastic", "StochasticLines", "StochasticPoint", "stochastic"]

_NAN = float("nan")
_FLAT_RANGE = 1e-14  # TA-Lib 0.8: a range under 1e-14 * (|H| + |L|) gives a raw %K of 0


class StochasticLines(NamedTuple):
    """Slow %K and slow %D as arrays (0..100)."""

    k: FloatArray
    d: FloatArray


class StochasticPoint(NamedTuple):
    """Slow %K and slow %D of one candle (0..100)."""

    k: float
    d: float


_NAN_POINT = StochasticPoint(_NAN, _NAN)


def _validated(fastk: int, slowk: int, slowd: int) -> tuple[int, int, int]:
    return (
        talib_backend.validate_period("fastk", fastk, 1),
        talib_backend.validate_period("slowk", slowk, 1),
        talib_backend.validate_period("slowd", slowd, 1),
    )


def stochastic(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    fastk: int = 14,
    slowk: int = 3,
    slowd: int = 3,
) -> StochasticLines:
    """Slow stochastic of the candles; ``fastk + slowk + slowd - 3`` leading NaN.

    Periods in candles, each at least 1.
    """
    return StochasticLines(*talib_backend.stoch(high, low, close, *_validated(fastk, slowk, slowd)))


class Stochastic:
    """Slow stochastic updated one candle at a time; equal to :func:`stochastic` bit for bit."""

    __slots__ = ("_d", "_fastk", "_highs", "_k", "_k_ready", "_lows", "_seen", "_warmup")

    def __init__(self, fastk: int = 14, slowk: int = 3, slowd: int = 3) -> None:
        fastk, slowk, slowd = _validated(fastk, slowk, slowd)
        self._fastk = fastk
        self._highs: deque[float] = deque(maxlen=fastk)
        self._lows: deque[float] = deque(maxlen=fastk)
        self._k = IncrementalSMA(slowk)
        self._d = IncrementalSMA(slowd)
        self._k_ready = fastk + slowk - 2  # index of the first slow %K
        self._warmup = fastk + slowk + slowd - 2
        self._seen = 0

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``fastk + slowk + slowd - 2``."""
        return self._warmup

    def update(self, high: float, low: float, close: float) -> StochasticPoint:
        seen = self._seen
        self._seen = seen + 1
        highs = self._highs
        lows = self._lows
        highs.append(high)
        lows.append(low)
        if seen < self._fastk - 1:
            return _NAN_POINT
        lowest = min(lows)
        highest = max(highs)
        spread = highest - lowest
        if (abs(highest) + abs(lowest)) * _FLAT_RANGE < abs(spread):
            raw_k = (close - lowest) / spread * 100.0
        else:
            raw_k = 0.0
        k = self._k.update(raw_k)
        if seen < self._k_ready:  # slow %K still filling
            return _NAN_POINT
        d = self._d.update(k)
        if seen < self._warmup - 1:  # slow %D still filling
            return _NAN_POINT
        return StochasticPoint(k, d)
