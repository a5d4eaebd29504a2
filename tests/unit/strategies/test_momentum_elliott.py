"""momentum_elliott on hand-built candles (ZigZag 5 %) with known counts and RSI, and on 1h data.

Every test states the RSI values it relies on and checks them with the indicator itself, so
a reader can follow each decision. Candles are 1 minute, tick 0.01, lot 0.001, stake 100,
no fees. The impulse is elliott_paths.IMPULSE (p0 100, p1 120, p2 108, p3 146, p4 132;
wave 4 confirmed at candle 11; wave-5 target 132 + 20 = 152).
"""

from __future__ import annotations

import math
from decimal import Decimal as D

import pytest
from elliott_paths import HOUR_MS, IMPULSE, Row

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.indicators.macd import macd
from xor_trading.indicators.rsi import rsi
from xor_trading.testing.factories import (
    MINUTE_MS,
    T0_MS,
    frame_from_closes,
    frame_from_rows,
    make_instrument,
)

# A down correction after a rise, each leg confirmed by a 5 % reversal: low 99.6 (the rise
# starts, candle 0), A from 120 (7) to 108 (10), B to 116 (12), C to 105 (16), confirmed at
# candle 17. Six calm candles first so that RSI(3) is not just its seed.
LEAD: list[Row] = [(100, 100.6, 99.6, 100.4, 1000), (100.4, 100.6, 99.6, 99.8, 1000)] * 3
CORRECTION: list[Row] = [
    *LEAD,
    (99.8, 106, 99.8, 105, 1000),  # 6: confirms the low 99.6
    (105, 120, 104, 119, 1000),  # 7: 120
    (119, 119.5, 113, 113.5, 1000),  # 8: confirms 120
    (113.5, 113.5, 110, 110.2, 1000),  # 9
    (110.2, 110.2, 108, 108.1, 1000),  # 10: end of A, 108
    (108.1, 114, 108.1, 113.5, 1000),  # 11: confirms A
    (113.5, 116, 113, 115.5, 1000),  # 12: end of B, 116
    (115.5, 115.5, 110, 110.5, 1000),  # 13: confirms B
    (110.5, 111.5, 108, 111, 1000),  # 14
    (111, 111, 106, 107, 1000),  # 15
    (107, 109.5, 105, 109.2, 1000),  # 16: end of C, 105 (closes well off the low)
    (109.2, 111, 108.9, 110.8, 1000),  # 17: confirms C: after wave C complete
    (110.8, 112, 110, 111.5, 1000),  # 18
    (111.5, 112, 108, 108.5, 1000),  # 19
]
# The same, but C's candle closes near its low (108.3): RSI at C is lower than at A.
NO_DIVERGENCE = [*CORRECTION[:16], (107, 108.5, 105, 108.3, 1000),
                 (108.3, 111, 108, 110.8, 1000), *CORRECTION[18:]]  # fmt: skip


def _run(rows: list[Row], **params: object) -> BacktestResult:
    config = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(0))
    params = {"threshold_pct": 5, "rsi_period": 3, **params}
    return run_backtest(frame_from_rows(rows), make_instrument(), "momentum_elliott", params,
                        config, path="event")  # fmt: skip


def _trades(result: BacktestResult) -> list[tuple[int, D, int, D, str]]:
    """(entry candle, entry price, exit candle, exit price, exit reason)."""
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


def _rsi(rows: list[Row], period: int) -> list[float]:
    return [round(float(v), 2) for v in rsi(frame_from_rows(rows).close, period)]


def test_momentum_elliott_abc_with_bullish_divergence_allows_the_entry() -> None:
    r = _rsi(CORRECTION, 3)
    # Regular bullish divergence: C (105) is below A (108) but RSI at C is above RSI at A.
    assert (r[10], r[16]) == (43.29, 45.64)
    # RSI crosses up through 52 at candle 17 (45.64 -> 57.35), when A-B-C is complete.
    assert (r[16], r[17]) == (45.64, 57.35)
    result = _run(CORRECTION, rsi_entry=52)
    # Earlier crosses happen while the count has no A-C pair to compare (no filter); each
    # ends when RSI crosses down through 45. The last entry is at 17's close; the data
    # ends with it open (its momentum exit at 19's close has no next open to fill at), so
    # it is closed at the last close.
    assert _trades(result) == [
        (5, D("100.40"), 6, D("99.80"), "signal"),
        (7, D("105.00"), 11, D("108.10"), "signal"),
        (12, D("113.50"), 14, D("110.50"), "signal"),
        (18, D("110.80"), 20, D("108.50"), "end_of_data"),
    ]


def test_momentum_elliott_abc_without_divergence_blocks_the_entry() -> None:
    r = _rsi(NO_DIVERGENCE, 3)
    assert r[16] < r[10]  # RSI at C (39.4) below RSI at A (43.29): no divergence
    assert r[16] <= 52 < r[17]  # the same cross up through 52 at candle 17
    blocked = _run(NO_DIVERGENCE, rsi_entry=52)
    assert [t[0] for t in _trades(blocked)] == [5, 7, 12]
    free = _run(NO_DIVERGENCE, rsi_entry=52, require_divergence=False)
    assert [t[0] for t in _trades(free)] == [5, 7, 12, 18]


def test_momentum_elliott_wave5_entry_exits_at_the_wave5_target() -> None:
    r = _rsi(IMPULSE, 3)
    # Hidden bullish divergence in wave 5: RSI at the end of wave 4 (candle 10) is below RSI
    # at the end of wave 2 (candle 4). First cross up through 58: candle 11 (56.05 -> 62.79).
    assert (r[4], r[10], r[11]) == (60.06, 56.05, 62.79)
    assert all(v > 58 for v in r[3:10])
    result = _run(IMPULSE, rsi_entry=58, rsi_exit=57)
    # Bought at 12's open (136); the 152 target fills as a maker on candle 13.
    assert _trades(result) == [(12, D("136.00"), 13, D("152.00"), "take_profit")]
    assert [(o.order_type, o.limit_price, o.status) for o in result.orders] == [
        ("market", None, "filled"),
        ("limit", D("152.00"), "filled"),
    ]


def test_momentum_elliott_wave5_without_hidden_divergence_blocks_the_entry() -> None:
    rows = [(100, 104.5, 100, 104.2, 1000), (104.2, 106, 103, 104, 1000), *IMPULSE[2:]]
    r = _rsi(rows, 3)
    assert (r[4], r[10], r[11]) == (54.15, 55.63, 62.48)  # RSI at 4's end above 2's
    # RSI crosses up through 58 at candle 5 (no count to filter): bought at 6's open; it
    # crosses down through 57 at candle 10 (73.52 -> 55.63): sold at 11's open. The cross
    # up at candle 11, in wave 5, is then blocked.
    result = _run(rows, rsi_entry=58, rsi_exit=57)
    assert _trades(result) == [(6, D("112.00"), 11, D("133.00"), "signal")]
    free = _run(rows, rsi_entry=58, rsi_exit=57, require_divergence=False)
    assert _trades(free)[1] == (12, D("136.00"), 13, D("152.00"), "take_profit")


def test_momentum_elliott_no_entry_in_wave5_when_rsi_is_overbought() -> None:
    r = _rsi(IMPULSE, 5)
    # RSI(5) stays above 65 until the end of wave 4 (64.74), then crosses up at candle 11
    # (67.69), in wave 5. RSI(5) has no value at the end of wave 2: no divergence to check.
    assert math.isnan(r[4])
    assert all(v > 65 for v in r[5:10])
    assert (r[10], r[11]) == (64.74, 67.69)
    allowed = _run(IMPULSE, rsi_period=5, rsi_entry=65, rsi_exit=40)
    assert _trades(allowed) == [(12, D("136.00"), 13, D("152.00"), "take_profit")]
    assert _run(IMPULSE, rsi_period=5, rsi_entry=65, rsi_exit=40, rsi_overbought=67).trades == []


def test_momentum_elliott_macd_cross_entry_and_momentum_loss_exit() -> None:
    closes = [10, 10.2, 10, 10.2, 10, 9.5, 9, 8.5, 9, 9.6, 10.2, 10.8, 10.6, 10.2, 9.6, 9.2]
    frame = frame_from_closes(closes, wick=0.1)
    lines = macd(frame.close, 2, 4, 2)
    # MACD crosses above its signal at candle 8 and below it at candle 12.
    above = (lines.macd > lines.signal).tolist()
    assert above[7:13] == [False, True, True, True, True, False]
    params = {"threshold_pct": 40, "trigger": "macd", "macd_fast": 2, "macd_slow": 4,
              "macd_signal": 2}  # fmt: skip
    config = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(0))
    result = run_backtest(frame, make_instrument(), "momentum_elliott", params, config,
                          path="event")  # fmt: skip
    # Each candle opens at the previous close: bought at 9.00, sold at 10.60.
    assert _trades(result) == [(9, D("9.00"), 13, D("10.60"), "signal")]
    assert result.trades[0].quantity == D("11.111")


@pytest.mark.parametrize(
    "params",
    [
        {"macd_fast": 26, "macd_slow": 12},
        {"macd_fast": 12, "macd_slow": 12},
        {"rsi_period": 1},
        {"rsi_entry": 100},
        {"rsi_exit": 0},
        {"trigger": "stochastic"},
        {"threshold_pct": -1},
    ],
)
def test_momentum_elliott_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run(IMPULSE, **params)


@pytest.mark.parametrize(("market", "trigger"), [("BTC-USDT", "rsi"), ("ETH-USDT", "macd")])
def test_momentum_elliott_real_1h_data_trades_with_finite_metrics(
    market: str, trigger: str
) -> None:
    frame = read_candle_parquet(SAMPLES_DIR / "binance" / market / "1h.parquet", HOUR_MS)
    frame = frame.slice(0, 15_000)
    instrument = load_instrument("binance", market.replace("-", "/"))
    config = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    result = run_backtest(frame, instrument, "momentum_elliott", {"trigger": trigger}, config,
                          path="event")  # fmt: skip
    assert len(result.trades) > 50
    assert {"signal", "take_profit"} <= {t.exit_reason for t in result.trades}
    metrics = compute_metrics(result.trades, result.curve, D(10_000), HOUR_MS).to_dict()
    for key, value in metrics.items():
        assert not isinstance(value, float) or math.isfinite(value), key
    assert metrics["sharpe"] is not None
