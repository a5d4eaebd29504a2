"""Candle columns as read from a foreign file: maybe unsorted, maybe repeated.

:class:`RawCandles` is the halfway point of every import: each reader produces one, and
:meth:`RawCandles.sorted_unique` turns it into clean order before it becomes a
:class:`~xor_trading.timeseries.candle_frame.CandleFrame`. Rows are sorted by time
(stable), rows repeated exactly collapse to one, and two *different* candles for the
same open time are an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from xor_trading.core.errors import DataError
from xor_trading.data.timestamps import iso_utc
from xor_trading.timeseries.candle_frame import BoolArray, CandleFrame, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class RawCandles:
    """Parallel columns in file order; ``row`` is each row's 0-based position in the file's data."""

    ts_ms: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    row: IntArray

    @classmethod
    def numbered(cls, ts_ms: IntArray, values: Sequence[FloatArray]) -> RawCandles:
        """Times and (open, high, low, close, volume) in file order; rows numbered 0, 1, 2, ..."""
        o, h, lo, c, v = values
        return cls(ts_ms, o, h, lo, c, v, np.arange(len(ts_ms), dtype=np.int64))

    def __len__(self) -> int:
        return len(self.ts_ms)

    def sorted_unique(self, source: str) -> tuple[RawCandles, int]:
        """Rows sorted by time with exact repeats removed, and how many repeats were removed.

        Raises ``DataError`` naming ``source``, the time and both file rows when two rows
        share an open time but differ in any price or volume.
        """
        order = np.argsort(self.ts_ms, kind="stable")
        ts = self.ts_ms[order]
        values = [col[order] for col in (self.open, self.high, self.low, self.close, self.volume)]
        row = self.row[order]
        repeat = ts[1:] == ts[:-1]
        if repeat.any():
            same = np.ones(len(repeat), dtype=np.bool_)
            for col in values:
                same &= _equal(col[1:], col[:-1])
            conflict = np.flatnonzero(repeat & ~same)
            if len(conflict):
                i = int(conflict[0])
                raise DataError(
                    f"{source}: rows {row[i]} and {row[i + 1]} are different candles for the "
                    f"same time {iso_utc(int(ts[i]))}",
                    "keep one candle per open time; if the file mixes two markets or "
                    "timeframes, split it",
                )
        keep = np.concatenate(([True], ~repeat))
        o, h, lo, c, v = (col[keep] for col in values)
        unique = RawCandles(ts[keep], o, h, lo, c, v, row[keep])
        return unique, len(self) - len(unique)

    def to_frame(self, timeframe_ms: int) -> CandleFrame:
        return CandleFrame(
            self.ts_ms, self.open, self.high, self.low, self.close, self.volume, timeframe_ms
        )


def _equal(a: FloatArray, b: FloatArray) -> BoolArray:
    """Element-wise equality where NaN equals NaN."""
    same: BoolArray = (a == b) | (np.isnan(a) & np.isnan(b))
    return same
