"""One candle series as one Parquet file, in the store's exact format.

Columns, in this order: ``timestamp`` (int64, candle open time, UTC epoch ms) and
``open, high, low, close, volume`` (float64), zstd-compressed. Writes are atomic: the
table goes to a temporary file in the same directory, is flushed to disk, and then
replaces the target with ``os.replace``, so a reader sees the old file or the new one,
never half of either.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from xor_trading.core.errors import DataError, FatalError
from xor_trading.data.validation import validate_frame
from xor_trading.timeseries.candle_frame import COLUMNS, CandleFrame, IntArray

if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    # The system allocator hands the buffers Parquet decoding frees back to malloc, where
    # numpy reuses them; mimalloc keeps them. Measured on a 1M-candle backtest: peak RSS
    # 276 MB instead of 332 MB. An explicit ARROW_DEFAULT_MEMORY_POOL still wins.
    pa.set_memory_pool(pa.system_memory_pool())

SCHEMA = pa.schema([("timestamp", pa.int64())] + [(name, pa.float64()) for name in COLUMNS[1:]])
# Dictionary encoding only bloats float prices; delta encoding suits the regular timestamps.
# Measured on 130,708 BTC 1m candles: 2.6 MB and 0.05 s, versus 4.7 MB and 0.29 s with
# pyarrow's defaults.
_WRITE_OPTIONS: dict[str, object] = {
    "compression": "zstd",
    "use_dictionary": False,
    "column_encoding": {"timestamp": "DELTA_BINARY_PACKED"},
}
_REIMPORT_HINT = "delete the file and import the data again with `xor data import`"


def write_candle_parquet(path: Path, frame: CandleFrame) -> None:
    """Write ``frame`` to ``path`` atomically, creating parent directories.

    The frame is written as given; validate it first. An I/O failure raises
    ``FatalError`` and leaves any previous file at ``path`` untouched.
    """
    arrays = [frame.ts_ms, frame.open, frame.high, frame.low, frame.close, frame.volume]
    table = pa.Table.from_arrays([pa.array(a) for a in arrays], schema=SCHEMA)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_failed(path, exc) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as sink:
            pq.write_table(table, sink, **_WRITE_OPTIONS)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_failed(path, exc) from exc
        raise


def read_candle_parquet(path: Path, timeframe_ms: int) -> CandleFrame:
    """Read and validate a file written by :func:`write_candle_parquet`.

    Raises ``DataError`` naming ``path`` if it is not Parquet, has other columns or types,
    or fails :func:`~xor_trading.data.validation.validate_frame`.
    """
    source = _open(path)
    schema = source.schema_arrow
    if schema.names != SCHEMA.names or not schema.equals(SCHEMA):
        found = ", ".join(f"{f.name}: {f.type}" for f in schema)
        raise DataError(
            f"{path}: unexpected columns ({found})",
            "store files hold exactly timestamp (int64), open, high, low, close, volume "
            f"(float64); {_REIMPORT_HINT}",
        )
    # One column at a time, single-threaded. A file of one row group (what the store writes)
    # is used in place: the arrays are read-only views of Arrow's buffers, no second copy.
    # Otherwise row groups are copied into preallocated arrays. Measured on 1M candles: about
    # 85 MB of peak memory over the imports, against 150 MB for a plain read_table.
    n = source.metadata.num_rows
    columns: list[np.ndarray] = []
    try:
        if source.num_row_groups == 1:
            for name in COLUMNS:
                chunked = source.read_row_group(0, columns=[name], use_threads=False).column(0)
                columns.append(chunked.chunk(0).to_numpy(zero_copy_only=True))
        else:
            columns = [np.empty(n, dtype=np.int64)]
            columns += [np.empty(n, dtype=np.float64) for _ in COLUMNS[1:]]
            at = 0
            for group in range(source.num_row_groups):
                rows = source.metadata.row_group(group).num_rows
                for name, target in zip(COLUMNS, columns, strict=True):
                    chunk = source.read_row_group(group, columns=[name], use_threads=False)
                    target[at : at + rows] = chunk.column(0).to_numpy()
                at += rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable Parquet data ({exc})", _REIMPORT_HINT) from None
    ts, o, h, lo, c, v = columns
    frame = CandleFrame(ts, o, h, lo, c, v, timeframe_ms)
    validate_frame(frame, str(path))
    return frame


def read_timestamps(path: Path) -> IntArray:
    """Only the ``timestamp`` column of a store file (cheap: Parquet reads one column)."""
    table = _read_table(path, ["timestamp"])
    ts: IntArray = np.asarray(table.column(0).to_numpy(), dtype=np.int64)
    return ts


def _read_table(path: Path, columns: list[str] | None) -> pa.Table:
    try:
        return pq.read_table(path, columns=columns)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(
            f"{path}: not a readable Parquet candle file ({exc})", _REIMPORT_HINT
        ) from None


def _open(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path, pre_buffer=False)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(
            f"{path}: not a readable Parquet candle file ({exc})", _REIMPORT_HINT
        ) from None


def _write_failed(path: Path, exc: OSError) -> FatalError:
    return FatalError(
        f"could not write {path}: {exc.strerror or exc}",
        "check free space and permissions of the data directory (XOR_DATA_DIR)",
    )
