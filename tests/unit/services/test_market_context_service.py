"""The market context listing over a store seeded with the real samples."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples
from xor_trading.indicators.market_context import PATTERNS, context_signals, market_context
from xor_trading.services.market_context_service import market_context_report
from xor_trading.timeseries.candle_frame import CandleFrame

HOUR = 3_600_000


@pytest.fixture(scope="module")
def seeded_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped samples (BTC/USDT and ETH/USDT, 1m and 1h), seeded once for the module."""
    root = tmp_path_factory.mktemp("seeded") / "candles"
    seed_samples(ParquetCandleStore(root))
    return root


@pytest.fixture
def store(seeded_root: Path, tmp_path: Path) -> ParquetCandleStore:
    """A private copy of the seeded store, so a test may add series to it."""
    root = tmp_path / "candles"
    shutil.copytree(seeded_root, root)
    return ParquetCandleStore(root)


def _hourly(count: int, start_ms: int = 1_700_000_000_000 // HOUR * HOUR) -> CandleFrame:
    ts = start_ms + HOUR * np.arange(count, dtype=np.int64)
    close = 10.0 + np.arange(count, dtype=np.float64) * 0.01
    return CandleFrame(ts, close, close + 0.1, close - 0.1, close, np.ones(count), HOUR)


def test_1h_lists_both_samples_with_the_indicator_values_of_their_last_candle(
    store: ParquetCandleStore,
) -> None:
    report = market_context_report(store, "1h")
    assert (report.timeframe, report.lookback, report.threshold, report.warmup) == (
        "1h",
        50,
        70.0,
        64,
    )
    assert sorted(row.symbol for row in report.rows) == ["BTC/USDT", "ETH/USDT"]
    for row in report.rows:
        frame = store.read(row.exchange, row.symbol, "1h").frame
        ctx = market_context(frame.high, frame.low, frame.close, frame.volume)
        crossings = np.flatnonzero(context_signals(ctx.score, 70.0))
        assert row.exchange == "binance"
        assert row.timeframe == "1h"
        assert row.candles == len(frame)
        assert row.last_ms == int(frame.ts_ms[-1])
        assert row.score == ctx.score[-1]
        assert row.pattern == PATTERNS[ctx.pattern[-1]]
        assert row.direction == ctx.direction[-1]
        assert row.last_signal_ms == int(frame.ts_ms[crossings[-1]])
        assert row.resampled_from is None
        assert row.skipped is None
    scores = [row.score for row in report.rows]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


def test_unstored_timeframe_is_resampled_from_the_stored_1m(store: ParquetCandleStore) -> None:
    report = market_context_report(store, "5m", threshold=60.0, lookback=30)
    assert {row.resampled_from for row in report.rows} == {"1m"}
    for row in report.rows:
        frame = store.read(row.exchange, row.symbol, "5m").frame
        ctx = market_context(frame.high, frame.low, frame.close, frame.volume, 30)
        assert row.candles == len(frame)
        assert row.score == ctx.score[-1]
        crossings = np.flatnonzero(context_signals(ctx.score, 60.0))
        expected = int(frame.ts_ms[crossings[-1]]) if crossings.size else None
        assert row.last_signal_ms == expected


def test_short_history_and_unbuildable_timeframe_are_skipped_with_a_reason_and_listed_last(
    store: ParquetCandleStore,
) -> None:
    store.write("binance", "SOL/USDT", "1h", _hourly(40))
    store.write(
        "kraken",
        "XRP/USD",
        "1d",
        CandleFrame(np.array([1_700_006_400_000], dtype=np.int64), *(np.ones(1),) * 5, 86_400_000),
    )
    report = market_context_report(store, "1h")
    assert [(row.exchange, row.symbol) for row in report.rows[2:]] == [
        ("binance", "SOL/USDT"),
        ("kraken", "XRP/USD"),
    ]
    sol, xrp = report.rows[2:]
    assert sol.skipped == "40 candles, needs 64 for lookback 50"
    assert (sol.score, sol.pattern, sol.last_signal_ms, sol.candles) == (None, None, None, 40)
    assert sol.last_ms == int(_hourly(40).ts_ms[-1])
    assert xrp.skipped is not None
    assert "no 1h candles" in xrp.skipped
    assert all(row.score is not None for row in report.rows[:2])


def test_exchange_filter_is_normalised_and_unknown_exchange_raises(
    store: ParquetCandleStore,
) -> None:
    store.write("kraken", "BTC/USD", "1h", _hourly(100))
    assert {row.exchange for row in market_context_report(store, "1h").rows} == {
        "binance",
        "kraken",
    }
    only = market_context_report(store, "1h", exchange="Kraken")
    assert [(row.exchange, row.symbol) for row in only.rows] == [("kraken", "BTC/USD")]
    with pytest.raises(DataError, match="exchange bitstamp") as caught:
        market_context_report(store, "1h", exchange="bitstamp")
    assert "binance, kraken" in caught.value.hint


def test_empty_store_raises_data_error_with_a_seed_hint(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no candles are stored") as caught:
        market_context_report(ParquetCandleStore(tmp_path / "candles"), "1h")
    assert "xor data seed" in caught.value.hint


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeframe": "7x"}, "unknown timeframe"),
        ({"timeframe": "1h", "lookback": 4}, "lookback 4"),
        ({"timeframe": "1h", "threshold": 101.0}, "threshold"),
        ({"timeframe": "1h", "threshold": math.nan}, "threshold"),
    ],
)
def test_bad_request_raises_config_error_before_reading(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    empty = ParquetCandleStore(tmp_path / "candles")  # would raise DataError if it were read
    with pytest.raises(ConfigError, match=message):
        market_context_report(empty, **kwargs)  # type: ignore[arg-type]


def test_report_to_dict_is_json_ready_with_iso_times(store: ParquetCandleStore) -> None:
    store.write("binance", "SOL/USDT", "1h", _hourly(10))
    data = json.loads(json.dumps(market_context_report(store, "1h").to_dict()))
    first = data["rows"][0]
    assert first["last_candle"].endswith("Z")
    assert first["last_candle_ms"] > 0
    assert first["pattern"] in PATTERNS
    assert data["rows"][-1]["skipped"].startswith("10 candles")
    assert data["rows"][-1]["score"] is None
