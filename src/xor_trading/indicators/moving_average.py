"""Simple moving average, batch and incremental, equal to the bit.

Both forms use TA-Lib's exact sequence of floating-point operations (a running sum:
add the newest value, emit ``sum / period``, subtract the oldest), so the batch form
equals ``talib.SMA`` and the incremental form equals the batch form bit for bit. That
equality is what lets the backtest fast path and the event path agree trade for trade.
"""

from __future__ import annotations

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

    __slots__ = ("_filled", "_next", "_period", "_total", "_window")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"period must be at least 1, got {period}")
        self._period = period
        self._window = [0.0] * period  # ring buffer; _next is the slot of the oldest value
        self._next = 0
        self._filled = 0
        self._total = 0.0

    @property
    def period(self) -> int:
        return self._period

    def update(self, value: float) -> float:
        # Same operations in the same order as the batch kernel: add, emit, subtract oldest.
        total = self._total + value
        i = self._next
        window = self._window
        window[i] = value
        i += 1
        self._next = 0 if i == self._period else i
        if self._filled < self._period - 1:
            self._filled += 1
            self._total = total
            return _NAN
        self._total = total - window[self._next]
        return total / self._period


class SMA(IncrementalSMA):
    """:class:`IncrementalSMA` named like the other incremental indicators, with ``warmup``."""

    __slots__ = ()

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: ``period``."""
        return self.period
