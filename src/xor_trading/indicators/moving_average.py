"""Simple moving average, batch and incremental, equal to the bit.

Both forms use TA-Lib's exact sequence of floating-point operations (a running sum:
add the newest value, emit ``sum / period``, subtract the oldest), so the batch form
equals ``talib.SMA`` and the incremental form equals the batch form bit for bit. That
equality is what lets the backtest fast path and the event path agree trade for trade.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from xor_trading.timeseries.candle_frame import FloatArray
from xor_trading.timeseries.compiled import compiled


@compiled
def _sma_kernel(values: FloatArray, period: int) -> FloatArray:  # pragma: no cover - compiled
    n = values.shape[0]
    out = np.full(n, np.nan)
    if period > n:
        return out
    total = 0.0
    for i in range(period - 1):
        total += values[i]
    for i in range(period - 1, n):
        total += values[i]
        out[i] = total / period
        total -= values[i - period + 1]  # the oldest value leaves the window
    return out


def sma(values: FloatArray, period: int) -> FloatArray:
    """SMA over ``period`` values; the first ``period - 1`` outputs are NaN."""
    if period < 1:
        raise ValueError(f"period must be at least 1, got {period}")
    result: FloatArray = _sma_kernel(np.ascontiguousarray(values, dtype=np.float64), period)
    return result


class IncrementalSMA:
    """SMA updated one value at a time; ``update`` returns NaN until ``period`` values are seen."""

    __slots__ = ("_period", "_total", "_window")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"period must be at least 1, got {period}")
        self._period = period
        self._window: deque[float] = deque()
        self._total = 0.0

    @property
    def period(self) -> int:
        return self._period

    def update(self, value: float) -> float:
        window = self._window
        self._total += value
        window.append(value)
        if len(window) < self._period:
            return float("nan")
        result = self._total / self._period
        self._total -= window.popleft()
        return result
