"""trend_following: EMA trend with an ADX filter, trailing ATR stop and trend-flip exits."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_closes, make_instrument

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
PARAMS = {"fast": 2, "slow": 4, "adx_period": 2, "adx_threshold": 40, "atr_period": 2,
          "atr_multiple": 1.0}  # fmt: skip
# EMA(2) > EMA(4) from candle 5 to 19 and from 25 on. ADX(2): 50 at 5, 99.2 at 11, 45.3 at
# 15, 62.6 at 25. ATR(2): 2.280 at 14, 2.493 at 19. Highest closes: 18 (13), 20 (18).
CLOSES = [10, 10, 10, 10, 10, 11, 12, 13, 14, 15, 16, 15.5, 17, 18, 16.5, 17, 18, 19, 20,
          18, 17, 16, 15, 14, 15, 16, 17, 18, 19]  # fmt: skip


def _run(**params: object) -> BacktestResult:
    return run_backtest(
        frame_from_closes(CLOSES),
        make_instrument(),
        "trend_following",
        PARAMS | params,
        BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(10)),
        path="event",
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


def test_trend_following_enters_on_trend_with_adx_and_exits_on_trend_flip() -> None:
    # Candle 5: EMA up and ADX 50 >= 40, bought at 6's open. The stop (highest close minus
    # 1 ATR) is never hit: 19 closes at 18 > 20 - 2.493. Candle 20 flips the trend: sold at
    # 21's open. Candle 25 starts a new trend; the data ends while long (last close 19).
    assert _summary(_run()) == [
        (6, D("11.00"), 21, D("17.00"), "signal"),
        (26, D("16.00"), 29, D("19.00"), "end_of_data"),
    ]


def test_trend_following_trailing_atr_stop_exits_and_waits_for_a_new_cross() -> None:
    # Half an ATR: candle 14 closes at 16.5 < 18 - 0.5 x 2.280 = 16.86, sold at 15's open.
    # The trend (and ADX 45.3 at 15) still holds, but a new entry waits for the fast EMA to
    # fall to the slow one (candle 20) and cross up again (candle 25).
    assert _summary(_run(atr_multiple=0.5)) == [
        (6, D("11.00"), 15, D("16.50"), "signal"),
        (26, D("16.00"), 29, D("19.00"), "end_of_data"),
    ]


def test_trend_following_adx_below_threshold_delays_the_entry() -> None:
    # ADX first reaches 99 at candle 11 (99.22); after the flip it never does again.
    assert _summary(_run(adx_threshold=99)) == [(12, D("15.50"), 21, D("17.00"), "signal")]


def test_trend_following_has_no_fast_path() -> None:
    cfg = BacktestConfig.build(capital=D(1000), stake=D(100))
    frame, instrument = frame_from_closes(CLOSES), make_instrument()
    assert run_backtest(frame, instrument, "trend_following", PARAMS, cfg).path == "event"
    with pytest.raises(ConfigError, match="no vectorised signals"):
        run_backtest(frame, instrument, "trend_following", PARAMS, cfg, path="fast")


@pytest.mark.parametrize(
    "params",
    [{"fast": 4, "slow": 4}, {"adx_threshold": 101}, {"atr_multiple": 0}, {"adx_period": 1}],
)
def test_trend_following_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run(**params)


def test_trend_following_on_btc_1h_trades_with_finite_metrics() -> None:
    frame = read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1h.parquet", 3_600_000)
    frame = frame.slice(len(frame) - 20_000, len(frame))
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    instrument = load_instrument("binance", "BTC/USDT")
    result = run_backtest(frame, instrument, "trend_following", {}, cfg, path="event")
    assert len(result.trades) > 50
    metrics = compute_metrics(result.trades, result.curve, cfg.capital, frame.timeframe_ms)
    for value in (metrics.total_return_pct, metrics.max_drawdown_pct, metrics.sharpe,
                  metrics.cagr_pct, metrics.win_rate_pct, metrics.profit_factor):  # fmt: skip
        assert value is not None
        assert np.isfinite(value)
