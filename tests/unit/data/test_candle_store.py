"""ParquetCandleStore: layout, round trip, merge, atomic writes, resampled reads, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from candle_rows import MINUTE, T0, assert_frames_equal, flat_rows, frame_of, minutes

from xor_trading.core.errors import ConfigError, DataError, FatalError, UnknownSymbolError
from xor_trading.core.ids import Symbol
from xor_trading.core.timeframes import Timeframe
from xor_trading.data import parquet_file
from xor_trading.data.candle_store import ParquetCandleStore, StoredSeries, read_file
from xor_trading.data.gaps import Gap, GapPolicy
from xor_trading.data.parquet_file import SCHEMA, read_candle_parquet
from xor_trading.data.resample import resample
from xor_trading.timeseries.candle_frame import CandleFrame


def _candles(*offsets: int, price: float = 100.0) -> CandleFrame:
    return frame_of(flat_rows(minutes(*offsets), price))


def test_store_write_uses_documented_layout_and_schema(store: ParquetCandleStore) -> None:
    store.write("Binance", "btc-usdt", "1m", _candles(0, 1, 2))
    path = store.root / "binance" / "BTC-USDT" / "1m.parquet"
    assert path.is_file()
    parquet = pq.ParquetFile(path)
    assert parquet.schema_arrow == pa.schema(
        [("timestamp", pa.int64())]
        + [(c, pa.float64()) for c in ("open", "high", "low", "close", "volume")]
    )
    assert parquet.metadata.row_group(0).column(1).compression == "ZSTD"


def test_store_round_trip_returns_identical_candles(
    store: ParquetCandleStore, btc_1m: CandleFrame
) -> None:
    day = btc_1m.slice(0, 1440)
    stored = store.write("binance", "BTC/USDT", "1m", day)
    loaded = store.read("binance", "BTC/USDT", "1m")
    assert_frames_equal(loaded.frame, day)
    assert loaded.gaps == ()
    assert loaded.resampled_from is None
    assert stored == StoredSeries(
        exchange="binance",
        symbol=Symbol("BTC/USDT"),
        timeframe=Timeframe.parse("1m"),
        rows=1440,
        first_ms=1_747_699_200_000,
        last_ms=1_747_699_200_000 + 1439 * MINUTE,
        gap_count=0,
        missing_bars=0,
        file_bytes=stored.path.stat().st_size,
        path=store.root / "binance" / "BTC-USDT" / "1m.parquet",
    )


def test_store_write_merge_keeps_old_rows_and_new_rows_win(store: ParquetCandleStore) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(0, 1, 2, 3, 4, price=100.0))
    store.write("binance", "BTC/USDT", "1m", _candles(3, 4, 5, 6, price=200.0))
    frame = store.read("binance", "BTC/USDT", "1m").frame
    assert frame.ts_ms.tolist() == minutes(0, 1, 2, 3, 4, 5, 6)
    assert frame.close.tolist() == [100.0, 100.0, 100.0, 200.0, 200.0, 200.0, 200.0]


def test_store_write_merge_fills_earlier_period(store: ParquetCandleStore) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(5, 6))
    stored = store.write("binance", "BTC/USDT", "1m", _candles(0, 1))
    assert store.read("binance", "BTC/USDT", "1m").frame.ts_ms.tolist() == minutes(0, 1, 5, 6)
    assert (stored.rows, stored.gap_count, stored.missing_bars) == (4, 1, 3)


def test_store_write_without_merge_replaces_file(store: ParquetCandleStore) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(0, 1, 2))
    store.write("binance", "BTC/USDT", "1m", _candles(7), merge=False)
    assert store.read("binance", "BTC/USDT", "1m").frame.ts_ms.tolist() == minutes(7)


def test_store_write_invalid_frame_raises_and_writes_nothing(store: ParquetCandleStore) -> None:
    with pytest.raises(DataError, match=r"binance BTC/USDT 1m \(new candles\): row 1"):
        store.write("binance", "BTC/USDT", "1m", _candles(1, 0))
    assert not store.root.exists()


def test_store_write_wrong_timeframe_raises_config_error(store: ParquetCandleStore) -> None:
    with pytest.raises(ConfigError, match="cannot store 1m candles as 5m"):
        store.write("binance", "BTC/USDT", "5m", _candles(0))


def test_store_write_failure_mid_write_leaves_old_file_intact(
    store: ParquetCandleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(0, 1, 2))
    path = store.path_for("binance", "BTC/USDT", "1m")
    before = path.read_bytes()

    def write_half_then_fail(table: Any, sink: Any, **options: Any) -> None:
        sink.write(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", write_half_then_fail)
    with pytest.raises(FatalError) as caught:
        store.write("binance", "BTC/USDT", "1m", _candles(3, 4))
    assert caught.value.message == f"could not write {path}: No space left on device"
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["1m.parquet"]  # no temp file left


def test_store_read_range_is_start_inclusive_end_exclusive(store: ParquetCandleStore) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(*range(10)))
    loaded = store.read(
        "binance", "BTC/USDT", "1m", start_ms=T0 + 2 * MINUTE, end_ms=T0 + 5 * MINUTE
    )
    assert loaded.frame.ts_ms.tolist() == minutes(2, 3, 4)


def test_store_read_missing_timeframe_resamples_from_lower(
    store: ParquetCandleStore, btc_1m: CandleFrame
) -> None:
    day = btc_1m.slice(0, 1440)
    store.write("binance", "BTC/USDT", "1m", day)
    loaded = store.read("binance", "BTC/USDT", "15m")
    assert loaded.resampled_from == Timeframe.parse("1m")
    assert loaded.timeframe == Timeframe.parse("15m")
    assert_frames_equal(loaded.frame, resample(day, Timeframe.parse("15m")))


def test_store_read_resampled_range_cuts_whole_target_candles(
    store: ParquetCandleStore, btc_1m: CandleFrame
) -> None:
    day = btc_1m.slice(0, 1440)
    store.write("binance", "BTC/USDT", "1m", day)
    first = int(day.ts_ms[0])
    loaded = store.read(
        "binance", "BTC/USDT", "1h", start_ms=first + 30 * MINUTE, end_ms=first + 3 * 3_600_000 + 1
    )
    full = resample(day, Timeframe.parse("1h"))
    assert_frames_equal(loaded.frame, full.slice(1, 4))


def test_store_read_resampled_range_edges_match_full_read(store: ParquetCandleStore) -> None:
    # Hour 1 lacks its first minute and hour 2 its last: both are interior holes.
    missing = {60, 179}
    store.write("binance", "BTC/USDT", "1m", _candles(*(m for m in range(240) if m not in missing)))
    full = store.read("binance", "BTC/USDT", "1h").frame
    ranged = store.read(
        "binance", "BTC/USDT", "1h", start_ms=T0 + 3_600_000, end_ms=T0 + 3 * 3_600_000
    ).frame
    assert full.ts_ms.tolist() == [T0 + h * 3_600_000 for h in range(4)]
    assert_frames_equal(ranged, full.slice(1, 3))


def test_store_read_prefers_highest_stored_divisor(store: ParquetCandleStore) -> None:
    hours = frame_of(flat_rows([T0 + h * 3_600_000 for h in range(8)]), 3_600_000)
    store.write("binance", "BTC/USDT", "1m", _candles(*range(480)))
    store.write("binance", "BTC/USDT", "1h", hours)
    assert store.read("binance", "BTC/USDT", "4h").resampled_from == Timeframe.parse("1h")


def test_store_read_gap_policies_apply(store: ParquetCandleStore) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(0, 1, 4))
    kept = store.read("binance", "BTC/USDT", "1m")
    assert kept.gaps == (Gap(T0 + 2 * MINUTE, T0 + 4 * MINUTE, 2),)
    filled = store.read("binance", "BTC/USDT", "1m", gap_policy=GapPolicy.FILL_FORWARD)
    assert filled.frame.ts_ms.tolist() == minutes(0, 1, 2, 3, 4)
    with pytest.raises(DataError, match="binance BTC/USDT 1m: 1 gap"):
        store.read("binance", "BTC/USDT", "1m", gap_policy=GapPolicy.RAISE)


def test_store_read_unknown_symbol_lists_what_is_stored(store: ParquetCandleStore) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(0))
    store.write("binance", "ETH/USDT", "1h", frame_of(flat_rows([T0]), 3_600_000))
    store.write("kraken", "XRP/USD", "1m", _candles(0))
    with pytest.raises(UnknownSymbolError) as caught:
        store.read("binance", "SOL/USDT", "1h")
    assert caught.value.message == (
        "no binance SOL/USDT 1h candles (stored for binance: BTC/USDT 1m; ETH/USDT 1h)"
    )
    assert "xor data import" in caught.value.hint
    assert "xor data list" in caught.value.hint


def test_store_read_timeframe_not_derivable_raises_unknown_symbol(
    store: ParquetCandleStore,
) -> None:
    store.write("binance", "BTC/USDT", "1h", frame_of(flat_rows([T0]), 3_600_000))
    with pytest.raises(UnknownSymbolError, match="no binance BTC/USDT 1m candles"):
        store.read("binance", "BTC/USDT", "1m")


def test_store_read_empty_exchange_says_nothing_stored(store: ParquetCandleStore) -> None:
    with pytest.raises(UnknownSymbolError, match="nothing is stored for binance in"):
        store.read("binance", "BTC/USDT", "1m")


def test_store_read_corrupt_file_raises_data_error_naming_it(store: ParquetCandleStore) -> None:
    path = store.path_for("binance", "BTC/USDT", "1m")
    path.parent.mkdir(parents=True)
    path.write_text("not parquet at all")
    with pytest.raises(DataError) as caught:
        store.read("binance", "BTC/USDT", "1m")
    assert caught.value.message.startswith(f"{path}: not a readable Parquet candle file")
    assert "xor data import" in caught.value.hint


def test_store_read_non_monotonic_file_raises_data_error(store: ParquetCandleStore) -> None:
    path = store.path_for("binance", "BTC/USDT", "1m")
    path.parent.mkdir(parents=True)
    bad = _candles(0, 2, 1)
    parquet_file.write_candle_parquet(path, bad)  # bypasses the store's validation
    with pytest.raises(DataError) as caught:
        store.read("binance", "BTC/USDT", "1m")
    assert caught.value.message == (
        f"{path}: row 2 (2024-01-01T00:01:00Z): timestamp goes back in time "
        "(row 1 is 2024-01-01T00:02:00Z)"
    )


def test_store_read_foreign_columns_raises_data_error(store: ParquetCandleStore) -> None:
    path = store.path_for("binance", "BTC/USDT", "1m")
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"date": [T0], "close": [1.0]}), path)
    with pytest.raises(DataError, match="unexpected columns"):
        store.read("binance", "BTC/USDT", "1m")


def test_store_list_summarises_every_file_in_order(store: ParquetCandleStore) -> None:
    store.write("binance", "ETH/USDT", "1h", frame_of(flat_rows([T0, T0 + 7_200_000]), 3_600_000))
    store.write("binance", "BTC/USDT", "1h", frame_of(flat_rows([T0]), 3_600_000))
    store.write("binance", "BTC/USDT", "1m", _candles(0, 1, 5))
    (store.root / "binance" / "BTC-USDT" / "notes.txt").write_text("ignored")
    listed = [
        (s.exchange, s.symbol, s.timeframe.text, s.rows, s.first_ms, s.last_ms, s.gap_count)
        for s in store.list()
    ]
    assert listed == [
        ("binance", "BTC/USDT", "1m", 3, T0, T0 + 5 * MINUTE, 1),
        ("binance", "BTC/USDT", "1h", 1, T0, T0, 0),
        ("binance", "ETH/USDT", "1h", 2, T0, T0 + 7_200_000, 1),
    ]
    assert all(s.file_bytes > 0 for s in store.list())


def test_store_list_empty_root_returns_nothing(tmp_path: Path) -> None:
    assert ParquetCandleStore(tmp_path / "missing").list() == []


def test_store_bad_names_raise_config_error(store: ParquetCandleStore) -> None:
    with pytest.raises(ConfigError, match="invalid exchange name"):
        store.path_for("../etc", "BTC/USDT", "1m")
    with pytest.raises(ConfigError, match="unknown symbol format"):
        store.path_for("binance", "BTC/../USDT", "1m")
    with pytest.raises(ConfigError, match="unknown timeframe"):
        store.path_for("binance", "BTC/USDT", "1x")


def test_read_file_infers_timeframe_from_median_step(tmp_path: Path) -> None:
    path = tmp_path / "adhoc.parquet"
    frame = frame_of(flat_rows([T0 + k * 300_000 for k in (0, 1, 2, 4, 5)]), 300_000)
    parquet_file.write_candle_parquet(path, frame)
    loaded = read_file(path)
    assert_frames_equal(loaded, frame)
    assert read_file(path, "5m").timeframe_ms == 300_000


def test_store_read_returns_int64_times_and_float64_values(store: ParquetCandleStore) -> None:
    store.write("binance", "BTC/USDT", "1m", _candles(0, 1))
    frame = store.read("binance", "BTC/USDT", "1m").frame
    assert frame.close.dtype == np.float64
    assert frame.ts_ms.dtype == np.int64


def test_read_candle_parquet_several_row_groups_reads_every_row(tmp_path: Path) -> None:
    n = 1_000
    ts = T0 + np.arange(n, dtype=np.int64) * 60_000
    price = 100.0 + np.arange(n, dtype=np.float64)
    table = pa.Table.from_arrays(
        [
            pa.array(ts),
            pa.array(price),
            pa.array(price + 1),
            pa.array(price - 1),
            pa.array(price),
            pa.array(np.ones(n)),
        ],
        schema=SCHEMA,
    )
    path = tmp_path / "groups.parquet"
    pq.write_table(table, path, row_group_size=300)  # 4 row groups
    assert pq.ParquetFile(path).num_row_groups == 4
    frame = read_candle_parquet(path, 60_000)
    assert np.array_equal(frame.ts_ms, ts)
    assert np.array_equal(frame.close, price)
    assert np.array_equal(frame.high, price + 1)
