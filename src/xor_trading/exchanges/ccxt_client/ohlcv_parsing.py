"""CCXT OHLCV rows -> :class:`~xor_trading.domain.candles.Candle`, each row checked first.

CCXT returns a candle as ``[open_ms, open, high, low, close, volume]`` (numbers, or
``None`` where the venue left a field out). A row is **accepted** only if it is clean
market data by the same rules as :mod:`xor_trading.data.validation`:

* six fields; an integral open time on the timeframe's UTC grid;
* prices finite and > 0, volume finite and >= 0;
* ``high >= low``, ``high >= max(open, close)``, ``low <= min(open, close)``.

Anything else is **rejected** with a reason, never repaired: the caller logs it and asks
the venue again rather than hand a strategy an invented price. Accepted candles are
returned sorted by open time; when one response repeats an open time the later row wins
(a WebSocket batch carries successive updates of the forming candle).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xor_trading.data.candle_grid import floor_to_grid
from xor_trading.domain.candles import Candle

__all__ = ["ParsedOhlcv", "RejectedRow", "parse_ohlcv_rows"]

_FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that is not clean market data; ``open_ms`` is None when it has no usable time."""

    row: tuple[Any, ...]
    open_ms: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedOhlcv:
    candles: list[Candle]  # sorted by open time, unique
    rejected: list[RejectedRow]


def parse_ohlcv_rows(rows: Iterable[Sequence[Any]], timeframe_ms: int) -> ParsedOhlcv:
    """Split CCXT rows into valid candles of ``timeframe_ms`` and rejected rows."""
    by_open: dict[int, Candle] = {}
    rejected: list[RejectedRow] = []
    for raw in rows:
        row = tuple(raw)
        open_ms = _open_ms(row)
        reason = _problem(row, open_ms, timeframe_ms)
        if reason is not None:
            rejected.append(RejectedRow(row, open_ms, reason))
            continue
        assert open_ms is not None  # _problem rejects a row without one
        o, h, lo, c, v = (float(x) for x in row[1:6])
        by_open[open_ms] = Candle(open_ms, o, h, lo, c, v, timeframe_ms)
    return ParsedOhlcv([by_open[t] for t in sorted(by_open)], rejected)


def _open_ms(row: tuple[Any, ...]) -> int | None:
    if not row or isinstance(row[0], bool):
        return None
    value = row[0]
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _problem(row: tuple[Any, ...], open_ms: int | None, timeframe_ms: int) -> str | None:
    """Why ``row`` is not a clean candle, or None if it is."""
    if len(row) < 6:
        return f"{len(row)} fields instead of 6 (time, open, high, low, close, volume)"
    if open_ms is None:
        return f"open time {row[0]!r} is not a whole number of milliseconds"
    if floor_to_grid(open_ms, timeframe_ms) != open_ms:
        return f"open time {open_ms} is not on the {timeframe_ms} ms grid"
    values: list[float] = []
    for name, raw in zip(_FIELDS, row[1:6], strict=True):
        value = _number(raw)
        if value is None or not math.isfinite(value):
            return f"{name} is {raw!r}"
        values.append(value)
    o, h, lo, c, v = values
    if min(o, h, lo, c) <= 0.0:
        return f"a price is not positive (open {o}, high {h}, low {lo}, close {c})"
    if v < 0.0:
        return f"volume {v} is negative"
    if h < lo:
        return f"high {h} is below low {lo}"
    if h < max(o, c) or lo > min(o, c):
        return f"open {o} or close {c} lies outside low {lo} .. high {h}"
    return None
