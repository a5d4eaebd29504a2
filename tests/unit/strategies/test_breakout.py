"""breakout: Donchian break with volume confirmation, shorter-channel exit, on both paths."""

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
PARAMS = {"entry_period": 3, "exit_period": 2, "volume_period": 3, "volume_factor": 1.5}
Row = tuple[float, float, float, float, float]  # open, high, low, close, volume
ROWS: list[Row] = [
    (10.0, 10.5, 9.5, 10.0, 100),
    (10.0, 10.5, 9.5, 10.0, 100),
    (10.0, 10.5, 9.5, 10.0, 100),
    (10.0, 10.8, 9.9, 10.6, 100),   # 3: above the channel (10.5) on average volume: no entry
    (10.6, 10.7, 10.4, 10.5, 100),
    (10.5, 11.2, 10.5, 11.1, 200),  # 5: above 10.8 (highs of 2..4) on 200 > 1.5 x 100: entry
    (11.1, 11.5, 11.0, 11.4, 100),  # 6: bought at the open, 11.10
    (11.4, 11.5, 11.2, 11.3, 100),
    (11.3, 11.3, 10.8, 10.9, 100),  # 8: below 11.0 (lows of 6..7): exit
    (10.9, 11.0, 10.7, 10.8, 100),  # 9: sold at the open, 10.90
]  # fmt: skip


def _run(path: str, rows: list[Row] = ROWS, **params: float) -> BacktestResult:
    return run_backtest(
        frame_from_rows(rows),
        make_instrument(),
        "breakout",
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
def test_breakout_volume_confirmed_break_enters_and_exit_channel_break_exits(path: str) -> None:
    assert _summary(_run(path)) == [(6, D("11.10"), 9, D("10.90"), "signal")]


@pytest.mark.parametrize("path", PATHS)
def test_breakout_without_volume_filter_enters_on_the_first_break(path: str) -> None:
    # Candle 3 breaks 10.5 and any volume passes: long from candle 4's open (10.60) until
    # candle 8 closes below 11.0, the lows of candles 6..7.
    assert _summary(_run(path, volume_factor=0)) == [(4, D("10.60"), 9, D("10.90"), "signal")]


@pytest.mark.parametrize("path", PATHS)
def test_breakout_close_at_the_channel_is_no_break(path: str) -> None:
    # Candle 5 closes exactly at the previous upper channel: the comparison is strict.
    rows = [*ROWS[:5], (10.5, 11.2, 10.5, 10.8, 200), *ROWS[6:]]
    assert len(_run(path, rows).trades) == 0


@pytest.mark.parametrize(
    "params",
    [{"exit_period": 3}, {"entry_period": 1}, {"volume_factor": -1}, {"volume_period": 0}],
)
def test_breakout_bad_parameters_raise_config_error(params: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        _run("event", ROWS, **params)


# -- real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def btc_1h() -> CandleFrame:
    return read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)


def test_breakout_on_btc_1h_trades_with_finite_metrics(btc_1h: CandleFrame) -> None:
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    instrument = load_instrument("binance", "BTC/USDT")
    result = run_backtest(btc_1h, instrument, "breakout", {}, cfg, path="fast")
    assert len(result.trades) > 100
    assert_finite_metrics(result, cfg, btc_1h.timeframe_ms)


@pytest.mark.parametrize(
    "extra", [{}, {"stop_loss_pct": D("1.5"), "take_profit_pct": D(3)}], ids=["signals", "bracket"]
)
def test_breakout_fast_and_event_paths_agree_on_btc_1h(
    btc_1h: CandleFrame, extra: dict[str, object]
) -> None:
    # The first 12,000 candles (2017-2019) include exchange outages: order times must
    # survive the gaps too.
    frame = btc_1h.slice(0, 12_000)
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10), **extra)
    fast = assert_paths_agree(frame, load_instrument("binance", "BTC/USDT"), "breakout", {}, cfg)
    assert len(fast.trades) > 20
