"""History download with the real CCXT client against the simulated Binance server:
pagination, resume (a second run fetches only new candles), and 429 Retry-After honoured."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.history_download import DownloadResult, download_history
from xor_trading.exchanges.ccxt_client.ohlcv_requests import OhlcvRequester
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    FaultKind,
    ScriptedFault,
    running_binance_server,
)

MINUTE = 60_000
TF = Timeframe.parse("1m")
KLINES = "GET /api/v3/klines"


@pytest.fixture
def venue() -> Iterator[BinanceServerHandle]:
    with running_binance_server(BinanceServerConfig(speed=1.0)) as handle:
        handle.pause_replay()  # market time moves only when a test says so
        yield handle


def _start_ms(venue: BinanceServerHandle) -> int:
    return venue.market_time_ms() // MINUTE * MINUTE


def _download(
    venue: BinanceServerHandle, store: ParquetCandleStore, from_ms: int | None
) -> tuple[DownloadResult, int]:
    async def run() -> tuple[DownloadResult, int]:
        client = make_async_client("binance", None, base_url=venue.url, ws_url=venue.ws_url)
        try:
            requester = OhlcvRequester(client)
            result = await download_history(
                requester, store, "binance", "BTC/USDT", TF, from_ms=from_ms
            )
            return result, requester.requests_made
        finally:
            await client.close()

    return asyncio.run(run())


def _venue_klines(venue: BinanceServerHandle, since_ms: int, count: int) -> list[list[Any]]:
    async def run() -> list[list[Any]]:
        client = make_async_client("binance", None, base_url=venue.url)
        try:
            rows: list[list[Any]] = []
            since = since_ms
            while len(rows) < count:
                page = await client.fetch_ohlcv("BTC/USDT", "1m", since=since, limit=1000)
                rows.extend(page)
                since = page[-1][0] + MINUTE
            return rows[:count]
        finally:
            await client.close()

    return asyncio.run(run())


def test_download_paginates_resumes_and_stores_what_the_venue_serves(
    venue: BinanceServerHandle, tmp_path: Path
) -> None:
    start = _start_ms(venue)
    venue.advance_replay(2_500 * MINUTE)  # 2,500 closed candles + the forming one
    store = ParquetCandleStore(tmp_path)

    first, requests = _download(venue, store, start)
    assert first.candles == 2_500
    assert requests == 3  # pages of 1,000 overlapping by one row: 1000 + 999 + 502
    frame = store.read("binance", "BTC/USDT", "1m").frame
    assert frame.ts_ms.tolist() == [start + i * MINUTE for i in range(2_500)]

    venue.advance_replay(40 * MINUTE)
    second, requests = _download(venue, store, start)
    assert second.candles == 40
    assert requests == 1
    assert second.ranges[0].start_ms == start + 2_500 * MINUTE

    stored = store.read("binance", "BTC/USDT", "1m").frame
    expected = np.array(_venue_klines(venue, start, 2_540), dtype=np.float64)
    assert stored.ts_ms.tolist() == expected[:, 0].astype(np.int64).tolist()
    for i, column in enumerate(("open", "high", "low", "close", "volume"), start=1):
        assert np.array_equal(getattr(stored, column), expected[:, i]), column


def test_download_waits_out_a_429_retry_after_and_never_gets_banned(
    venue: BinanceServerHandle, tmp_path: Path
) -> None:
    start = _start_ms(venue)
    venue.advance_replay(30 * MINUTE)
    venue.script_fault(ScriptedFault(FaultKind.RATE_LIMIT_429, endpoint=KLINES, retry_after_s=1))
    result, requests = _download(venue, ParquetCandleStore(tmp_path), start)
    assert result.candles == 30
    assert requests == 2
    klines = [r for r in venue.requests() if f"{r.method} {r.path}" == KLINES]
    assert [r.status for r in klines] == [429, 200]
    assert klines[1].wall_ms - klines[0].wall_ms >= 1_000
    assert all(r.status != 418 for r in venue.requests())
