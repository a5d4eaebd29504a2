"""The differential test: the fast path and the event path give identical trades on real data.

Identical means every field of every trade (times, prices, quantities, fees, PnL, exit
reason), the same orders report, and the same equity curve to the bit.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.testing.path_agreement import assert_paths_agree
from xor_trading.timeseries.candle_frame import CandleFrame

NO_EXITS: dict[str, object] = {}
TIGHT = {"stop_loss_pct": D("0.3"), "take_profit_pct": D("0.5")}
WIDE = {"stop_loss_pct": D(2), "take_profit_pct": D(4)}
STOP_ONLY = {"stop_loss_pct": D("0.15")}
TARGET_ONLY = {"take_profit_pct": D("0.2"), "maker_fee_bps": D(2)}
COSTLY = {
    "slippage_bps": D(5),
    "spread_bps": D(2),
    "stop_loss_pct": D("0.5"),
    "take_profit_pct": D(1),
}

CASES = [
    ("sma_cross", {"fast": 10, "slow": 30}, NO_EXITS),
    ("sma_cross", {"fast": 10, "slow": 30}, TIGHT),
    ("sma_cross", {"fast": 5, "slow": 20}, STOP_ONLY),
    ("sma_cross", {"fast": 20, "slow": 60}, TARGET_ONLY),
    ("sma_cross", {"fast": 8, "slow": 21}, COSTLY),
    ("sma_cross", {"fast": 50, "slow": 200}, WIDE),
    ("test_channel_breakout", {"entry_window": 20, "exit_window": 10}, NO_EXITS),
    ("test_channel_breakout", {"entry_window": 60, "exit_window": 30}, TIGHT),
    ("test_channel_breakout", {"entry_window": 15, "exit_window": 15}, COSTLY),
]


def _assert_same(
    frame: CandleFrame, strategy: str, params: dict[str, int], extra: dict[str, object], symbol: str
) -> int:
    cfg = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10), **extra)
    fast = assert_paths_agree(frame, load_instrument("binance", symbol), strategy, params, cfg)
    return len(fast.trades)


@pytest.mark.parametrize(("strategy", "params", "extra"), CASES)
def test_fast_and_event_paths_agree_on_btc_1m(
    btc_1m: CandleFrame, strategy: str, params: dict[str, int], extra: dict[str, object]
) -> None:
    trades = _assert_same(btc_1m.slice(0, 30_000), strategy, params, extra, "BTC/USDT")
    assert trades > 10  # the case exercises the engine, it is not vacuous


def test_fast_and_event_paths_agree_on_eth_1m_with_exits(eth_1m: CandleFrame) -> None:
    assert _assert_same(eth_1m, "sma_cross", {"fast": 10, "slow": 30}, TIGHT, "ETH/USDT") > 100


@pytest.mark.slow
def test_fast_and_event_paths_agree_on_the_whole_btc_sample(btc_1m: CandleFrame) -> None:
    assert _assert_same(btc_1m, "sma_cross", {"fast": 10, "slow": 30}, WIDE, "BTC/USDT") == 2565


def test_exit_reasons_are_all_exercised(btc_1m: CandleFrame) -> None:
    cfg = BacktestConfig.build(**TIGHT)
    result = run_backtest(
        btc_1m.slice(0, 30_000),
        load_instrument("binance", "BTC/USDT"),
        "sma_cross",
        {"fast": 10, "slow": 30},
        cfg,
        path="fast",
    )
    reasons = {t.exit_reason for t in result.trades}
    assert {"signal", "stop_loss", "take_profit"} <= reasons


def test_fast_and_event_paths_agree_on_seven_years_of_btc_1h_with_gaps(
    btc_1h: CandleFrame,
) -> None:
    assert _assert_same(btc_1h, "sma_cross", {"fast": 10, "slow": 30}, WIDE, "BTC/USDT") > 500
