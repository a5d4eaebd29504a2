"""Agreement with a peer: our trades equal backtesting.py's, trade for trade.

The fixture was produced by ``bench/peers/backtesting_py_sma.py`` (backtesting.py 0.6, run
only in the benchmark environment) on the same real candles: SMA(10/30) cross, long only,
next-open fills, 1000 USDT per trade, 0.1 % fee, no slippage. Times, prices and quantities
must be equal exactly; PnL and fees to 2e-8: backtesting.py keeps float fees, we round
each of the two fills' fees up to the venue's 1e-8 quantum.
"""

from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.output_files import iso_utc
from xor_trading.backtest.runner import run_backtest
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.timeseries.candle_frame import CandleFrame

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "peers"
    / "backtesting_py_sma_cross_10_30_btc_usdt_1m.csv"
)


@pytest.mark.parametrize("path", ["fast", "event"])
def test_sma_cross_trades_equal_backtesting_py(btc_1m: CandleFrame, path: str) -> None:
    with FIXTURE.open(encoding="utf-8") as fh:
        peer = list(csv.DictReader(fh))
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10), slippage_bps=D(0))
    ours = run_backtest(
        btc_1m,
        load_instrument("binance", "BTC/USDT"),
        "sma_cross",
        {"fast": 10, "slow": 30},
        cfg,
        path=path,
    )  # type: ignore[arg-type]
    assert len(ours.trades) == len(peer) == 2565
    for i, (t, p) in enumerate(zip(ours.trades, peer, strict=True)):
        where = f"trade {i}"
        assert iso_utc(t.entry_time_ms) == p["entry_time"], where
        assert iso_utc(t.exit_time_ms) == p["exit_time"], where
        assert t.entry_price == D(p["entry_price"]), where
        assert t.exit_price == D(p["exit_price"]), where
        assert t.quantity == D(p["quantity"]), where
        assert float(t.pnl) == pytest.approx(float(p["pnl"]), abs=2e-8), where
        assert float(t.fees) == pytest.approx(float(p["commission"]), abs=2e-8), where
