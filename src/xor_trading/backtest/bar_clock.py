"""The event path's clock: a plain attribute the driver sets, read through ``now_ms``.

The driver moves it to each candle's open, then to its close, about two million times per
million candles; assigning :attr:`BarClock.now` costs a fraction of a method call. Time
never goes backwards because the driver checks the whole frame once, before the first
candle (:func:`check_candle_times`), with the error :class:`TestClock` would have raised.
"""

from __future__ import annotations

import numpy as np

from xor_trading.timeseries.candle_frame import IntArray

_BLOCK = 65_536  # rows per check: temporaries stay small next to a million-candle frame


class BarClock:
    """``now`` is UTC epoch milliseconds."""

    __slots__ = ("now",)

    def __init__(self, start_ms: int) -> None:
        self.now = start_ms

    def now_ms(self) -> int:
        return self.now


def check_candle_times(ts_ms: IntArray, timeframe_ms: int) -> None:
    """Raise ``ValueError`` unless every candle opens at or after the previous one closed.

    The driver sets the clock to each open and then to open + ``timeframe_ms``; this is the
    condition under which that sequence never goes backwards (the message names the first
    offending pair, as ``TestClock.set_time`` would).
    """
    n = len(ts_ms)
    for start in range(1, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        closes = ts_ms[start - 1 : stop - 1] + timeframe_ms
        bad = np.flatnonzero(ts_ms[start:stop] < closes)
        if len(bad):
            k = int(bad[0])
            raise ValueError(
                f"time cannot go backwards: {int(ts_ms[start + k])} < {int(closes[k])}"
            )
