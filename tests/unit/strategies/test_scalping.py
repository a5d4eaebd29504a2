"""scalping: pullback entries filtered by candle range vs costs, own target, stop and time stop."""

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
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_rows, make_instrument

SAMPLES = Path(__file__).resolve().parents[3] / "src" / "xor_trading" / "data" / "samples"
PARAMS = {"fast": 2, "slow": 4, "cost_bps": 10, "min_range_multiple": 1,
          "take_profit_bps": 100, "stop_loss_bps": 50, "max_hold_candles": 3}  # fmt: skip
# EMA(2) / EMA(4) at candle 4: 102.3 / 101.78. Candle 4 closes at 102.2 between them (a
# pullback in an up trend), range 1.2 = 117 bps > 1 x 10 bps: buy at candle 5's open, 102.20.
# Target 102.2 x 1.01 = 103.222 -> 103.23 (up); stop 102.2 x 0.995 = 101.689 -> 101.68 (down).
Row = tuple[float, float, float, float, float]  # open, high, low, close, volume
SETUP: list[Row] = [
    (99.5, 100.5, 99.5, 100.0, 1000),
    (100.0, 101.2, 99.9, 101.0, 1000),
    (101.0, 102.2, 100.9, 102.0, 1000),
    (102.0, 103.2, 101.9, 103.0, 1000),
    (103.0, 103.2, 102.0, 102.2, 1000),
]  # fmt: skip
QUIET: list[Row] = [  # inside the target and the stop
    (102.2, 102.6, 102.0, 102.4, 1000),
    (102.4, 102.6, 102.0, 102.3, 1000),
    (102.3, 102.6, 102.1, 102.5, 1000),
    (102.5, 102.7, 102.2, 102.6, 1000),
]  # fmt: skip


def _run(rows: list[Row], **params: object) -> BacktestResult:
    return run_backtest(
        frame_from_rows(rows),
        make_instrument(),
        "scalping",
        PARAMS | params,
        BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(5)),
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


def test_scalping_take_profit_fills_in_the_entry_candle_and_cancels_the_stop() -> None:
    # Candle 5 rises through 103.23 after the entry filled at its open.
    result = _run([*SETUP, (102.2, 103.5, 102.1, 103.3, 1000)])
    assert _summary(result) == [(5, D("102.20"), 5, D("103.23"), "take_profit")]
    orders = [(o.order_type, o.tag, o.status, o.limit_price, o.stop_price) for o in result.orders]
    assert orders == [
        ("market", "entry", "filled", None, None),
        ("limit", "take_profit", "filled", D("103.23"), None),
        ("stop_market", "stop_loss", "canceled", None, D("101.68")),
    ]
    (trade,) = result.trades
    # 0.978 lots (stake 100 / 102.2, down to the lot); 5 bps of 99.9516 in, of 100.95894 out.
    assert trade.quantity == D("0.978")
    assert trade.fees == D("0.0499758") + D("0.05047947")


def test_scalping_stop_fills_at_its_price_when_touched() -> None:
    result = _run([*SETUP, (102.2, 102.3, 101.5, 101.6, 1000)])
    assert _summary(result) == [(5, D("102.20"), 5, D("101.68"), "stop_loss")]
    assert [o.status for o in result.orders if o.tag == "take_profit"] == ["canceled"]


def test_scalping_time_stop_sells_at_market_after_max_hold_candles() -> None:
    # Held through the closes of candles 5, 6 and 7: sold at candle 8's open, 102.50.
    result = _run([*SETUP, *QUIET])
    assert _summary(result)[0] == (5, D("102.20"), 8, D("102.50"), "time_stop")
    statuses = {(o.tag, o.status) for o in result.orders if o.tag in ("take_profit", "stop_loss")}
    assert statuses == {("take_profit", "canceled"), ("stop_loss", "canceled")}


def test_scalping_narrow_candle_does_not_enter() -> None:
    # Candle 4 ranges 117 bps: not more than 12 x 10 bps.
    assert len(_run([*SETUP, *QUIET], min_range_multiple=12).trades) == 0


def test_scalping_ignores_the_run_bracket() -> None:
    cfg = BacktestConfig.build(capital=D(1000), stake=D(100), stop_loss_pct=D(1))
    frame = frame_from_rows([*SETUP, *QUIET])
    result = run_backtest(frame, make_instrument(), "scalping", PARAMS, cfg, path="event")
    assert {o.tag for o in result.orders} == {"entry", "take_profit", "stop_loss", "time_stop"}


@pytest.mark.parametrize(
    "params",
    [{"fast": 4, "slow": 2}, {"take_profit_bps": 10}, {"stop_loss_bps": 0}, {"cost_bps": -1}],
)
def test_scalping_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run(SETUP, **params)


def test_scalping_on_btc_1m_trades_with_finite_metrics() -> None:
    frame = read_candle_parquet(SAMPLES / "binance" / "BTC-USDT" / "1m.parquet", 60_000)
    frame = frame.slice(0, 60_000)
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    instrument = load_instrument("binance", "BTC/USDT")
    result = run_backtest(frame, instrument, "scalping", {}, cfg, path="event")
    assert len(result.trades) > 10
    assert {"take_profit", "stop_loss"} <= {t.exit_reason for t in result.trades}
    metrics = compute_metrics(result.trades, result.curve, cfg.capital, frame.timeframe_ms)
    for value in (metrics.total_return_pct, metrics.max_drawdown_pct, metrics.sharpe,
                  metrics.cagr_pct, metrics.win_rate_pct, metrics.profit_factor):  # fmt: skip
        assert value is not None
        assert np.isfinite(value)
