"""Average directional index (TA-Lib ``ADX``, ``PLUS_DI``, ``MINUS_DI``), batch and incremental.

TA-Lib's algorithm (Wilder's, without the rounding of his book), which the incremental
class repeats operation for operation, so the two forms are equal bit for bit:

* one-candle directional movement: ``up = high - prev_high``, ``down = prev_low - low``;
  ``-DM1 = down`` if ``down > 0`` and ``up < down``, else ``+DM1 = up`` if ``up > 0`` and
  ``up > down`` (otherwise both are 0); the true range as in :mod:`.atr`;
* ``+DM``, ``-DM`` and ``TR`` start as plain sums over candles ``1 .. period - 1``, then each
  candle applies Wilder's smoothing ``x = x - x / period + x1``;
* ``+DI = 100 * +DM / TR``, ``-DI = 100 * -DM / TR`` (first on candle ``period``);
  ``DX = 100 * |(-DI) - (+DI)| / ((-DI) + (+DI))``; a DX is skipped when ``TR`` is not
  positive or the sum of the DIs is within 1e-14 of zero (TA-Lib 0.8's tests);
* the first ADX is the sum of the DX of candles ``period .. 2 * period - 1`` divided by
  ``period``; then ``adx = (adx * (period - 1) + DX) / period``.

Warm-up: ADX ``2 * period`` inputs (``2 * period - 1`` leading NaN); +DI/-DI ``period + 1``
inputs (``period`` leading NaN, and 0.0 where ``TR`` is zero, as TA-Lib). Values 0..100.
(The true ranges and ``TR`` are never negative, so "not positive" means zero.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["ADX", "DirectionalLines", "adx", "directional_movement"]

_NAN = float("nan")
_ZERO_BAND = 1e-14  # TA-Lib 0.8 skips a DX when |(-DI) + (+DI)| < 1e-14


class DirectionalLines(NamedTuple):
    """Wilder's directional movement lines as arrays (0..100)."""

    plus_di: FloatArray
    minus_di: FloatArray
    adx: FloatArray


def adx(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """ADX over ``period`` candles (``period >= 2``); ``2 * period - 1`` leading NaN."""
    period = talib_backend.validate_period("period", period, 2)
    return talib_backend.adx(high, low, close, period)


def directional_movement(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> DirectionalLines:
    """+DI, -DI (``period`` leading NaN) and ADX (``2 * period - 1``), ``period >= 2``."""
    period = talib_backend.validate_period("period", period, 2)
    return DirectionalLines(
        talib_backend.plus_di(high, low, close, period),
        talib_backend.minus_di(high, low, close, period),
        talib_backend.adx(high, low, close, period),
    )


class ADX:
    """ADX updated one candle at a time; equal to :func:`adx` bit for bit.

    ``update`` returns the ADX; :attr:`plus_di` and :attr:`minus_di` then hold the same
    candle's +DI and -DI (equal to :func:`directional_movement`'s).
    """

    __slots__ = (
        "_adx",
        "_minus_di",
        "_minus_dm",
        "_period",
        "_period_less_one",
        "_plus_di",
        "_plus_dm",
        "_previous_close",
        "_previous_high",
        "_previous_low",
        "_seen",
        "_sum_dx",
        "_true_range",
    )

    def __init__(self, period: int = 14) -> None:
        self._period = talib_backend.validate_period("period", period, 2)
        self._period_less_one = float(self._period - 1)
        self._seen = 0
        self._previous_high = 0.0
        self._previous_low = 0.0
        self._previous_close = 0.0
        self._plus_dm = 0.0
        self._minus_dm = 0.0
        self._true_range = 0.0
        self._sum_dx = 0.0
        self._adx = _NAN
        self._plus_di = _NAN
        self._minus_di = _NAN

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first ADX: ``2 * period``."""
        return 2 * self._period

    @property
    def period(self) -> int:
        return self._period

    @property
    def plus_di(self) -> float:
        """+DI of the latest candle (0..100); NaN for the first ``period`` candles."""
        return self._plus_di

    @property
    def minus_di(self) -> float:
        """-DI of the latest candle (0..100); NaN for the first ``period`` candles."""
        return self._minus_di

    def update(self, high: float, low: float, close: float) -> float:
        seen = self._seen
        self._seen = seen + 1
        previous_close = self._previous_close
        up = high - self._previous_high
        down = self._previous_low - low
        self._previous_high = high
        self._previous_low = low
        self._previous_close = close
        if seen == 0:
            return _NAN
        period = self._period
        true_range = high - low
        gap = abs(high - previous_close)
        true_range = max(true_range, gap)
        gap = abs(low - previous_close)
        true_range = max(true_range, gap)
        if seen < period:  # the seed: plain sums over candles 1 .. period - 1
            if down > 0 and up < down:
                self._minus_dm += down
            elif up > 0 and up > down:
                self._plus_dm += up
            self._true_range += true_range
            return _NAN
        minus_dm = self._minus_dm
        minus_dm -= minus_dm / period
        plus_dm = self._plus_dm
        plus_dm -= plus_dm / period
        if down > 0 and up < down:
            minus_dm += down
        elif up > 0 and up > down:
            plus_dm += up
        smoothed_range = self._true_range
        smoothed_range = smoothed_range - smoothed_range / period + true_range
        self._minus_dm = minus_dm
        self._plus_dm = plus_dm
        self._true_range = smoothed_range
        dx: float | None = None  # skipped when TR or the DI sum is zero
        if not smoothed_range > 0.0:
            self._minus_di = self._plus_di = 0.0
        else:
            minus_di = 100.0 * (minus_dm / smoothed_range)
            plus_di = 100.0 * (plus_dm / smoothed_range)
            self._minus_di = minus_di
            self._plus_di = plus_di
            di_sum = minus_di + plus_di
            if not -_ZERO_BAND < di_sum < _ZERO_BAND:
                dx = 100.0 * (abs(minus_di - plus_di) / di_sum)
        last_seed = 2 * period - 1
        if seen < last_seed:  # summing the first ``period`` DX
            if dx is not None:
                self._sum_dx += dx
            return _NAN
        if seen == last_seed:
            if dx is not None:
                self._sum_dx += dx
            self._adx = self._sum_dx / period
        elif dx is not None:
            self._adx = (self._adx * self._period_less_one + dx) / period
        return self._adx
