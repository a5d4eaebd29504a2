"""Drawdown of an equity curve: depth below the running peak and time under water.

Both the metrics and the HTML report use these functions, so the number in the metrics
table and the underwater chart can never disagree.

Conventions (see ``docs/metrics.md``):

* The running peak starts at the **initial capital**, placed at the open of the first
  candle (``start_ms``). A loss on the very first candle is therefore a drawdown, exactly
  as the first day's return is measured against the initial capital in the Sharpe ratio.
* Depth is a positive percentage: ``(peak - equity) / peak * 100``.
* A peak is recovered at the first point whose equity is **greater than or equal to** it.
"""

from __future__ import annotations

import numpy as np

from xor_trading.timeseries.candle_frame import FloatArray, IntArray


def with_start_point(
    ts_ms: IntArray, equity: FloatArray, start_ms: int, initial_equity: float
) -> tuple[IntArray, FloatArray]:
    """The curve with ``(start_ms, initial_equity)`` prepended (new arrays, same dtypes)."""
    ts = np.concatenate((np.array([start_ms], dtype=np.int64), ts_ms.astype(np.int64, copy=False)))
    eq = np.concatenate(
        (np.array([initial_equity], dtype=np.float64), equity.astype(np.float64, copy=False))
    )
    return ts, eq


def underwater_pct(equity: FloatArray, initial_equity: float) -> FloatArray:
    """Depth below the running peak at each point, in percent (``>= 0``).

    The running peak is ``max(initial_equity, equity[0..i])``; ``initial_equity`` must be
    positive so the peak is never zero. Vectorised: O(n), one pass of ``maximum.accumulate``.
    """
    if initial_equity <= 0:
        raise ValueError(f"initial_equity must be positive, got {initial_equity}")
    if len(equity) == 0:
        return np.empty(0, dtype=np.float64)
    peak = np.maximum(np.maximum.accumulate(equity), initial_equity)
    depth: FloatArray = (peak - equity) / peak * 100.0
    return depth


def max_drawdown_pct(equity: FloatArray, initial_equity: float) -> float:
    """Deepest fall below a running peak, in percent (``0.0`` if equity never fell)."""
    depth = underwater_pct(equity, initial_equity)
    return float(depth.max()) if len(depth) else 0.0


def max_drawdown_duration_ms(
    ts_ms: IntArray, equity: FloatArray, start_ms: int, initial_equity: float
) -> int:
    """Longest time from a peak to its recovery, or to the last point if never recovered.

    Measured on the curve timestamps (candle close times) with the starting point
    ``(start_ms, initial_equity)`` prepended. A peak is the last point of a run of new highs
    (equity ``>=`` running peak); its recovery is the next such point. ``0`` when the equity
    never fell below a peak. Units: milliseconds.
    """
    if len(equity) == 0:
        return 0
    ts, eq = with_start_point(ts_ms, equity, start_ms, initial_equity)
    # Exact float comparison is right here: the running max is one of the equity values, so a
    # point that ties or beats the peak compares equal or greater without rounding.
    at_high = eq >= np.maximum.accumulate(eq)
    high_idx = np.flatnonzero(at_high)  # index 0 is always a high
    longest = 0
    if len(high_idx) > 1:
        # Consecutive highs with points between them bracket one recovered drawdown.
        gap = np.diff(high_idx) > 1
        if gap.any():
            spans = ts[high_idx[1:][gap]] - ts[high_idx[:-1][gap]]
            longest = int(spans.max())
    last_high = int(high_idx[-1])
    if last_high != len(eq) - 1:
        # Still under water at the end: the open drawdown counts up to the last point.
        longest = max(longest, int(ts[-1] - ts[last_high]))
    return longest
