"""Holes in a candle series, and what to do about them (:class:`GapPolicy`).

A gap is a run of candles missing from the timeframe's grid between two candles that
are present; exchanges leave such holes during maintenance. Missing candles before the
first or after the last candle are not gaps: the series simply starts or ends there.
All functions expect a validated frame (sorted, unique, on the grid).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from xor_trading.core.errors import DataError
from xor_trading.data.timestamps import iso_utc
from xor_trading.timeseries.candle_frame import CandleFrame, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class Gap:
    """Missing candles ``start_ms <= open time < end_ms`` (UTC ms).

    ``start_ms`` is the open time of the first missing candle and ``end_ms`` the open
    time of the next candle present, so ``missing_bars * timeframe_ms == end_ms - start_ms``.
    """

    start_ms: int
    end_ms: int
    missing_bars: int

    def describe(self) -> str:
        """``"2018-02-08T00:00:00Z -> 2018-02-09T10:00:00Z (34 missing)"``."""
        return f"{iso_utc(self.start_ms)} -> {iso_utc(self.end_ms)} ({self.missing_bars} missing)"


class GapPolicy(StrEnum):
    """What reading candles does about gaps."""

    RAISE = "raise"
    """Refuse the data: ``DataError`` with the gap count and the first gap."""
    KEEP = "keep"
    """Return the candles as stored, holes included (the default)."""
    FILL_FORWARD = "fill-forward"
    """Insert flat candles (open = high = low = close = previous close, volume 0)."""


def find_gaps(frame: CandleFrame) -> list[Gap]:
    """Every gap in ``frame``, in time order (empty for a gap-free or empty frame)."""
    starts, ends = _gap_bounds(frame.ts_ms, frame.timeframe_ms)
    missing = (ends - starts) // frame.timeframe_ms
    return [
        Gap(start, end, bars)
        for start, end, bars in zip(starts.tolist(), ends.tolist(), missing.tolist(), strict=True)
    ]


def count_gaps(ts_ms: IntArray, timeframe_ms: int) -> tuple[int, int]:
    """``(gaps, missing candles)`` in sorted open times, without building :class:`Gap` objects."""
    starts, ends = _gap_bounds(ts_ms, timeframe_ms)
    return len(starts), int(np.sum(ends - starts)) // timeframe_ms


def _gap_bounds(ts_ms: IntArray, timeframe_ms: int) -> tuple[IntArray, IntArray]:
    """First missing open time and next present open time of every gap."""
    before = np.flatnonzero(np.diff(ts_ms) > timeframe_ms)
    return ts_ms[before] + timeframe_ms, ts_ms[before + 1]


def apply_gap_policy(
    frame: CandleFrame, policy: GapPolicy = GapPolicy.KEEP, *, source: str = "candles"
) -> tuple[CandleFrame, list[Gap]]:
    """Apply ``policy`` to ``frame``; return the resulting frame and the gaps found in the input.

    ``source`` names the data in the ``DataError`` raised by :attr:`GapPolicy.RAISE`.
    """
    gaps = find_gaps(frame)
    if not gaps or policy is GapPolicy.KEEP:
        return frame, gaps
    if policy is GapPolicy.RAISE:
        missing = sum(gap.missing_bars for gap in gaps)
        first = gaps[0].describe()
        raise DataError(
            f"{source}: {len(gaps)} gap(s), {missing} missing candle(s); first {first}",
            "read with gap policy keep or fill-forward, or import the missing period",
        )
    return fill_forward(frame), gaps


def fill_forward(frame: CandleFrame) -> CandleFrame:
    """``frame`` on a complete grid: each missing candle is flat at the previous close, volume 0."""
    if frame.is_empty:
        return frame
    tf = frame.timeframe_ms
    first = int(frame.ts_ms[0])
    slots = (int(frame.ts_ms[-1]) - first) // tf + 1
    if slots == len(frame):
        return frame
    ts = first + np.arange(slots, dtype=np.int64) * tf
    present = np.zeros(slots, dtype=np.bool_)
    present[(frame.ts_ms - first) // tf] = True
    # For every slot, the index (in ``frame``) of the last candle at or before it.
    last = np.cumsum(present) - 1
    flat = frame.close[last]

    def column(values: FloatArray) -> FloatArray:
        filled: FloatArray = np.where(present, values[last], flat)
        return filled

    volume = np.where(present, frame.volume[last], 0.0)
    o, h, lo, c = column(frame.open), column(frame.high), column(frame.low), column(frame.close)
    return CandleFrame(ts, o, h, lo, c, volume, tf)
