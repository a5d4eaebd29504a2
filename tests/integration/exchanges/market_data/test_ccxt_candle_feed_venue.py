"""CcxtCandleFeed with the real ccxt.pro client against the simulated Binance server:
every closed candle once, in order, equal to the venue's klines, across a forced
WebSocket disconnect and a stream stall (REST fallback and backfill)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from xor_trading.core.timeframes import Timeframe
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.market_feed import CcxtCandleFeed, MarketFeedConfig
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    running_binance_server,
)

MINUTE = 60_000
TF = Timeframe.parse("1m")
SPEED = 300.0  # one 1m candle every 0.2 s


@pytest.fixture
def venue() -> Iterator[BinanceServerHandle]:
    with running_binance_server(BinanceServerConfig(speed=SPEED, tick_ms=50)) as handle:
        yield handle


def _collect(
    venue: BinanceServerHandle, since_ms: int, count: int, fault_at: int, fault: Callable[[], None]
) -> list[Candle]:
    config = MarketFeedConfig(stall_timeout_s=0.4, rest_poll_interval_s=0.1)

    async def run() -> list[Candle]:
        feed = CcxtCandleFeed.connect(
            "binance", base_url=venue.url, ws_url=venue.ws_url, config=config
        )
        got: list[Candle] = []
        try:
            async for candle in feed.closed_candles("BTC/USDT", TF, since_ms):
                got.append(candle)
                if len(got) == fault_at:
                    await asyncio.to_thread(fault)
                if len(got) == count:
                    break
        finally:
            await feed.close()
        return got

    return asyncio.run(asyncio.wait_for(run(), 30.0))


def _venue_klines(venue: BinanceServerHandle, since_ms: int, count: int) -> list[list[Any]]:
    async def run() -> list[list[Any]]:
        client = make_async_client("binance", None, base_url=venue.url)
        try:
            rows: list[list[Any]] = await client.fetch_ohlcv(
                "BTC/USDT", "1m", since=since_ms, limit=count
            )
            return rows
        finally:
            await client.close()

    return asyncio.run(run())


def _assert_complete_and_equal_to_venue(
    venue: BinanceServerHandle, got: list[Candle], since_ms: int
) -> None:
    assert [c.ts_ms for c in got] == [since_ms + i * MINUTE for i in range(len(got))]
    expected = np.array(_venue_klines(venue, since_ms, len(got)), dtype=np.float64)
    actual = np.array([c[:6] for c in got], dtype=np.float64)
    assert np.array_equal(actual, expected)


def test_feed_across_a_forced_disconnect_yields_every_candle_once(
    venue: BinanceServerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    since = venue.market_time_ms() // MINUTE * MINUTE
    venue.advance_replay(4 * MINUTE)  # four closed candles to warm up from
    with caplog.at_level(logging.WARNING, logger="xor.market_data"):
        got = _collect(venue, since, 14, fault_at=7, fault=venue.disconnect_streams)
    _assert_complete_and_equal_to_venue(venue, got, since)
    assert "stream error" in caplog.text or "WebSocket was reconnected" in caplog.text


def test_feed_across_a_stream_stall_falls_back_to_rest_and_yields_every_candle_once(
    venue: BinanceServerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    since = venue.market_time_ms() // MINUTE * MINUTE
    venue.advance_replay(2 * MINUTE)
    with caplog.at_level(logging.WARNING, logger="xor.market_data"):
        got = _collect(venue, since, 14, fault_at=5, fault=lambda: venue.stall_streams(1.5))
    _assert_complete_and_equal_to_venue(venue, got, since)
    assert "stalled" in caplog.text
