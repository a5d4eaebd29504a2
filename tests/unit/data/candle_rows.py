"""Builders for tiny hand-made candle frames, shared by the data-layer tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from xor_trading.timeseries.candle_frame import CandleFrame

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z, a Monday
MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000
FIXTURES = Path(__file__).parents[2] / "fixtures" / "data"

Row = tuple[int, float, float, float, float, float]


def frame_of(rows: Sequence[Row], timeframe_ms: int = MINUTE) -> CandleFrame:
    """A frame from ``(ts_ms, open, high, low, close, volume)`` rows, in the given order."""
    table = np.array(rows, dtype=np.float64).reshape(-1, 6)
    o, h, lo, c, v = (np.ascontiguousarray(table[:, i]) for i in range(1, 6))
    ts = np.array([row[0] for row in rows], dtype=np.int64)
    return CandleFrame(ts, o, h, lo, c, v, timeframe_ms)


def flat_rows(times: Sequence[int], price: float = 100.0) -> list[Row]:
    """Valid rows at the given open times: open=close=price, high=price+1, low=price-1, volume 1."""
    return [(t, price, price + 1.0, price - 1.0, price, 1.0) for t in times]


def minutes(*offsets: int) -> list[int]:
    """Open times ``T0 + k minutes`` for each ``k``."""
    return [T0 + k * MINUTE for k in offsets]


def assert_frames_equal(actual: CandleFrame, expected: CandleFrame) -> None:
    """Same timeframe and bit-identical columns."""
    assert actual.timeframe_ms == expected.timeframe_ms
    for name in ("ts_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(actual, name), getattr(expected, name), err_msg=name)
