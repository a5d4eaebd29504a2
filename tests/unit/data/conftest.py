"""Fixtures for the data-layer tests: an empty store in tmp_path and the real samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from candle_rows import HOUR, MINUTE

from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.timeseries.candle_frame import CandleFrame


@pytest.fixture
def store(tmp_path: Path) -> ParquetCandleStore:
    return ParquetCandleStore(tmp_path / "candles")


@pytest.fixture(scope="session")
def btc_1m() -> CandleFrame:
    """The real BTC/USDT 1m sample (130,708 candles, no gaps)."""
    return read_candle_parquet(SAMPLES_DIR / "binance" / "BTC-USDT" / "1m.parquet", MINUTE)


@pytest.fixture(scope="session")
def btc_1h() -> CandleFrame:
    """The real BTC/USDT 1h sample (58,419 candles, 28 gaps)."""
    return read_candle_parquet(SAMPLES_DIR / "binance" / "BTC-USDT" / "1h.parquet", HOUR)
