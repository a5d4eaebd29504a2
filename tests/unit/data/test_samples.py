"""The shipped samples and seed_samples."""

from __future__ import annotations

from candle_rows import T0, flat_rows, frame_of

from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import sample_series, seed_samples


def test_sample_series_ships_four_real_series() -> None:
    listed = {(s.exchange, s.symbol, s.timeframe.text) for s in sample_series()}
    assert listed == {
        ("binance", "BTC/USDT", "1m"),
        ("binance", "BTC/USDT", "1h"),
        ("binance", "ETH/USDT", "1m"),
        ("binance", "ETH/USDT", "1h"),
    }


def test_seed_samples_empty_store_imports_documented_series(store: ParquetCandleStore) -> None:
    seeded = seed_samples(store)
    summary = [
        (s.symbol, s.timeframe.text, s.rows, s.first_ms, s.last_ms, s.gap_count, s.missing_bars)
        for s in store.list()
    ]
    assert summary == [
        ("BTC/USDT", "1m", 130_708, 1_747_699_200_000, 1_755_541_620_000, 0, 0),
        ("BTC/USDT", "1h", 58_419, 1_502_942_400_000, 1_713_708_000_000, 28, 128),
        ("ETH/USDT", "1m", 20_160, 1_754_332_080_000, 1_755_541_620_000, 0, 0),
        ("ETH/USDT", "1h", 45_024, 1_502_942_400_000, 1_665_482_400_000, 27, 127),
    ]
    assert seeded == store.list()


def test_seed_samples_twice_imports_nothing_the_second_time(store: ParquetCandleStore) -> None:
    assert len(seed_samples(store)) == 4
    assert seed_samples(store) == []
    assert len(store.list()) == 4


def test_seed_samples_keeps_users_own_series(store: ParquetCandleStore) -> None:
    mine = frame_of(flat_rows([T0]), 3_600_000)
    store.write("binance", "ETH/USDT", "1h", mine)
    seeded = {(s.symbol, s.timeframe.text) for s in seed_samples(store)}
    assert ("ETH/USDT", "1h") not in seeded
    assert store.describe("binance", "ETH/USDT", "1h").rows == 1
