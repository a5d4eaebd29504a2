"""mean_reversion: Bollinger + RSI entries, middle-band and RSI exits, on both paths."""

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
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_closes, make_instrument
from xor_trading.testing.path_agreement import assert_finite_metrics, assert_paths_agree
from xor_trading.timeseries.candle_frame import CandleFrame

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
PATHS = ["fast", "event"]
# Bands over 5 closes at 1 deviation, RSI over 2 changes. Per candle (close: lower / middle,
# RSI): 6 (9.0: 9.431 / 9.88, 9.8), 7 (9.5: 9.314 / 9.78, 47.4), 8 (10.3: 9.314 / 9.80, 77.5),
# 10 (8.5: 8.810 / 9.50, 12.9), 11 (9.0: 8.810 / 9.50, 41.0), 12 (9.6: 8.829 / 9.52, 66.7).
CLOSES = [10, 10.2, 10, 10.2, 10, 10.2, 9.0, 9.5, 10.3, 10.2, 8.5, 9.0, 9.6, 10.4, 10.5]
PARAMS = {"bb_period": 5, "bb_deviations": 1.0, "rsi_period": 2, "oversold": 30, "overbought": 80}


def _run(path: str, **params: object) -> BacktestResult:
    return run_backtest(
        frame_from_closes(CLOSES),
        make_instrument(),
        "mean_reversion",
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
def test_mean_reversion_below_lower_band_and_oversold_exits_on_middle_cross(path: str) -> None:
    # Candle 6 closes below the lower band with RSI 9.8: buy at candle 7's open (9.00).
    # Candle 8 closes at 10.3 above the middle band (9.80) after 9.5 below it: sell at 9's open.
    # Candle 10 signals again (8.5, RSI 12.9); candle 12 crosses the middle band (9.6 > 9.52).
    assert _summary(_run(path)) == [
        (7, D("9.00"), 9, D("10.30"), "signal"),
        (11, D("8.50"), 13, D("9.60"), "signal"),
    ]


@pytest.mark.parametrize("path", PATHS)
def test_mean_reversion_rsi_above_overbought_exits_before_the_middle_band(path: str) -> None:
    # Candle 7: RSI 47.4 > 45 while the close (9.5) is still below the middle band (9.78).
    trades = _summary(_run(path, overbought=45))
    assert trades[0] == (7, D("9.00"), 8, D("9.50"), "signal")


@pytest.mark.parametrize("path", PATHS)
def test_mean_reversion_close_below_band_without_oversold_rsi_does_not_enter(path: str) -> None:
    # The lowest RSI at a close below the lower band is 9.8 (candle 6): oversold 5 never holds.
    assert len(_run(path, oversold=5).trades) == 0


@pytest.mark.parametrize(
    "params",
    [{"oversold": 70, "overbought": 30}, {"bb_period": 1}, {"bb_deviations": 0}, {"rsi": 3}],
)
def test_mean_reversion_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run("event", **params)


# -- real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def btc_1h() -> CandleFrame:
    return read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)


def test_mean_reversion_on_btc_1h_trades_with_finite_metrics(btc_1h: CandleFrame) -> None:
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    instrument = load_instrument("binance", "BTC/USDT")
    result = run_backtest(btc_1h, instrument, "mean_reversion", {}, cfg, path="fast")
    assert len(result.trades) > 100
    assert_finite_metrics(result, cfg, btc_1h.timeframe_ms)


@pytest.mark.parametrize(
    "extra", [{}, {"stop_loss_pct": D("1.5"), "take_profit_pct": D(3)}], ids=["signals", "bracket"]
)
def test_mean_reversion_fast_and_event_paths_agree_on_btc_1h(
    btc_1h: CandleFrame, extra: dict[str, object]
) -> None:
    # The first 12,000 candles (2017-2019) include exchange outages: order times must
    # survive the gaps too.
    frame = btc_1h.slice(0, 12_000)
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10), **extra)
    fast = assert_paths_agree(
        frame, load_instrument("binance", "BTC/USDT"), "mean_reversion", {}, cfg
    )
    assert len(fast.trades) > 20
