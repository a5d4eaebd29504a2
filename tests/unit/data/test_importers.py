"""load_external: each format, timestamp flavours, name inference, and every failure."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as pa_feather
import pyarrow.parquet as pq
import pytest
from candle_rows import FIXTURES, HOUR, MINUTE, T0, assert_frames_equal, flat_rows, frame_of

from xor_trading.core.errors import DataError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.importers import FileFormat, TimeframeOrigin, load_external
from xor_trading.data.parquet_file import write_candle_parquet
from xor_trading.timeseries.candle_frame import CandleFrame

HEADER = "timestamp,open,high,low,close,volume\n"
THREE = frame_of(
    [
        (T0, 10.0, 11.0, 9.5, 10.5, 1.5),
        (T0 + MINUTE, 10.5, 12.0, 10.0, 11.0, 2.0),
        (T0 + 2 * MINUTE, 11.0, 11.0, 10.0, 10.0, 0.0),
    ]
)


def _csv(path: Path, header: str, times: list[str]) -> Path:
    values = ["10,11,9.5,10.5,1.5", "10.5,12,10,11,2", "11,11,10,10,0"]
    path.write_text(header + "".join(f"{t},{v}\n" for t, v in zip(times, values, strict=True)))
    return path


@pytest.mark.parametrize(
    ("header", "times"),
    [
        (HEADER, [str(T0 + k * MINUTE) for k in range(3)]),
        (HEADER, [str((T0 + k * MINUTE) // 1000) for k in range(3)]),
        (
            HEADER.replace("timestamp", "Date"),
            ["2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z"],
        ),
        (
            HEADER.replace("timestamp", "open_time"),
            ["2024-01-01 00:00:00", "2024-01-01 00:01:00", "2024-01-01 00:02:00"],
        ),
        (
            HEADER.replace("timestamp", "time"),
            ["2024-01-01T01:00:00+01:00", "2024-01-01T01:01:00+01:00", "2024-01-01T01:02:00+01:00"],
        ),
    ],
    ids=["epoch-ms", "epoch-s", "iso-z", "iso-naive-utc", "iso-offset"],
)
def test_load_external_csv_time_formats_give_same_candles(
    tmp_path: Path, header: str, times: list[str]
) -> None:
    imported = load_external(_csv(tmp_path / "x.csv", header, times), timeframe="1m")
    assert imported.format is FileFormat.CSV
    assert_frames_equal(imported.frame, THREE)


def test_load_external_csv_unsorted_with_exact_duplicates_is_sorted_and_collapsed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER
        + f"{T0 + 2 * MINUTE},11,11,10,10,0\n"
        + f"{T0},10,11,9.5,10.5,1.5\n"
        + f"{T0 + MINUTE},10.5,12,10,11,2\n"
        + f"{T0},10,11,9.5,10.5,1.5\n"
    )
    imported = load_external(path, timeframe="1m")
    assert_frames_equal(imported.frame, THREE)
    assert imported.duplicates_dropped == 1
    assert imported.reordered is True


def test_load_external_csv_conflicting_duplicates_raise(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER + f"{T0},10,11,9.5,10.5,1.5\n{T0 + MINUTE},1,1,1,1,1\n{T0},10,11,9.5,10.4,1.5\n"
    )
    with pytest.raises(DataError) as caught:
        load_external(path, timeframe="1m")
    assert caught.value.message == (
        f"{path}: rows 0 and 2 are different candles for the same time 2024-01-01T00:00:00Z"
    )


def test_load_external_fixture_csv_iso_reads_real_candles(btc_1m: CandleFrame) -> None:
    imported = load_external(FIXTURES / "btc_usdt_1m_iso.csv")
    assert imported.timeframe == Timeframe.parse("1m")
    assert imported.timeframe_origin is TimeframeOrigin.DATA
    assert imported.symbol is None
    assert_frames_equal(imported.frame, btc_1m.slice(0, 12))


def test_load_external_freqtrade_json_infers_symbol_and_timeframe() -> None:
    imported = load_external(FIXTURES / "ETH_USDT-1h.json")
    assert imported.format is FileFormat.JSON
    assert (imported.symbol, imported.timeframe.text) == ("ETH/USDT", "1h")
    assert imported.timeframe_origin is TimeframeOrigin.FILE_NAME
    assert len(imported.frame) == 48
    assert int(imported.frame.ts_ms[0]) == 1_502_942_400_000
    assert imported.frame.close[0] == 301.61


def test_load_external_gzipped_json_reads_same_rows(tmp_path: Path) -> None:
    source = FIXTURES / "ETH_USDT-1h.json"
    target = tmp_path / "ETH_USDT-1h.json.gz"
    target.write_bytes(gzip.compress(source.read_bytes()))
    assert_frames_equal(load_external(target).frame, load_external(source).frame)


def test_load_external_freqtrade_feather_from_real_sample(
    tmp_path: Path, btc_1m: CandleFrame
) -> None:
    day = btc_1m.slice(0, 1440)
    table = pa.table(
        {
            "date": pa.array(day.ts_ms * 1_000_000, pa.timestamp("ns", tz="UTC")),
            "open": day.open,
            "high": day.high,
            "low": day.low,
            "close": day.close,
            "volume": day.volume,
        }
    )
    path = tmp_path / "BTC_USDT-1m.feather"
    pa_feather.write_feather(table, path)
    imported = load_external(path)
    assert imported.format is FileFormat.FEATHER
    assert (imported.symbol, imported.timeframe.text, imported.exchange) == ("BTC/USDT", "1m", None)
    assert_frames_equal(imported.frame, day)


def test_load_external_freqtrade_parquet_date_column(tmp_path: Path) -> None:
    table = pa.table(
        {
            "date": pa.array(THREE.ts_ms, pa.timestamp("ms", tz="UTC")),
            **{name: getattr(THREE, name) for name in ("open", "high", "low", "close", "volume")},
        }
    )
    path = tmp_path / "SOL_USDT_USDT-1m-futures.parquet"
    pq.write_table(table, path)
    imported = load_external(path)
    assert imported.symbol == "SOL/USDT:USDT"
    assert_frames_equal(imported.frame, THREE)


def test_load_external_xor_named_parquet_infers_exchange(tmp_path: Path) -> None:
    path = tmp_path / "binance_BTC-USDT_1m.parquet"
    write_candle_parquet(path, THREE)
    imported = load_external(path)
    assert (imported.exchange, imported.symbol, imported.timeframe.text) == (
        "binance",
        "BTC/USDT",
        "1m",
    )
    assert_frames_equal(imported.frame, THREE)


def test_load_external_not_parquet_raises_data_error() -> None:
    path = FIXTURES / "not_parquet.parquet"
    with pytest.raises(DataError) as caught:
        load_external(path)
    assert caught.value.message.startswith(f"{path}: not a readable parquet file (")


def test_load_external_unknown_suffix_raises_data_error(tmp_path: Path) -> None:
    path = tmp_path / "candles.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"unknown candle file type '\.xlsx'"):
        load_external(path)


def test_load_external_missing_file_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_external(tmp_path / "nope.csv")


def test_load_external_csv_without_time_column_lists_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,open,high,low,close,volume\n1,1,1,1,1,1\n")
    with pytest.raises(DataError) as caught:
        load_external(path)
    assert caught.value.message == (
        f"{path}: no time column (columns: when, open, high, low, close, volume)"
    )


def test_load_external_csv_missing_volume_names_it(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f"timestamp,open,high,low,close\n{T0},1,1,1,1\n")
    with pytest.raises(DataError, match=r"missing column\(s\) volume"):
        load_external(path)


def test_load_external_csv_unreadable_time_names_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "2024-01-01T00:00:00Z,1,1,1,1,1\nyesterday,1,1,1,1,1\n")
    with pytest.raises(DataError, match="timestamp 'yesterday' at data row 1 is not a time"):
        load_external(path)


def test_load_external_json_wrong_shape_raises(tmp_path: Path) -> None:
    path = tmp_path / "BTC_USDT-1m.json"
    path.write_text(json.dumps({"data": []}))
    with pytest.raises(DataError, match="top level is dict, not a list"):
        load_external(path)
    path.write_text(json.dumps([[T0, 1, 1, 1]]))
    with pytest.raises(DataError, match="data row 0 is"):
        load_external(path)


def test_load_external_truncated_json_raises(tmp_path: Path) -> None:
    path = tmp_path / "BTC_USDT-1m.json"
    path.write_text("[[1704067200000, 1, 1")
    with pytest.raises(DataError, match="not a readable json file"):
        load_external(path)


def test_load_external_single_candle_without_timeframe_raises(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(HEADER + f"{T0},1,1,1,1,1\n")
    with pytest.raises(DataError, match="cannot tell the timeframe of a single candle"):
        load_external(path)
    assert load_external(path, timeframe="1h").timeframe.ms == HOUR


def test_load_external_timeframe_smaller_than_data_raises(tmp_path: Path) -> None:
    path = tmp_path / "hours.csv"
    path.write_text(HEADER + "".join(f"{T0 + k * HOUR},1,1,1,1,1\n" for k in range(3)))
    with pytest.raises(DataError) as caught:
        load_external(path, timeframe="1m")
    assert caught.value.message == (
        f"{path}: the timeframe is 1m but the closest candles are 1h apart"
    )


def test_load_external_invalid_candle_is_reported_after_sorting(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + f"{T0 + MINUTE},1,1,1,1,-5\n{T0},1,1,1,1,1\n")
    with pytest.raises(DataError, match=r"row 1 \(2024-01-01T00:01:00Z\): volume is -5.0"):
        load_external(path, timeframe="1m")


def test_load_external_store_layout_path_infers_market(tmp_path: Path) -> None:
    path = tmp_path / "kraken" / "XRP-EUR" / "1h.parquet"
    path.parent.mkdir(parents=True)
    write_candle_parquet(path, frame_of(flat_rows([T0, T0 + HOUR]), HOUR))
    imported = load_external(path)
    assert (imported.exchange, imported.symbol, imported.timeframe.text) == (
        "kraken",
        "XRP/EUR",
        "1h",
    )


def test_load_external_real_1h_with_gaps_infers_1h_from_data(
    tmp_path: Path, btc_1h: CandleFrame
) -> None:
    path = tmp_path / "history.parquet"
    write_candle_parquet(path, btc_1h)
    imported = load_external(path)
    assert imported.timeframe_origin is TimeframeOrigin.DATA
    assert imported.timeframe.text == "1h"
    assert_frames_equal(imported.frame, btc_1h)
