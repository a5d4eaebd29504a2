"""On-balance volume (TA-Lib ``OBV``), batch and incremental, equal to the bit.

Starts at the first candle's volume; then adds the volume of a candle that closes above the
previous close, subtracts it on a close below, and keeps it on an equal close.

Warm-up: 1 input (no leading NaN). Units: those of the volume (base asset).
"""

from __future__ import annotations

import numpy.typing as npt

from xor_trading.indicators import talib_backend
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["OBV", "obv"]


def obv(close: npt.ArrayLike, volume: npt.ArrayLike) -> FloatArray:
    """OBV of the candles' ``close`` (price) and ``volume`` (base asset); no leading NaN."""
    return talib_backend.obv(close, volume)


class OBV:
    """OBV updated one candle at a time; equal to :func:`obv` bit for bit."""

    __slots__ = ("_obv", "_previous_close", "_started")

    def __init__(self) -> None:
        self._started = False
        self._previous_close = 0.0
        self._obv = 0.0

    @property
    def warmup(self) -> int:
        """Inputs up to and including the first value: 1."""
        return 1

    def update(self, close: float, volume: float) -> float:
        if not self._started:
            self._started = True
            self._obv = volume
        elif close > self._previous_close:
            self._obv += volume
        elif close < self._previous_close:
            self._obv -= volume
        self._previous_close = close
        return self._obv
