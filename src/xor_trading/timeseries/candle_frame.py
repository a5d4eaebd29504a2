"""CandleFrame: OHLCV candles as parallel numpy arrays.

This is the form in which candles are stored, validated, resampled and handed to
vectorised indicators and the backtest fast path. ``ts_ms`` is each candle's **open**
time in UTC epoch milliseconds (int64); prices and volume are float64.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt

from xor_trading.domain.candles import Candle

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class CandleFrame:
    ts_ms: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    timeframe_ms: int

    def __post_init__(self) -> None:
        n = len(self.ts_ms)
        for name in ("open", "high", "low", "close", "volume"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.ts_ms)

    @property
    def is_empty(self) -> bool:
        return len(self.ts_ms) == 0

    def slice(self, start: int, stop: int) -> CandleFrame:
        return CandleFrame(
            self.ts_ms[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
            self.timeframe_ms,
        )

    def between(self, start_ms: int | None, end_ms: int | None) -> CandleFrame:
        """Candles with ``start_ms <= ts_ms < end_ms`` (either bound optional)."""
        lo = 0 if start_ms is None else int(np.searchsorted(self.ts_ms, start_ms, side="left"))
        hi = len(self) if end_ms is None else int(np.searchsorted(self.ts_ms, end_ms, side="left"))
        return self.slice(lo, max(lo, hi))

    def candle(self, i: int) -> Candle:
        return Candle(
            int(self.ts_ms[i]),
            float(self.open[i]),
            float(self.high[i]),
            float(self.low[i]),
            float(self.close[i]),
            float(self.volume[i]),
            self.timeframe_ms,
        )

    def iter_candles(self, chunk: int = 8_192) -> Iterator[Candle]:
        """Candles one by one, built lazily (a 1M-candle frame never exists as objects).

        Columns are converted to Python floats ``chunk`` rows at a time: whole-column
        ``tolist`` would cost about 200 MB per million candles. The iterator is made of C
        iterators only (no generator frame resumed per candle: the event path's hot loop).
        """
        blocks = range(0, len(self), chunk)
        return chain.from_iterable(self.slice(s, s + chunk)._iter_all() for s in blocks)

    def _iter_all(self) -> Iterator[Candle]:
        rows = zip(
            self.ts_ms.tolist(),
            self.open.tolist(),
            self.high.tolist(),
            self.low.tolist(),
            self.close.tolist(),
            self.volume.tolist(),
            repeat(self.timeframe_ms),
        )
        # tuple.__new__ on ready-made rows skips NamedTuple's Python-level __new__ (hot path).
        return map(tuple.__new__, repeat(Candle), rows)
