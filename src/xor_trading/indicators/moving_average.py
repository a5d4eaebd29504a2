"""Simple moving average, batch and incremental, equal to the bit.

Both forms use TA-Lib's exact sequence of floating-point operations (a running sum:
add the newest value, emit ``sum / period``, subtract the oldest), so the batch form
equals ``talib.SMA`` and the incremental form equals the batch form bit for bit. That
equality is what lets the backtest fast path and the event path agree trade for trade.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from xor_trading.native._kernels import sma_into
from xor_trading.timeseries.candle_frame import FloatArray

_NAN = float("nan")


def sma(values: FloatArray, period: int) -> FloatArray:
    """SMA over ``period`` values; the first ``period - 1`` outputs are NaN."""
    if period < 1:
        raise ValueError(f"period must be at least 1, got {period}")
    source = np.ascontiguousarray(values, dtype=np.float64)
    out: FloatArray = np.empty_like(source)
    sma_into(source, period, out)
    return out


class IncrementalSMA:
    """SMA updated one value at a time; ``update`` returns NaN until ``period`` values are seen."""

    __slots__ = ("_period", "_total", "_window")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"period must be at least 1, got {period}")
        self._period = period
        # The last ``period`` values; once full, appending drops the oldest (C, no index math).
        self._window: deque[float] = deque(maxlen=period)
        self._total = 0.0

    @property
    def period(self) -> int:
        return self._period

    def update(self, value: float) -> float:
        # Same operations in the same order as the batch kernel: add, emit, subtract oldest.
        total = self._total + value
        window = self._window
        window.append(value)
        if len(window) < self._period:  # fewer than ``period`` values seen: warming up
            self._total = total
            return _NAN
        self._total = total - window[0]  # the oldest value leaves the next window
        return total / self._period


class SMA(IncrementalSMA):
    """:class:`IncrementalSMA` named like the other incremental indicators, with ``warmup``."""

    __slots__ = ()

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``period``."""
        return self.period
