"""Checks that a CandleFrame is clean market data, with one-line errors that say where.

:func:`validate_frame` runs every check vectorised (about 70 ms for a million rows)
and raises :class:`~xor_trading.core.errors.DataError` for the first check that
fails, naming the source, the first offending row (0-based index and UTC open time)
and, in the ``hint``, what to do about it::

    data.parquet: row 2 (2024-01-01T00:01:00Z): timestamp goes back in time (row 1 is ...)

Checks, in this order:

1. no NaN or infinity in any price or volume;
2. timestamps strictly increasing (neither going back nor repeated);
3. timestamps on the timeframe's UTC grid (see :mod:`xor_trading.data.candle_grid`);
4. prices > 0 and volume >= 0;
5. OHLC consistent: ``low <= min(open, close)``, ``high >= max(open, close)``, ``high >= low``.

Volume 0 is allowed: exchanges publish such candles when nothing traded.
"""

from __future__ import annotations

import numpy as np

from xor_trading.core.errors import DataError
from xor_trading.data.candle_grid import is_on_grid, timeframe_of_ms
from xor_trading.data.timestamps import iso_utc
from xor_trading.timeseries.candle_frame import BoolArray, CandleFrame

_PRICE_COLUMNS = ("open", "high", "low", "close")
_BLOCK = 131_072
_REPAIR_HINT = (
    "the source is corrupt at that row: re-download it or repair the row, then import again"
)


def validate_frame(frame: CandleFrame, source: str) -> None:
    """Raise ``DataError`` if ``frame`` breaks any rule in the module docstring.

    ``source`` names where the candles came from (a file path, or "binance BTC/USDT 1m")
    and starts the message. An empty frame is valid.
    """
    if frame.is_empty:
        return
    # Block by block, each overlapping the previous one by a row (for the order check), so
    # the temporaries stay small next to a million-candle frame. Every check still runs in
    # the documented order on each block; the first failing row of the first failing block
    # is reported.
    for start in range(0, len(frame), _BLOCK):
        lo = max(start - 1, 0)
        block = frame.slice(lo, start + _BLOCK)
        _check_finite(block, source, lo)
        _check_order(block, source, lo)
        _check_grid(block, source, lo)
        _check_signs(block, source, lo)
        _check_ohlc(block, source, lo)


def _first(mask: BoolArray) -> int | None:
    """Index of the first True, or None."""
    if not mask.any():
        return None
    return int(np.argmax(mask))


def _fail(
    frame: CandleFrame, source: str, row: int, problem: str, hint: str, offset: int
) -> DataError:
    """``row`` indexes the block; ``offset`` is the block's first row in the whole frame."""
    when = iso_utc(int(frame.ts_ms[row]))
    return DataError(f"{source}: row {row + offset} ({when}): {problem}", hint)


def _check_finite(frame: CandleFrame, source: str, offset: int) -> None:
    for name in (*_PRICE_COLUMNS, "volume"):
        column = getattr(frame, name)
        row = _first(~np.isfinite(column))
        if row is not None:
            raise _fail(
                frame,
                source,
                row,
                f"{name} is {column[row]}",
                "remove or repair rows with missing values; the store never invents prices",
                offset,
            )


def _check_order(frame: CandleFrame, source: str, offset: int) -> None:
    step = np.diff(frame.ts_ms)
    row = _first(step <= 0)
    if row is None:
        return
    row += 1  # report the row that breaks the order, not its predecessor
    kind = "duplicate timestamp" if step[row - 1] == 0 else "timestamp goes back in time"
    previous = iso_utc(int(frame.ts_ms[row - 1]))
    raise _fail(
        frame,
        source,
        row,
        f"{kind} (row {row - 1 + offset} is {previous})",
        "sort the candles by time and drop duplicates; `xor data import` does both",
        offset,
    )


def _check_grid(frame: CandleFrame, source: str, offset: int) -> None:
    row = _first(~is_on_grid(frame.ts_ms, frame.timeframe_ms))
    if row is not None:
        tf = timeframe_of_ms(frame.timeframe_ms)
        raise _fail(
            frame,
            source,
            row,
            f"timestamp is not on the {tf} UTC grid",
            f"check that the timeframe really is {tf} and that timestamps are candle open "
            "times (not close times) in UTC",
            offset,
        )


def _check_signs(frame: CandleFrame, source: str, offset: int) -> None:
    for name in _PRICE_COLUMNS:
        column = getattr(frame, name)
        row = _first(column <= 0.0)
        if row is not None:
            raise _fail(
                frame,
                source,
                row,
                f"{name} is {column[row]} (prices must be > 0)",
                _REPAIR_HINT,
                offset,
            )
    row = _first(frame.volume < 0.0)
    if row is not None:
        raise _fail(
            frame,
            source,
            row,
            f"volume is {frame.volume[row]} (must be >= 0)",
            _REPAIR_HINT,
            offset,
        )


def _check_ohlc(frame: CandleFrame, source: str, offset: int) -> None:
    o, h, lo, c = frame.open, frame.high, frame.low, frame.close
    high_low = h < lo
    high_body = h < np.maximum(o, c)
    low_body = lo > np.minimum(o, c)
    row = _first(high_low | high_body | low_body)
    if row is None:
        return
    if high_low[row]:
        problem = f"high {h[row]} is below low {lo[row]}"
    elif high_body[row]:
        problem = f"high {h[row]} is below max(open {o[row]}, close {c[row]})"
    else:
        problem = f"low {lo[row]} is above min(open {o[row]}, close {c[row]})"
    raise _fail(frame, source, row, problem, _REPAIR_HINT, offset)
