"""The UTC candle grid: where candles of a timeframe open, and timeframes from steps.

Candles of every timeframe open at whole multiples of the timeframe counted from the
Unix epoch (so 1h candles open at :00 and 1d candles at 00:00 UTC), except weekly
timeframes, which open on Monday 00:00 UTC as on Binance and in CCXT (the epoch was a
Thursday, so the weekly grid is shifted by four days).
"""

from __future__ import annotations

import numpy as np

from xor_trading.core.timeframes import Timeframe
from xor_trading.timeseries.candle_frame import BoolArray, IntArray

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
_MONDAY_OFFSET_MS = 4 * DAY_MS  # 1970-01-05, the first Monday after the epoch

# Largest unit first, so 3_600_000 ms reads "1h" and not "60m".
_UNITS_MS = (("w", WEEK_MS), ("d", DAY_MS), ("h", 3_600_000), ("m", 60_000), ("s", 1_000))


def grid_origin_ms(timeframe_ms: int) -> int:
    """Open time (UTC ms) of one candle of this timeframe; all others are whole steps away."""
    return _MONDAY_OFFSET_MS if timeframe_ms % WEEK_MS == 0 else 0


def bucket_start_ms(ts_ms: IntArray, timeframe_ms: int) -> IntArray:
    """Open time of the candle of ``timeframe_ms`` that contains each timestamp."""
    origin = grid_origin_ms(timeframe_ms)
    starts: IntArray = origin + ((ts_ms - origin) // timeframe_ms) * timeframe_ms
    return starts


def floor_to_grid(ts_ms: int, timeframe_ms: int) -> int:
    """Open time of the candle of ``timeframe_ms`` that contains ``ts_ms`` (scalar form)."""
    origin = grid_origin_ms(timeframe_ms)
    return origin + ((ts_ms - origin) // timeframe_ms) * timeframe_ms


def is_on_grid(ts_ms: IntArray, timeframe_ms: int) -> BoolArray:
    """True where a timestamp is a valid open time for this timeframe."""
    on_grid: BoolArray = (ts_ms - grid_origin_ms(timeframe_ms)) % timeframe_ms == 0
    return on_grid


def timeframe_of_ms(timeframe_ms: int) -> Timeframe:
    """The timeframe lasting ``timeframe_ms`` (> 0, whole seconds), in its largest unit."""
    for unit, unit_ms in _UNITS_MS:
        if timeframe_ms % unit_ms == 0:
            return Timeframe.parse(f"{timeframe_ms // unit_ms}{unit}")
    return Timeframe(text=f"{timeframe_ms}ms", ms=timeframe_ms)


def nests_into(lower: Timeframe, higher: Timeframe) -> bool:
    """True if every ``higher`` candle is made of whole ``lower`` candles on the UTC grid."""
    return (
        higher.ms > lower.ms
        and higher.ms % lower.ms == 0
        and (grid_origin_ms(higher.ms) - grid_origin_ms(lower.ms)) % lower.ms == 0
    )


def median_step_ms(ts_ms: IntArray) -> int | None:
    """Median gap between consecutive sorted timestamps (None with fewer than 2 rows)."""
    if len(ts_ms) < 2:
        return None
    return int(np.median(np.diff(ts_ms)))
