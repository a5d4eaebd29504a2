"""Acceptance-test fixtures: real candles from the shipped samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.timeseries.candle_frame import CandleFrame

SAMPLES = Path(__file__).resolve().parents[2] / "src" / "xor_trading" / "data" / "samples"

# Importing the module registers the test-only strategy with the registry (plug-in API).
import channel_breakout_strategy  # noqa: E402, F401


@pytest.fixture(scope="session")
def btc_1m() -> CandleFrame:
    return read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1m.parquet", 60_000)


@pytest.fixture(scope="session")
def eth_1m() -> CandleFrame:
    return read_candle_parquet(SAMPLES / "binance" / "ETH-USDT" / "1m.parquet", 60_000)


@pytest.fixture(scope="session")
def btc_1h() -> CandleFrame:
    """BTC/USDT 1h since 2017: 28 gaps (exchange outages), which order times must survive."""
    return read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)
