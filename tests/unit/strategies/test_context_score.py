"""context_score: entries on an upward cross of the context score, score and time exits."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_rows, make_instrument
from xor_trading.testing.path_agreement import assert_finite_metrics, assert_paths_agree
from xor_trading.timeseries.candle_frame import CandleFrame

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
PATHS = ["fast", "event"]
PARAMS = {"lookback": 5, "atr_period": 1, "threshold": 70, "exit_level": 40, "max_hold_candles": 0}
# Scores (lookback 5, ATR over 1 candle), first reading at candle 5:
# 16.7 25.4 16.7 | 88.9 (candle 8: range break on 3x volume) 58.5 28.1 16.7 26.8 39.3 39.3
ROWS = [  # open, high, low, close, volume
    (10.0, 10.1, 9.9, 10.0, 100),
    (10.0, 10.2, 9.9, 10.1, 100),
    (10.1, 10.1, 9.9, 10.0, 100),
    (10.0, 10.2, 9.9, 10.1, 100),
    (10.1, 10.1, 9.9, 10.0, 100),
    (10.0, 10.2, 9.9, 10.1, 100),
    (10.1, 10.1, 9.9, 10.0, 100),
    (10.0, 10.2, 9.9, 10.1, 100),
    (10.1, 11.0, 10.0, 10.9, 300),
    (10.9, 11.1, 10.8, 11.0, 200),
    (11.0, 11.1, 10.6, 10.7, 100),
    (10.7, 10.8, 10.4, 10.5, 100),
    (10.5, 10.6, 10.4, 10.5, 100),
    (10.5, 10.6, 10.4, 10.5, 100),
    (10.5, 10.6, 10.4, 10.5, 100),
]  # fmt: skip


def _run(path: str, **params: object) -> BacktestResult:
    return run_backtest(
        frame_from_rows(ROWS),
        make_instrument(),
        "context_score",
        PARAMS | params,
        BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(10)),
        path=path,  # type: ignore[arg-type]
    )


def _summary(result: BacktestResult) -> list[tuple[int, D, int, D, str]]:
    """(entry candle, entry price, exit candle, exit price, reason) of each trade."""
    return [
        (
            (t.entry_time_ms - T0_MS) // MINUTE_MS,
            t.entry_price,
            (t.exit_time_ms - T0_MS) // MINUTE_MS,
            t.exit_price,
            t.exit_reason,
        )
        for t in result.trades
    ]


@pytest.mark.parametrize("path", PATHS)
def test_context_score_upward_cross_enters_and_score_below_exit_level_exits(path: str) -> None:
    # Candle 8 crosses 70 (16.7 -> 88.9): buy at candle 9's open. Candle 10 scores 28.1 < 40.
    assert _summary(_run(path)) == [(9, D("10.90"), 11, D("10.70"), "signal")]


@pytest.mark.parametrize("path", PATHS)
def test_context_score_holding_period_exits_after_max_hold_candles(path: str) -> None:
    # One candle after the cross (candle 9, score 58.5, above exit level 10): held one candle.
    trades = _summary(_run(path, exit_level=10, max_hold_candles=1))
    assert trades == [(9, D("10.90"), 10, D("11.00"), "signal")]


@pytest.mark.parametrize("path", PATHS)
def test_context_score_already_above_threshold_at_first_reading_is_no_cross(path: str) -> None:
    # Every score is at least 16.7 > 15: nothing was below the threshold before, no entry.
    assert len(_run(path, threshold=15, exit_level=0).trades) == 0


@pytest.mark.parametrize(
    "params",
    [{"exit_level": 80}, {"lookback": 4}, {"threshold": 101}, {"max_hold_candles": -1}],
)
def test_context_score_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run("event", **params)


# -- real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def btc_1h() -> CandleFrame:
    return read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)


def test_context_score_on_btc_1h_trades_with_finite_metrics(btc_1h: CandleFrame) -> None:
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    instrument = load_instrument("binance", "BTC/USDT")
    result = run_backtest(btc_1h, instrument, "context_score", {}, cfg, path="fast")
    assert len(result.trades) > 100
    assert_finite_metrics(result, cfg, btc_1h.timeframe_ms)


@pytest.mark.parametrize(
    ("params", "extra"),
    [
        ({}, {}),
        ({"max_hold_candles": 0}, {"stop_loss_pct": D("1.5"), "take_profit_pct": D(3)}),
        ({"max_hold_candles": 6, "threshold": 60}, {"stop_loss_pct": D(2)}),
    ],
    ids=["defaults", "no-time-exit-bracket", "short-hold-stop"],
)
def test_context_score_fast_and_event_paths_agree_on_btc_1h(
    btc_1h: CandleFrame, params: dict[str, object], extra: dict[str, object]
) -> None:
    # The first 12,000 candles (2017-2019) include exchange outages: order times must
    # survive the gaps too.
    frame = btc_1h.slice(0, 12_000)
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10), **extra)
    fast = assert_paths_agree(
        frame, load_instrument("binance", "BTC/USDT"), "context_score", params, cfg
    )
    assert len(fast.trades) > 20
