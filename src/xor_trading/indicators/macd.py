"""Moving average convergence/divergence (TA-Lib ``MACD``), batch and incremental.

``macd = EMA(fast) - EMA(slow)``, ``signal = EMA(signal) of macd``,
``histogram = macd - signal``, with TA-Lib's seeding, which differs from a plain EMA:

* the slow EMA is seeded with the SMA of the first ``slow`` prices;
* the fast EMA is seeded with the SMA of the ``fast`` prices *ending at the same candle*
  (prices ``slow - fast`` .. ``slow - 1``; the earlier prices are ignored), so that both
  EMAs start on candle ``slow - 1``;
* the signal EMA is seeded with the SMA of the first ``signal`` MACD values;
* all three lines are NaN until the signal has its first value.

The incremental class repeats these operations in the same order, so it equals the batch
form bit for bit. Warm-up ``slow + signal - 1`` inputs (``slow + signal - 2`` leading NaN).
Units: price units.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy.typing as npt

from xor_trading.core.errors import ConfigError
from xor_trading.indicators import talib_backend
from xor_trading.indicators.ema import EMA
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["MACD", "MACDLines", "MACDPoint", "macd"]

_NAN = float("nan")


class MACDLines(NamedTuple):
    """The three MACD lines as arrays (price units)."""

    macd: FloatArray
    signal: FloatArray
    histogram: FloatArray


class MACDPoint(NamedTuple):
    """The three MACD values of one candle (price units)."""

    macd: float
    signal: float
    histogram: float


_NAN_POINT = MACDPoint(_NAN, _NAN, _NAN)


def _validated(fast: int, slow: int, signal: int) -> tuple[int, int, int]:
    fast = talib_backend.validate_period("fast", fast, 2)
    slow = talib_backend.validate_period("slow", slow, 2)
    signal = talib_backend.validate_period("signal", signal, 1)
    if fast > slow:
        raise ConfigError(
            f"fast ({fast}) must not be longer than slow ({slow})",
            hint="swap the two periods: MACD is EMA(fast) - EMA(slow) with fast <= slow",
        )
    return fast, slow, signal


def macd(values: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> MACDLines:
    """MACD lines of ``values``; ``slow + signal - 2`` leading NaN in each line.

    ``fast >= 2``, ``slow >= fast``, ``signal >= 1`` (candles).
    """
    return MACDLines(*talib_backend.macd(values, *_validated(fast, slow, signal)))


class MACD:
    """MACD updated one price at a time; equal to :func:`macd` bit for bit."""

    __slots__ = ("_fast", "_fast_start", "_seen", "_signal", "_slow", "_slow_period", "_warmup")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        fast, slow, signal = _validated(fast, slow, signal)
        self._fast = EMA(fast)
        self._slow = EMA(slow)
        self._signal = EMA(signal)
        self._slow_period = slow
        self._fast_start = slow - fast  # the fast EMA ignores the prices before this one
        self._warmup = slow + signal - 1
        self._seen = 0

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``slow + signal - 1``."""
        return self._warmup

    def update(self, value: float) -> MACDPoint:
        seen = self._seen
        self._seen = seen + 1
        slow = self._slow.update(value)
        if seen < self._fast_start:
            return _NAN_POINT
        fast = self._fast.update(value)
        if seen < self._slow_period - 1:
            return _NAN_POINT
        line = fast - slow
        signal = self._signal.update(line)
        if seen < self._warmup - 1:  # the signal EMA is still seeding
            return _NAN_POINT
        return MACDPoint(line, signal, line - signal)
