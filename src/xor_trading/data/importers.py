"""Loading candle files written by other tools: CSV, Parquet, Freqtrade JSON and Feather.

:func:`load_external` reads one file into a validated
:class:`~xor_trading.timeseries.candle_frame.CandleFrame`, whatever its column types or
row order, and reports what its name says about the market. Formats, by file suffix:

* ``.csv`` (optionally ``.csv.gz``): a header row; columns as in
  :mod:`xor_trading.data.arrow_columns` (time column ``timestamp``, ``date``, ``time``,
  ``open_time`` or ``datetime`` as epoch s/ms or ISO 8601).
* ``.parquet`` / ``.pq``: XOR's layout (``timestamp`` in epoch ms) or Freqtrade's
  (``date`` as an Arrow timestamp).
* ``.feather`` / ``.arrow``: Freqtrade's feather files (``date`` as timestamp[ms/ns, UTC]).
* ``.json`` (optionally ``.json.gz``): Freqtrade / CCXT OHLCV, a list of
  ``[ts_ms, open, high, low, close, volume]``.

Rows are sorted by time; exactly repeated rows collapse to one; two different candles
for one time are an error. The timeframe is, in order of preference: the ``timeframe``
argument, the file name (``BTC_USDT-1m.feather``), the median step between candles.
Every failure is a :class:`~xor_trading.core.errors.DataError` naming the file.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.feather as pa_feather
import pyarrow.parquet as pq

from xor_trading.core.errors import DataError
from xor_trading.core.ids import Symbol
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.arrow_columns import raw_candles_from_table
from xor_trading.data.candle_grid import median_step_ms, timeframe_of_ms
from xor_trading.data.market_naming import hints_from_path
from xor_trading.data.raw_candles import RawCandles
from xor_trading.data.timestamps import epoch_to_ms
from xor_trading.data.validation import validate_frame
from xor_trading.timeseries.candle_frame import CandleFrame

_FORMATS_HINT = (
    "import CSV (.csv), Parquet (.parquet), Feather (.feather) or Freqtrade JSON (.json) files"
)
_OHLCV_FIELDS = 6


class FileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    FEATHER = "feather"
    JSON = "json"


class TimeframeOrigin(StrEnum):
    """Where an imported file's timeframe came from."""

    ARGUMENT = "argument"
    FILE_NAME = "file name"
    DATA = "data"  # the median step between candles: a guess


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """A foreign candle file, loaded and validated.

    ``symbol`` and ``exchange`` are what the file's name says (None when it says
    nothing). ``duplicates_dropped`` counts exactly repeated rows removed;
    ``reordered`` is True if the rows were not in time order.
    """

    path: Path
    format: FileFormat
    frame: CandleFrame
    timeframe: Timeframe
    timeframe_origin: TimeframeOrigin
    symbol: Symbol | None
    exchange: str | None
    duplicates_dropped: int
    reordered: bool


def load_external(path: Path, *, timeframe: Timeframe | str | None = None) -> ImportedFile:
    """Read the candle file at ``path``; see the module docstring for formats and rules."""
    source = str(path)
    if not path.is_file():
        raise DataError(f"{source}: no such file", "check the path")
    file_format = _format_of(path)
    raw = _read(path, file_format)
    if len(raw) == 0:
        raise DataError(f"{source}: the file holds no candles", "export some candles first")
    unique, dropped = raw.sorted_unique(source)
    hints = hints_from_path(path)
    tf, origin = _timeframe(unique, timeframe, hints.timeframe, source)
    frame = unique.to_frame(tf.ms)
    validate_frame(frame, source)
    return ImportedFile(
        path=path,
        format=file_format,
        frame=frame,
        timeframe=tf,
        timeframe_origin=origin,
        symbol=hints.symbol,
        exchange=hints.exchange,
        duplicates_dropped=dropped,
        reordered=bool(np.any(np.diff(raw.ts_ms) < 0)),
    )


def _format_of(path: Path) -> FileFormat:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    formats = {
        ".csv": FileFormat.CSV,
        ".parquet": FileFormat.PARQUET,
        ".pq": FileFormat.PARQUET,
        ".feather": FileFormat.FEATHER,
        ".arrow": FileFormat.FEATHER,
        ".json": FileFormat.JSON,
    }
    if last not in formats:
        raise DataError(
            f"{path}: unknown candle file type {last or '(no suffix)'!r}", _FORMATS_HINT
        )
    return formats[last]


def _read(path: Path, file_format: FileFormat) -> RawCandles:
    source = str(path)
    try:
        if file_format is FileFormat.JSON:
            return _raw_from_json(_load_json(path), source)
        if file_format is FileFormat.CSV:
            table = pa_csv.read_csv(path)
        elif file_format is FileFormat.PARQUET:
            table = pq.read_table(path)
        else:
            table = pa_feather.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"{source}: not a readable {file_format.value} file ({reason})",
            f"check that the file is complete and really is {file_format.value}; {_FORMATS_HINT}",
        ) from None
    return raw_candles_from_table(table, source)


def _load_json(path: Path) -> Any:
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as text:
            return json.load(text)
    with path.open(encoding="utf-8") as text:
        return json.load(text)


def _raw_from_json(rows: Any, source: str) -> RawCandles:
    """Freqtrade / CCXT OHLCV: ``[[ts_ms, open, high, low, close, volume], ...]``."""
    shape_hint = "expected a JSON list of [timestamp_ms, open, high, low, close, volume] rows"
    if not isinstance(rows, list):
        raise DataError(f"{source}: top level is {type(rows).__name__}, not a list", shape_hint)
    for row, item in enumerate(rows):
        if not isinstance(item, list) or len(item) < _OHLCV_FIELDS:
            raise DataError(f"{source}: data row {row} is {str(item)[:60]}", shape_hint)
    try:
        table = np.array([item[:_OHLCV_FIELDS] for item in rows], dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(
            f"{source}: a row holds something that is not a number", shape_hint
        ) from None
    table = table.reshape(-1, _OHLCV_FIELDS)
    times = table[:, 0]
    bad = ~np.isfinite(times)
    if bad.any():
        raise DataError(f"{source}: missing time at data row {int(np.argmax(bad))}", shape_hint)
    values = [np.ascontiguousarray(table[:, i]) for i in range(1, _OHLCV_FIELDS)]
    return RawCandles.numbered(epoch_to_ms(times), values)


def _timeframe(
    raw: RawCandles, given: Timeframe | str | None, named: Timeframe | None, source: str
) -> tuple[Timeframe, TimeframeOrigin]:
    """The file's timeframe; the closest two candles must be exactly one timeframe apart."""
    step = median_step_ms(raw.ts_ms)
    if given is not None:
        tf = given if isinstance(given, Timeframe) else Timeframe.parse(given)
        origin = TimeframeOrigin.ARGUMENT
    elif named is not None:
        tf, origin = named, TimeframeOrigin.FILE_NAME
    elif step is not None:
        tf, origin = timeframe_of_ms(step), TimeframeOrigin.DATA
    else:
        raise DataError(
            f"{source}: cannot tell the timeframe of a single candle",
            "pass the timeframe explicitly, for example --timeframe 1h",
        )
    if step is not None:
        closest = int(np.min(np.diff(raw.ts_ms)))
        if closest != tf.ms:
            raise DataError(
                f"{source}: the timeframe is {tf} but the closest candles are "
                f"{timeframe_of_ms(closest)} apart",
                f"pass the file's real timeframe (its candles are mostly "
                f"{timeframe_of_ms(step)} apart)",
            )
    return tf, origin
