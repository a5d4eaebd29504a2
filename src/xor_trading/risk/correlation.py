"""Rolling windows of candle returns per symbol and the correlations the risk rules read.

Correlation is Pearson's, over the last ``n`` returns of both symbols, where ``n`` is the
smaller of their history lengths (at most ``window``). Returns are aligned by position: the
last ``n`` candle returns of each symbol. That is alignment in time as long as the symbols
share a timeframe and every candle arrives; :class:`~xor_trading.risk.state.RiskState` fills a
missing candle with a zero return (no trade, no price change) so that a gap does not shift one
series against the others.

A pair with fewer than ``min_returns`` common returns (default half the window, at least 10),
or with a series that never moved (zero variance), has **no** correlation (``None``): the
rules allow the entry and say nothing, see docs/risk.md.

Speed (the risk check is on the signal-to-order path; bench/risk_check.py):

* every symbol's window is kept twice: as the ``deque`` the state exposes, and as one row of a
  ``(symbols, window)`` numpy matrix, shifted by one on each new return (one memmove), with
  the row's running sum and sum of squares updated in O(1) (and recomputed exactly every
  ``window`` returns, so rounding cannot drift);
* a symbol against all open positions is then one matrix-vector product of the raw rows plus
  O(positions) arithmetic: ``cov = sum(xy) - sum(x) sum(y) / n``, ``var = sum(x^2) -
  sum(x)^2 / n`` (returns are small numbers around zero, so the one-pass formula loses
  nothing that matters here); pairs with different history lengths (warm-up only) take a
  slower exact path over their common returns;
* :class:`CorrelationView` caches, per new symbol and threshold, the whole answer the rules
  need (highest correlation, the cluster the symbol would join) until a return is added
  (``epoch``) or the set of open symbols changes; repeated checks within a candle are a
  dictionary look-up. The clusters of the open positions (connected components of the graph
  "correlation above the threshold") are cached the same way.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["CorrelationAssessment", "CorrelationView", "ReturnWindows"]

_INITIAL_ROWS = 16
# A series whose variance is below this share of its sum of squares never moved (a constant
# price, or rounding noise around one): it has no correlation.
_FLAT = 1e-12
_TINY = 1e-300


class ReturnWindows:
    """The last ``window`` candle returns of each symbol, with Pearson correlations."""

    def __init__(self, window: int, min_returns: int | None = None) -> None:
        if window < 2:
            raise ValueError(f"a correlation window needs at least 2 returns, got {window}")
        self.window = window
        self.min_returns = min(window, max(10, window // 2)) if min_returns is None else min_returns
        self.returns: dict[str, deque[float]] = {}
        self.epoch = 0  # +1 per added return: cached correlations are stale after a change
        self._row: dict[str, int] = {}
        # Row r holds symbol r's returns, newest last, zero-padded on the left while short.
        self._data = np.zeros((_INITIAL_ROWS, window))
        self._sum = np.zeros(_INITIAL_ROWS)  # running sum of the row
        self._sumsq = np.zeros(_INITIAL_ROWS)  # running sum of squares of the row
        self._count = np.zeros(_INITIAL_ROWS, dtype=np.intp)  # returns held (<= window)
        self._since_exact: list[int] = []  # adds since the row's sums were recomputed exactly

    def add(self, symbol: str, value: float) -> None:
        """Append one return (e.g. ``close / previous close - 1``) to ``symbol``'s window."""
        row = self._row.get(symbol)
        if row is None:
            row = self._new_row(symbol)
        self.returns[symbol].append(value)
        data = self._data[row]
        dropped = float(data[0])  # zero while the window is not full
        data[:-1] = data[1:]
        data[-1] = value
        if self._count[row] < self.window:
            self._count[row] += 1
        self._since_exact[row] += 1
        if self._since_exact[row] >= self.window:  # bound the drift of the running sums
            self._since_exact[row] = 0
            self._sum[row] = data.sum()
            self._sumsq[row] = data @ data
        else:
            self._sum[row] += value - dropped
            self._sumsq[row] += value * value - dropped * dropped
        self.epoch += 1

    def count(self, symbol: str) -> int:
        """How many returns ``symbol`` has (at most the window)."""
        row = self._row.get(symbol)
        return 0 if row is None else int(self._count[row])

    def correlation(self, a: str, b: str) -> float | None:
        """Pearson correlation of ``a``'s and ``b``'s last common returns, or None (too few)."""
        value = float(self.against(a, [b])[0])
        return None if np.isnan(value) else value

    def against(self, symbol: str, others: Sequence[str]) -> np.ndarray:
        """Correlations of ``symbol`` with each of ``others`` (NaN where there is none)."""
        row = self._row.get(symbol)
        if row is None:
            return np.full(len(others), np.nan)
        return self.against_rows(row, self.rows_of(others))

    def row_of(self, symbol: str) -> int:
        """``symbol``'s row number, -1 when it has no returns yet."""
        return self._row.get(symbol, -1)

    def rows_of(self, symbols: Sequence[str]) -> np.ndarray:
        """Row numbers of ``symbols`` (-1 for a symbol without returns)."""
        get = self._row.get
        return np.fromiter((get(s, -1) for s in symbols), np.intp, len(symbols))

    @property
    def rows(self) -> int:
        """Symbols with a row (grows when a symbol gets its first return)."""
        return len(self._since_exact)

    def against_rows(self, row: int, idx: np.ndarray) -> np.ndarray:
        """Correlations of row ``row`` with rows ``idx`` (NaN for -1 and where there is none)."""
        out = np.full(len(idx), np.nan)
        n = int(self._count[row]) if row >= 0 else 0
        if n < self.min_returns or not len(idx):
            return out
        counts = self._count[idx]
        counts[idx < 0] = -1
        same = counts == n
        if same.all():  # the steady state: every window full
            dots = (self._data[: self.rows] @ self._data[row])[idx]
            return self._pearson(dots, idx, row, n)
        if same.any():
            rows = idx[same]
            out[same] = self._pearson(self._data[rows] @ self._data[row], rows, row, n)
        for i in np.flatnonzero(~same & (counts >= self.min_returns)):
            out[i] = self._pair(row, int(idx[i]))  # different history lengths (warm-up only)
        return out

    def matrix(self, symbols: Sequence[str]) -> np.ndarray:
        """Pairwise correlations of ``symbols`` (NaN where there is none; diagonal NaN)."""
        k = len(symbols)
        out = np.full((k, k), np.nan)
        idx = self.rows_of(symbols)
        have = np.flatnonzero((idx >= 0) & (self._count[np.maximum(idx, 0)] >= self.min_returns))
        if len(have) > 1:
            rows = idx[have]
            counts = self._count[rows]
            grams = self._data[rows] @ self._data[rows].T
            n = counts[:, None]  # valid where both counts are equal (masked below)
            sums, sumsq = self._sum[rows], self._sumsq[rows]
            cov = grams - np.outer(sums, sums) / n
            var = sumsq - sums * sums / counts
            flat = var <= _FLAT * np.maximum(sumsq, _TINY)
            with np.errstate(invalid="ignore", divide="ignore"):
                corr = cov / np.sqrt(np.outer(var, var))
            corr[flat, :] = np.nan
            corr[:, flat] = np.nan
            equal = counts[:, None] == counts[None, :]
            corr[~equal] = np.nan
            out[np.ix_(have, have)] = np.clip(corr, -1.0, 1.0)
            for i, j in np.argwhere(np.triu(~equal, 1)):  # different lengths (warm-up only)
                a, b = int(have[i]), int(have[j])
                out[a, b] = out[b, a] = self._pair(int(idx[a]), int(idx[b]))
        np.fill_diagonal(out, np.nan)
        return out

    # -- internals --------------------------------------------------------------------------

    def _new_row(self, symbol: str) -> int:
        row = len(self._since_exact)
        if row == len(self._data):
            grow = len(self._data)
            self._data = np.vstack([self._data, np.zeros((grow, self.window))])
            self._sum = np.concatenate([self._sum, np.zeros(grow)])
            self._sumsq = np.concatenate([self._sumsq, np.zeros(grow)])
            self._count = np.concatenate([self._count, np.zeros(grow, dtype=np.intp)])
        self._row[symbol] = row
        self._since_exact.append(0)
        self.returns[symbol] = deque(maxlen=self.window)
        return row

    def _pearson(self, dots: np.ndarray, rows: np.ndarray, row: int, n: int) -> np.ndarray:
        """Correlations of ``row`` with ``rows`` (all holding ``n`` returns) from the running
        sums: cov = sum(xy) - sum(x) sum(y) / n, var = sum(x^2) - sum(x)^2 / n."""
        s, ss = self._sum[row], self._sumsq[row]
        sums, sumsq = self._sum[rows], self._sumsq[rows]
        var = ss - s * s / n
        vars_ = sumsq - sums * sums / n
        cov = dots - sums * s / n
        flat = (vars_ <= _FLAT * np.maximum(sumsq, _TINY)) | (var <= _FLAT * max(ss, _TINY))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / np.sqrt(vars_ * var)
        corr[flat] = np.nan
        clipped: np.ndarray = np.clip(corr, -1.0, 1.0)
        return clipped

    def _pair(self, a: int, b: int) -> float:
        n = int(min(self._count[a], self._count[b]))
        if n < self.min_returns:
            return float("nan")
        raw_x, raw_y = self._data[a, -n:], self._data[b, -n:]
        x, y = raw_x - raw_x.mean(), raw_y - raw_y.mean()
        xx, yy = float(x @ x), float(y @ y)
        if xx <= _FLAT * max(float(raw_x @ raw_x), _TINY) or yy <= _FLAT * max(
            float(raw_y @ raw_y), _TINY
        ):
            return float("nan")
        return max(-1.0, min(1.0, float(x @ y) / math.sqrt(xx * yy)))


class CorrelationAssessment(NamedTuple):
    """What the correlation rules need to know about one candidate symbol.

    ``highest`` is the largest correlation with an open position (``with_symbol``), None when no
    open position has enough common history. ``cluster`` lists the open positions the
    candidate would share a correlated cluster with (the union of every cluster holding a
    position it correlates with above the threshold); ``unknown`` the open positions whose
    correlation with it could not be computed.
    """

    highest: float | None
    with_symbol: str | None
    cluster: tuple[str, ...]
    unknown: tuple[str, ...]


class CorrelationView:
    """Cached answers for the correlation rules; stale after a new return or exposure change."""

    def __init__(self, windows: ReturnWindows) -> None:
        self._windows = windows
        self._key: tuple[int, int] = (-1, -1)
        self._answers: dict[tuple[str, float], CorrelationAssessment] = {}
        self._clusters: dict[float, np.ndarray] = {}
        self._open: tuple[str, ...] = ()
        self._open_key: tuple[int, int] = (-1, -1)
        self._open_rows = np.zeros(0, dtype=np.intp)

    def assess(
        self,
        symbol: str,
        open_symbols: Callable[[], tuple[str, ...]],
        exposure_version: int,
        threshold: float,
    ) -> CorrelationAssessment:
        """``symbol`` against the other open symbols. ``open_symbols`` is called only when the
        answer is not cached (``exposure_version`` changes whenever its result does)."""
        key = (self._windows.epoch, exposure_version)
        if key != self._key:
            self._key = key
            self._answers.clear()
            self._clusters.clear()
        answer = self._answers.get((symbol, threshold))
        if answer is None:
            open_key = (exposure_version, self._windows.rows)
            if open_key != self._open_key:  # row numbers of the open symbols, once per change
                self._open = open_symbols()
                self._open_rows = self._windows.rows_of(self._open)
                self._open_key = open_key
            answer = self._assess(symbol, threshold)
            self._answers[(symbol, threshold)] = answer
        return answer

    def clusters(self, open_symbols: tuple[str, ...], threshold: float) -> np.ndarray:
        """Cluster number of each open symbol (connected components of corr > threshold)."""
        found = self._clusters.get(threshold)
        if found is None:
            found = _components(self._windows.matrix(open_symbols) > threshold)
            self._clusters[threshold] = found
        return found

    def _assess(self, symbol: str, threshold: float) -> CorrelationAssessment:
        opened, rows = self._open, self._open_rows
        row = self._windows.row_of(symbol)
        others = rows != row if row >= 0 else np.ones(len(rows), dtype=bool)
        corr = np.full(len(rows), np.nan)
        corr[others] = self._windows.against_rows(row, rows[others])
        missing = others & np.isnan(corr)
        unknown = tuple(opened[i] for i in np.flatnonzero(missing))
        if missing.sum() == others.sum():
            return CorrelationAssessment(None, None, (), unknown)
        best = int(np.nanargmax(corr))
        linked = corr > threshold  # NaN compares False
        cluster: tuple[str, ...] = ()
        if linked.any():
            # Clusters of all open symbols (cached per exposure), then the ones it touches.
            ids = self.clusters(opened, threshold)
            touched = np.isin(ids, ids[linked]) & others
            cluster = tuple(opened[i] for i in np.flatnonzero(touched))
        return CorrelationAssessment(float(corr[best]), opened[best], cluster, unknown)


def _components(linked: np.ndarray) -> np.ndarray:
    """Component number of each node of the graph with adjacency matrix ``linked``."""
    parent = list(range(len(linked)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in np.argwhere(np.triu(linked, 1)):
        ri, rj = find(int(i)), find(int(j))
        if ri != rj:
            parent[rj] = ri
    return np.array([find(i) for i in range(len(linked))], dtype=np.intp)
