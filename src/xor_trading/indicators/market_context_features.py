"""Rolling building blocks of the market context scorer: extremes and percentile rank.

Each primitive comes twice, a vectorised batch function and an incremental class, and the
two give **identical** floats: extremes are exact (no arithmetic), and the rank is a count
of exact comparisons turned into a fraction by the same three operations in both forms.
That is what lets :class:`~xor_trading.indicators.market_context.MarketContextScorer`
classify every candle exactly as :func:`~xor_trading.indicators.market_context.market_context`
does, with no threshold flipping on a rounding difference.

Cost: the batch extremes are ``O(len)`` (van Herk/Gil-Werman); the batch rank is
``O(len * window)`` comparisons done by numpy in C, in blocks of :data:`BLOCK_ROWS` rows so
the temporary memory stays a few MB whatever the input length.
The incremental forms are ``O(1)`` amortised (extremes, monotonic deque) and
``O(log window)`` plus a C ``memmove`` (rank, sorted window) per update.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import deque

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from xor_trading.timeseries.candle_frame import FloatArray

BLOCK_ROWS = 1 << 16
"""Rows of windows compared at a time by :func:`rolling_mid_rank` (bounds its memory)."""

_NAN = float("nan")


def rolling_max(values: FloatArray, window: int) -> FloatArray:
    """Maximum of the ``window`` values ending at each index; NaN for the first ``window - 1``."""
    return _rolling_extreme(values, window, highest=True)


def rolling_min(values: FloatArray, window: int) -> FloatArray:
    """Minimum of the ``window`` values ending at each index; NaN for the first ``window - 1``."""
    return _rolling_extreme(values, window, highest=False)


def _rolling_extreme(values: FloatArray, window: int, *, highest: bool) -> FloatArray:
    """Van Herk/Gil-Werman: O(len) whatever the window, with exact results (no arithmetic).

    Cut the series into blocks of ``window``; within each block take running extremes
    forwards (``ahead``) and backwards (``behind``). A window starting at ``i`` spans the
    end of one block and the start of the next, so its extreme is the better of
    ``behind[i]`` and ``ahead[i + window - 1]``.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    source = np.ascontiguousarray(values, dtype=np.float64)
    size = source.shape[0]
    out: FloatArray = np.full(size, np.nan)
    if size < window:
        return out
    better = np.maximum if highest else np.minimum
    blocks = -(-size // window)
    padded = np.full(blocks * window, -np.inf if highest else np.inf)
    padded[:size] = source
    grid = padded.reshape(blocks, window)
    ahead = better.accumulate(grid, axis=1).ravel()
    behind = better.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    out[window - 1 :] = better(behind[: size - window + 1], ahead[window - 1 : size])
    return out


def mid_rank(greater: int, equal: int, window: int) -> float:
    """Fraction of the other ``window - 1`` values above the newest one, ties counting half.

    ``greater`` values of the window are strictly above the newest value and ``equal``
    (the newest included, so at least 1) are equal to it. The result is in ``[0, 1]``:
    1 when the newest value is the lowest of the window, 0 when it is the highest, 0.5
    when every value is the same. The scalar twin of :func:`rolling_mid_rank`.
    """
    return (greater + 0.5 * (equal - 1)) / (window - 1)


def rolling_mid_rank(values: FloatArray, window: int) -> FloatArray:
    """:func:`mid_rank` of each value within the ``window`` values ending at it.

    NaN for the first ``window - 1`` indexes. ``values`` must contain no NaN from the
    first index on (a NaN compares unequal to everything). ``window`` must be at least 2.
    """
    if window < 2:
        raise ValueError(f"window must be at least 2, got {window}")
    source = np.ascontiguousarray(values, dtype=np.float64)
    out: FloatArray = np.full(source.shape[0], np.nan)
    if source.shape[0] < window:
        return out
    windows = sliding_window_view(source, window)
    newest = source[window - 1 :]
    for start in range(0, windows.shape[0], BLOCK_ROWS):
        block = windows[start : start + BLOCK_ROWS]
        current = newest[start : start + BLOCK_ROWS, None]
        greater = np.count_nonzero(block > current, axis=1)
        equal = np.count_nonzero(block == current, axis=1)
        rank = (greater + 0.5 * (equal - 1)) / (window - 1)
        out[window - 1 + start : window - 1 + start + block.shape[0]] = rank
    return out


class RollingExtreme:
    """Running maximum (or minimum) of the last ``window`` values, equal to the batch form.

    ``update`` returns NaN until ``window`` values have been seen. A monotonic deque keeps
    the candidates, so each update is O(1) amortised whatever the window.
    """

    __slots__ = ("_candidates", "_count", "_highest", "_window")

    def __init__(self, window: int, *, highest: bool) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self._window = window
        self._highest = highest
        self._candidates: deque[tuple[int, float]] = deque()  # (index, value), best first
        self._count = 0

    def update(self, value: float) -> float:
        index = self._count
        self._count += 1
        candidates = self._candidates
        if self._highest:
            while candidates and candidates[-1][1] <= value:
                candidates.pop()
        else:
            while candidates and candidates[-1][1] >= value:
                candidates.pop()
        candidates.append((index, value))
        if candidates[0][0] <= index - self._window:
            candidates.popleft()
        return candidates[0][1] if self._count >= self._window else _NAN


class RollingMidRank:
    """:func:`mid_rank` of each new value within the last ``window`` values (it included).

    ``update`` returns NaN until ``window`` values have been seen; values must not be NaN.
    The window is kept sorted, so an update costs a binary search and a C ``memmove``.
    """

    __slots__ = ("_arrival", "_sorted", "_window")

    def __init__(self, window: int) -> None:
        if window < 2:
            raise ValueError(f"window must be at least 2, got {window}")
        self._window = window
        self._arrival: deque[float] = deque()
        self._sorted: list[float] = []

    def update(self, value: float) -> float:
        ordered = self._sorted
        self._arrival.append(value)
        insort(ordered, value)
        if len(self._arrival) > self._window:
            oldest = self._arrival.popleft()
            del ordered[bisect_left(ordered, oldest)]
        if len(ordered) < self._window:
            return _NAN
        low = bisect_left(ordered, value)
        high = bisect_right(ordered, value)
        return mid_rank(len(ordered) - high, high - low, self._window)
