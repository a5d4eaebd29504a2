"""Volume-weighted average price, anchored to UTC sessions.

``vwap[i] = sum(tp * volume) / sum(volume)`` over the candles of the current session up
to and including candle ``i``, where ``tp = (high + low + close) / 3`` is the typical
price (quote currency) and volume is in the base asset. Sessions, by ``session``:

* ``"1d"`` (default): each UTC day, reset at 00:00 UTC.
* ``"1w"``: each ISO week, reset on Monday 00:00 UTC.
* ``"none"``: never reset (cumulative from the first candle).

A candle belongs to the session holding its **open** time (``ts_ms``, UTC epoch ms).
No warm-up: the first candle of a session already has a value, unless the session has
traded no volume yet, in which case the value is NaN (0 / 0). No lookahead: a candle's
value uses its own close, so it is known once the candle has closed.

Both forms add the same products in the same order, so they agree to the bit.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.donchian import as_prices
from xor_trading.timeseries.candle_frame import FloatArray, IntArray

__all__ = ["SESSIONS", "VWAP", "vwap"]

_DAY_MS = 86_400_000
_MONDAY_OFFSET_MS = 4 * _DAY_MS  # 1970-01-01 was a Thursday; 1970-01-05 a Monday
SESSIONS = ("1d", "1w", "none")


def _session_spec(session: str) -> tuple[int, int]:
    """``(length_ms, offset_ms)`` of a session; length 0 means a single endless session."""
    if session == "1d":
        return _DAY_MS, 0
    if session == "1w":
        return 7 * _DAY_MS, _MONDAY_OFFSET_MS
    if session == "none":
        return 0, 0
    raise ConfigError(
        f"unknown VWAP session {session!r}", "use 1d (daily), 1w (weekly) or none (cumulative)"
    )


def _session_of(ts_ms: int, length_ms: int, offset_ms: int) -> int:
    return 0 if length_ms == 0 else (ts_ms - offset_ms) // length_ms


def vwap(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    ts_ms: IntArray,
    session: str = "1d",
) -> FloatArray:
    """VWAP of the typical price, reset at each UTC ``session`` start (see module doc)."""
    length_ms, offset_ms = _session_spec(session)
    hi, lo, cl, vol = as_prices(high, low, close, volume)
    stamps = np.asarray(ts_ms, dtype=np.int64)
    if stamps.shape != hi.shape:
        raise ConfigError(
            f"ts_ms has {stamps.shape[0]} values for {hi.shape[0]} candles",
            "pass the timestamps of the same candles",
        )
    weighted = (hi + lo + cl) / 3.0 * vol
    if length_ms == 0:
        starts = np.array([0], dtype=np.int64)
    else:
        sessions = (stamps - offset_ms) // length_ms
        starts = np.concatenate(([0], np.flatnonzero(np.diff(sessions)) + 1))
    out: FloatArray = np.empty_like(hi)
    bounds = [*starts.tolist(), hi.shape[0]]
    with np.errstate(invalid="ignore", divide="ignore"):
        for a, b in pairwise(bounds):
            out[a:b] = np.cumsum(weighted[a:b]) / np.cumsum(vol[a:b])
    return out


class VWAP:
    """Incremental VWAP; ``update`` returns the session VWAP including this candle."""

    __slots__ = ("_length_ms", "_offset_ms", "_session", "_total_pv", "_total_v", "session")

    def __init__(self, session: str = "1d") -> None:
        self._length_ms, self._offset_ms = _session_spec(session)
        self.session = session
        self._session: int | None = None
        self._total_pv = 0.0
        self._total_v = 0.0

    @property
    def warmup(self) -> int:
        """Candles needed before the first value."""
        return 1

    def update(self, high: float, low: float, close: float, volume: float, ts_ms: int) -> float:
        current = _session_of(ts_ms, self._length_ms, self._offset_ms)
        if current != self._session:
            self._session = current
            self._total_pv = 0.0
            self._total_v = 0.0
        self._total_pv += (high + low + close) / 3.0 * volume
        self._total_v += volume
        if self._total_v == 0.0:
            return float("nan")
        return self._total_pv / self._total_v
