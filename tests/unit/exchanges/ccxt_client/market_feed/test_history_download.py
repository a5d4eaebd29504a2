"""Download into the candle store: the resume plan, chunked writes, progress, second run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import ccxt  # type: ignore[import-untyped]
import numpy as np
import pytest
from scripted_ohlcv_venue import MINUTE, T0, ScriptedOhlcvVenue, rows

from xor_trading.core.errors import ConfigError, RetryableError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore, StoredSeries
from xor_trading.exchanges.ccxt_client.history_download import (
    DownloadProgress,
    DownloadRange,
    download_history,
    plan_download,
)
from xor_trading.exchanges.ccxt_client.ohlcv_requests import OhlcvRequester, RetryPolicy

TF = Timeframe.parse("1m")


def _stored(first_ms: int, last_ms: int) -> StoredSeries:
    return StoredSeries(
        "binance",
        "BTC/USDT",
        TF,
        0,
        first_ms,
        last_ms,
        0,
        0,
        0,
        Path("x"),  # type: ignore[arg-type]
    )


def test_plan_nothing_stored_fetches_from_to_until() -> None:
    assert plan_download(None, TF, T0 + 1, T0 + 9 * MINUTE) == (
        DownloadRange(T0 + MINUTE, T0 + 9 * MINUTE),
    )


def test_plan_nothing_stored_without_from_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="needs a start") as caught:
        plan_download(None, TF, None, None)
    assert "--from" in caught.value.hint


def test_plan_without_from_resumes_after_the_last_stored_candle() -> None:
    stored = _stored(T0, T0 + 9 * MINUTE)
    assert plan_download(stored, TF, None, None) == (DownloadRange(T0 + 10 * MINUTE, None),)


def test_plan_from_inside_the_stored_span_resumes_after_it() -> None:
    stored = _stored(T0, T0 + 9 * MINUTE)
    assert plan_download(stored, TF, T0 + 3 * MINUTE, None) == (
        DownloadRange(T0 + 10 * MINUTE, None),
    )


def test_plan_from_before_the_stored_span_fetches_the_head_and_the_tail() -> None:
    stored = _stored(T0 + 5 * MINUTE, T0 + 9 * MINUTE)
    assert plan_download(stored, TF, T0, T0 + 20 * MINUTE) == (
        DownloadRange(T0, T0 + 5 * MINUTE),
        DownloadRange(T0 + 10 * MINUTE, T0 + 20 * MINUTE),
    )


def test_plan_until_inside_the_stored_span_fetches_only_the_head() -> None:
    stored = _stored(T0 + 5 * MINUTE, T0 + 9 * MINUTE)
    assert plan_download(stored, TF, T0, T0 + 7 * MINUTE) == (DownloadRange(T0, T0 + 5 * MINUTE),)


def test_plan_everything_already_stored_fetches_nothing() -> None:
    stored = _stored(T0, T0 + 9 * MINUTE)
    assert plan_download(stored, TF, T0, T0 + 10 * MINUTE) == ()


def test_plan_from_after_the_stored_span_starts_at_from() -> None:
    stored = _stored(T0, T0 + 9 * MINUTE)
    assert plan_download(stored, TF, T0 + 30 * MINUTE, None) == (
        DownloadRange(T0 + 30 * MINUTE, None),
    )


def _download(
    venue: ScriptedOhlcvVenue,
    store: ParquetCandleStore,
    from_ms: int | None,
    until_ms: int | None = None,
    chunk_rows: int = 50_000,
    progress: list[DownloadProgress] | None = None,
):  # type: ignore[no-untyped-def]
    async def nap(_: float) -> None:
        return None

    requester = OhlcvRequester(venue, retry=RetryPolicy(max_attempts=2), sleep=nap)
    return asyncio.run(
        download_history(
            requester,
            store,
            "binance",
            "BTC/USDT",
            TF,
            from_ms=from_ms,
            until_ms=until_ms,
            chunk_rows=chunk_rows,
            on_progress=None if progress is None else progress.append,
        )
    )


def test_download_stores_every_closed_candle_equal_to_the_venue(tmp_path: Path) -> None:
    venue = ScriptedOhlcvVenue(rows(25), page_limit=10)
    store = ParquetCandleStore(tmp_path)
    result = _download(venue, store, T0)
    assert result.candles == 24  # the 25th is forming
    frame = store.read("binance", "BTC/USDT", "1m").frame
    expected = np.array(venue.rows[:24], dtype=np.float64)
    assert frame.ts_ms.tolist() == [int(r[0]) for r in venue.rows[:24]]
    assert np.array_equal(frame.open, expected[:, 1])
    assert np.array_equal(frame.high, expected[:, 2])
    assert np.array_equal(frame.low, expected[:, 3])
    assert np.array_equal(frame.close, expected[:, 4])
    assert np.array_equal(frame.volume, expected[:, 5])
    assert result.stored is not None
    assert result.stored.rows == 24


def test_download_second_run_fetches_only_new_candles(tmp_path: Path) -> None:
    venue = ScriptedOhlcvVenue(rows(25), page_limit=10)
    store = ParquetCandleStore(tmp_path)
    _download(venue, store, T0)
    venue.rows = [list(r) for r in rows(31)]  # six more minutes at the venue
    venue.fetch_calls.clear()
    result = _download(venue, store, T0)
    assert venue.fetch_calls == [T0 + 24 * MINUTE]
    assert result.candles == 6
    assert result.ranges == (DownloadRange(T0 + 24 * MINUTE, None),)
    frame = store.read("binance", "BTC/USDT", "1m").frame
    assert frame.ts_ms.tolist() == [T0 + i * MINUTE for i in range(30)]


def test_download_writes_in_chunks_and_reports_progress_per_page(tmp_path: Path) -> None:
    venue = ScriptedOhlcvVenue(rows(25), page_limit=10)
    store = ParquetCandleStore(tmp_path)
    writes: list[int] = []
    original = store.write

    def counting_write(*args, **kwargs):  # type: ignore[no-untyped-def]
        writes.append(len(args[3]))
        return original(*args, **kwargs)

    store.write = counting_write  # type: ignore[method-assign]
    progress: list[DownloadProgress] = []
    _download(venue, store, T0, chunk_rows=10, progress=progress)
    assert writes == [18, 6]  # pages of 9: a write once 10 are buffered, then the rest
    assert [(p.candles, p.newest_ms) for p in progress] == [
        (9, T0 + 8 * MINUTE),
        (18, T0 + 17 * MINUTE),
        (24, T0 + 23 * MINUTE),
    ]


def test_download_failure_keeps_chunks_already_written_and_resumes(tmp_path: Path) -> None:
    venue = ScriptedOhlcvVenue(rows(25), page_limit=10)
    store = ParquetCandleStore(tmp_path)
    served = 0
    original = venue.fetch_ohlcv

    async def dies_on_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal served
        served += 1
        if served >= 3:
            raise ccxt.RequestTimeout("timeout")
        return await original(*args, **kwargs)

    venue.fetch_ohlcv = dies_on_third  # type: ignore[method-assign]
    with pytest.raises(RetryableError):
        _download(venue, store, T0, chunk_rows=5)
    assert store.describe("binance", "BTC/USDT", "1m").last_ms == T0 + 17 * MINUTE
    venue.fetch_ohlcv = original  # type: ignore[method-assign]
    venue.fetch_calls.clear()
    result = _download(venue, store, None)
    assert venue.fetch_calls == [T0 + 18 * MINUTE]
    assert result.candles == 6
    assert store.describe("binance", "BTC/USDT", "1m").rows == 24


def test_download_until_stops_before_it(tmp_path: Path) -> None:
    venue = ScriptedOhlcvVenue(rows(100), page_limit=10)
    store = ParquetCandleStore(tmp_path)
    result = _download(venue, store, T0, until_ms=T0 + 12 * MINUTE)
    assert result.candles == 12
    assert store.describe("binance", "BTC/USDT", "1m").last_ms == T0 + 11 * MINUTE
    assert len(venue.fetch_calls) == 2


def test_download_nothing_new_writes_nothing(tmp_path: Path) -> None:
    venue = ScriptedOhlcvVenue(rows(1))
    store = ParquetCandleStore(tmp_path)
    result = _download(venue, store, T0)
    assert result.candles == 0
    assert result.stored is None
    assert not store.has("binance", "BTC/USDT", "1m")
