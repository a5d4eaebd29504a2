"""Snapping float market prices onto an instrument's tick grid.

The event path (per candle, scalar) and the fast path (vectorised) must agree to the
bit, so both use the same IEEE operation: ``round-half-even(price / tick)``.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from xor_trading.timeseries.candle_frame import FloatArray, IntArray


def ticks_of(prices: FloatArray, tick_size: Decimal) -> IntArray:
    """Whole ticks nearest to each price (int64)."""
    return np.rint(prices / float(tick_size)).astype(np.int64)


def tick_of(price: float, tick_size_f: float) -> int:
    """Scalar twin of :func:`ticks_of` (``round`` is half-even, like ``np.rint``)."""
    return round(price / tick_size_f)


def off_grid_count(prices: FloatArray, tick_size: Decimal) -> int:
    """How many prices are not within 1e-6 tick of the grid (data finer than the tick)."""
    t = prices / float(tick_size)
    return int(np.count_nonzero(np.abs(t - np.rint(t)) > 1e-6))
