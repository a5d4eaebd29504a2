"""Finding and converting candle columns in an Arrow table (from CSV, Parquet or Feather).

Column names are matched case-insensitively. The time column is the first of
``timestamp, date, time, open_time, datetime`` present; it may hold

* epoch numbers in seconds, milliseconds, microseconds or nanoseconds (the unit is
  detected from the magnitude, see :func:`xor_trading.data.timestamps.epoch_unit`);
* Arrow timestamps or dates (any unit; a timestamp without a time zone is read as UTC);
* ISO 8601 text such as ``2024-05-20T00:00:00Z`` or ``2024-05-20 00:00:00+00:00``
  (text without an offset is read as UTC).

Prices and volume may be any numeric type or numeric text; they become float64.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xor_trading.core.errors import DataError
from xor_trading.data.raw_candles import RawCandles
from xor_trading.data.timestamps import epoch_to_ms
from xor_trading.timeseries.candle_frame import FloatArray, IntArray

TIME_COLUMNS = ("timestamp", "date", "time", "open_time", "datetime")
VALUE_COLUMNS = ("open", "high", "low", "close", "volume")


def raw_candles_from_table(table: pa.Table, source: str) -> RawCandles:
    """The candle columns of ``table``; raises ``DataError`` naming ``source`` and the column."""
    by_name = {name.strip().lower(): name for name in table.column_names}
    found = ", ".join(table.column_names) or "none"
    time_name = next((by_name[n] for n in TIME_COLUMNS if n in by_name), None)
    if time_name is None:
        raise DataError(
            f"{source}: no time column (columns: {found})",
            f"name the candle open-time column one of {', '.join(TIME_COLUMNS)}",
        )
    missing = [n for n in VALUE_COLUMNS if n not in by_name]
    if missing:
        raise DataError(
            f"{source}: missing column(s) {', '.join(missing)} (columns: {found})",
            "the file needs open, high, low, close and volume columns",
        )
    ts = _epoch_ms(table.column(time_name), time_name, source)
    values = [_floats(table.column(by_name[n]), by_name[n], source) for n in VALUE_COLUMNS]
    return RawCandles.numbered(ts, values)


def _floats(column: pa.ChunkedArray, name: str, source: str) -> FloatArray:
    try:
        values = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise DataError(
            f"{source}: column {name} is not numeric ({column.type})",
            "prices and volume must be numbers",
        ) from None
    floats: FloatArray = np.asarray(values.to_numpy(), dtype=np.float64)  # nulls become NaN
    return floats


def _epoch_ms(column: pa.ChunkedArray, name: str, source: str) -> IntArray:
    if column.null_count:
        row = int(np.argmax(column.is_null().to_numpy(zero_copy_only=False)))
        raise DataError(f"{source}: empty {name} at data row {row}", "every row needs a time")
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return _timestamps_ms(column)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return _numbers_ms(column, name, source)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text_ms(column, name, source)
    raise DataError(
        f"{source}: column {name} has type {kind}, not a time",
        "store times as epoch milliseconds, epoch seconds or ISO 8601 text",
    )


def _timestamps_ms(column: pa.ChunkedArray) -> IntArray:
    tz = column.type.tz if pa.types.is_timestamp(column.type) else None
    as_ms = pc.cast(column, pa.timestamp("ms", tz=tz), safe=False)
    ts: IntArray = np.asarray(pc.cast(as_ms, pa.int64()).to_numpy(), dtype=np.int64)
    return ts


def _numbers_ms(column: pa.ChunkedArray, name: str, source: str) -> IntArray:
    values = np.asarray(pc.cast(column, pa.float64()).to_numpy(), dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"{source}: {name} is {values[row]} at data row {row}", "fix that row")
    return epoch_to_ms(values)


def _text_ms(column: pa.ChunkedArray, name: str, source: str) -> IntArray:
    for target in (pa.timestamp("ms", tz="UTC"), pa.timestamp("ms")):
        try:
            return _timestamps_ms(pc.cast(column, target))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    try:
        return _numbers_ms(pc.cast(column, pa.float64()), name, source)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    row, text = _first_unreadable(column.to_pylist())
    raise DataError(
        f"{source}: {name} {text!r} at data row {row} is not a time",
        "use epoch milliseconds, epoch seconds or ISO 8601 (2024-05-20T00:00:00Z), "
        "one format for the whole column",
    )


def _first_unreadable(texts: list[str]) -> tuple[int, str]:
    """The first text that is neither ISO 8601 nor a number (or the first one, if all are)."""
    for row, text in enumerate(texts):
        try:
            datetime.fromisoformat(text)
        except ValueError:
            try:
                float(text)
            except ValueError:
                return row, text
    return 0, texts[0] if texts else ""
