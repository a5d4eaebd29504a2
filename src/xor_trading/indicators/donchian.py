"""Donchian channel: the highest high and lowest low of the last ``period`` candles.

The window **includes the current candle**: ``upper[i] = max(high[i - period + 1 .. i])``.
So a close can never be above its own candle's ``upper``; a breakout strategy compares the
close at ``i`` with the channel of the *previous* candle (``upper[i - 1]``). Prices are in
the quote currency; ``middle = (upper + lower) / 2``. Warm-up: the first ``period - 1``
values are NaN. No lookahead: each value uses candles up to and including ``i`` only.

:func:`highest` and :func:`lowest` are the rolling extremes underneath (Ichimoku uses
them too). The batch form runs in O(n) whatever the period (van Herk / Gil-Werman block
maxima); :class:`Donchian` keeps monotonic deques, O(1) amortised per candle. Max and
min are exact, so both forms agree to the bit. Inputs must hold no NaN (validated
candles never do).
"""

from __future__ import annotations

from collections import deque
from typing import Generic, NamedTuple, TypeVar

import numpy as np

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = [
    "Donchian",
    "DonchianChannel",
    "RollingExtreme",
    "as_prices",
    "check_period",
    "donchian",
    "highest",
    "lowest",
]

_V = TypeVar("_V", float, FloatArray)
_NAN = float("nan")


class DonchianChannel(NamedTuple, Generic[_V]):
    """Upper (highest high), middle (their mean) and lower (lowest low) lines."""

    upper: _V
    middle: _V
    lower: _V


def check_period(period: int, name: str = "period") -> None:
    """Raise ``ConfigError`` unless ``period`` is an int of at least 1."""
    if isinstance(period, bool) or not isinstance(period, int) or period < 1:
        raise ConfigError(
            f"{name} must be a whole number of candles, at least 1; got {period!r}",
            f"pass for example {name}=20",
        )


def as_prices(*arrays: FloatArray) -> list[FloatArray]:
    """The arrays as contiguous float64; raise ``DataError`` if their lengths differ."""
    out = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
    lengths = {a.shape[0] for a in out}
    if len(lengths) > 1 or any(a.ndim != 1 for a in out):
        raise DataError(
            f"input arrays must be one-dimensional and of one length; got {sorted(lengths)}",
            "pass the columns of one candle frame",
        )
    return out


def highest(values: FloatArray, period: int) -> FloatArray:
    """Rolling maximum of the last ``period`` values (current included); NaN for the first
    ``period - 1``."""
    check_period(period)
    (source,) = as_prices(values)
    return _rolling_extreme(source, period, np.maximum, -np.inf)


def lowest(values: FloatArray, period: int) -> FloatArray:
    """Rolling minimum of the last ``period`` values (current included); NaN for the first
    ``period - 1``."""
    check_period(period)
    (source,) = as_prices(values)
    return _rolling_extreme(source, period, np.minimum, np.inf)


def _rolling_extreme(source: FloatArray, period: int, op: np.ufunc, fill: float) -> FloatArray:
    n = source.shape[0]
    out: FloatArray = np.full(n, _NAN)
    if n < period:
        return out
    blocks = -(-n // period)
    padded = np.full(blocks * period, fill)
    padded[:n] = source
    grid = padded.reshape(blocks, period)
    prefix = op.accumulate(grid, axis=1).ravel()  # extreme from the block start to j
    suffix = op.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()  # from j to the block end
    # The window [i - period + 1, i] spans at most two blocks: suffix of one, prefix of the next.
    out[period - 1 :] = op(suffix[: n - period + 1], prefix[period - 1 : n])
    return out


def donchian(high: FloatArray, low: FloatArray, period: int = 20) -> DonchianChannel[FloatArray]:
    """Donchian channel over the last ``period`` candles, the current one included."""
    check_period(period)
    hi, lo = as_prices(high, low)
    upper = _rolling_extreme(hi, period, np.maximum, -np.inf)
    lower = _rolling_extreme(lo, period, np.minimum, np.inf)
    return DonchianChannel(upper, (upper + lower) / 2.0, lower)


class RollingExtreme:
    """Maximum (or minimum) of the last ``period`` values, O(1) amortised per update.

    A monotonic deque of ``(index, value)``: values that can never again be the extreme
    (older and not larger, for a maximum) are dropped as soon as a new value arrives.
    """

    __slots__ = ("_count", "_is_max", "_period", "_window")

    def __init__(self, period: int, *, maximum: bool) -> None:
        check_period(period)
        self._period = period
        self._is_max = maximum
        self._window: deque[tuple[int, float]] = deque()
        self._count = 0

    def update(self, value: float) -> float:
        """Add ``value``; return the extreme of the last ``period`` values (NaN before that)."""
        window = self._window
        if self._is_max:
            while window and window[-1][1] <= value:
                window.pop()
        else:
            while window and window[-1][1] >= value:
                window.pop()
        i = self._count
        window.append((i, value))
        if window[0][0] <= i - self._period:
            window.popleft()
        self._count = i + 1
        return window[0][1] if i + 1 >= self._period else _NAN


class Donchian:
    """Incremental Donchian channel; ``update`` returns the channel including this candle."""

    __slots__ = ("_high", "_low", "period")

    def __init__(self, period: int = 20) -> None:
        check_period(period)
        self.period = period
        self._high = RollingExtreme(period, maximum=True)
        self._low = RollingExtreme(period, maximum=False)

    @property
    def warmup(self) -> int:
        """Candles needed before the first value."""
        return self.period

    def update(self, high: float, low: float) -> DonchianChannel[float]:
        upper = self._high.update(high)
        lower = self._low.update(low)
        return DonchianChannel(upper, (upper + lower) / 2.0, lower)
