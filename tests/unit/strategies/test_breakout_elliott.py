"""breakout_elliott on a hand-built A-B-C correction (see elliott_paths.py), and on 1h data.

The correction: the rise starts at 100, A runs 120 -> 108 (length 12), B ends at 116, C at
105, confirmed at candle 12. Stop one tick below C: 104.99. Target 105 + 1.0 x 12 = 117.
Tick 0.01, lot 0.001, stake 100, no fees.
"""

from __future__ import annotations

import math
from decimal import Decimal as D

import pytest
from elliott_paths import CORRECTION, HOUR_MS, Row

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_rows, make_instrument

BREAK_B: Row = (110.5, 116.5, 110.5, 116.3, 1000)  # 13: closes above B (116): entry
THROUGH_117: Row = (116.3, 117.5, 116, 117.2, 1000)  # 14: fills at 116.3, then through 117


def _run(rows: list[Row], **params: object) -> BacktestResult:
    config = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(0))
    params = {"threshold_pct": 5, **params}
    return run_backtest(frame_from_rows(rows), make_instrument(), "breakout_elliott", params,
                        config, path="event")  # fmt: skip


def _trades(result: BacktestResult) -> list[tuple[int, D, int, D, D, str]]:
    """(entry candle, entry price, exit candle, exit price, quantity, exit reason)."""
    return [
        (
            (t.entry_time_ms - T0_MS) // MINUTE_MS,
            t.entry_price,
            (t.exit_time_ms - T0_MS) // MINUTE_MS,
            t.exit_price,
            t.quantity,
            t.exit_reason,
        )
        for t in result.trades
    ]


def _orders(result: BacktestResult) -> list[tuple[str, D | None, str, str]]:
    return [(o.order_type, o.limit_price or o.stop_price, o.status, o.tag) for o in result.orders]


def test_breakout_elliott_break_above_wave_b_exits_at_the_target() -> None:
    result = _run([*CORRECTION, BREAK_B, THROUGH_117])
    # 100 / 116.3 -> 0.859; the target rests at 117 and fills as a maker in the same candle.
    assert _trades(result) == [(14, D("116.30"), 14, D("117.00"), D("0.859"), "take_profit")]
    assert _orders(result) == [
        ("market", None, "filled", "entry"),
        ("limit", D("117.00"), "filled", "take_profit"),
        ("stop_market", D("104.99"), "canceled", "stop_loss"),
    ]


def test_breakout_elliott_price_below_wave_c_hits_the_stop() -> None:
    falls: Row = (116.3, 116.5, 104, 104.5, 1000)  # 14: down through 105
    result = _run([*CORRECTION, BREAK_B, falls, (104.5, 105, 104, 104.8, 1000)])
    assert _trades(result) == [(14, D("116.30"), 14, D("104.99"), D("0.859"), "stop_loss")]
    assert _orders(result)[1:] == [
        ("limit", D("117.00"), "canceled", "take_profit"),
        ("stop_market", D("104.99"), "filled", "stop_loss"),
    ]


def test_breakout_elliott_target_ratio_1618() -> None:
    rows = [*CORRECTION, BREAK_B, THROUGH_117, (117.2, 125, 117, 124.8, 1000)]
    result = _run(rows, target_ratio=1.618)
    # 105 + 1.618 x 12 = 124.416 -> 124.42 (a sell target rounds up).
    assert _trades(result) == [(14, D("116.30"), 15, D("124.42"), D("0.859"), "take_profit")]


def test_breakout_elliott_donchian_breakout_before_wave_b() -> None:
    # Candle 13 closes at 115.7: above the 5-candle Donchian high of candles 8-12 (115.5),
    # below B (116). Only the Donchian variant buys.
    rows = [*CORRECTION, (110.5, 115.8, 110.5, 115.7, 1000), (115.7, 117.5, 115.5, 117.2, 1000)]
    result = _run(rows, breakout="donchian", donchian_period=5)
    assert _trades(result) == [(14, D("115.70"), 14, D("117.00"), D("0.864"), "take_profit")]
    assert _run(rows).trades == []


def test_breakout_elliott_needs_confidence() -> None:
    # B / A = 0.667 fits 1.0, C / A = 0.917 fits 0.94: confidence 0.97.
    assert _run([*CORRECTION, BREAK_B, THROUGH_117], min_confidence=0.98).trades == []


def test_breakout_elliott_needs_a_higher_low_up_trend_context() -> None:
    # The same correction with C at 101 (above the 100 the rise started from) trades; with C
    # at 99 (below it) there is no up trend to resume. Target 2 x A from C, above the break.
    def correction_to(c: float) -> list[Row]:
        confirm = round(c * 1.05, 2) + 0.1
        return [
            *CORRECTION[:10],
            (111, 111, c + 3, c + 4, 1000),  # 10
            (c + 4, c + 5, c, c + 1, 1000),  # 11: end of C
            (c + 1, confirm, c + 1, confirm - 0.5, 1000),  # 12: confirms C
            (confirm - 0.5, 116.5, confirm - 0.5, 116.3, 1000),  # 13: above B (116)
            (116.3, 117.5, 116, 117.2, 1000),  # 14
        ]

    higher_low = _run(correction_to(101), target_ratio=2)
    # Stop below 101, target 101 + 24 = 125 (not reached: closed at the end of the data).
    assert _trades(higher_low) == [(14, D("116.30"), 15, D("117.20"), D("0.859"), "end_of_data")]
    assert [o[1] for o in _orders(higher_low)[1:3]] == [D("125.00"), D("100.99")]
    assert _run(correction_to(99), target_ratio=2).trades == []


def test_breakout_elliott_no_entry_when_the_target_is_already_reached() -> None:
    # With a 0.5 ratio the target is 105 + 6 = 111, below the breakout close of 116.3.
    assert _run([*CORRECTION, BREAK_B, THROUGH_117], target_ratio=0.5).trades == []


@pytest.mark.parametrize(
    "params",
    [
        {"target_ratio": 0},
        {"target_ratio": 10},
        {"donchian_period": 0},
        {"breakout": "channel"},
        {"min_confidence": -0.1},
        {"threshold_pct": 100},
    ],
)
def test_breakout_elliott_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run(CORRECTION, **params)


@pytest.mark.parametrize(("market", "breakout"), [("BTC-USDT", "wave_b"), ("ETH-USDT", "donchian")])
def test_breakout_elliott_real_1h_data_trades_with_finite_metrics(
    market: str, breakout: str
) -> None:
    frame = read_candle_parquet(SAMPLES_DIR / "binance" / market / "1h.parquet", HOUR_MS)
    frame = frame.slice(0, 20_000)
    instrument = load_instrument("binance", market.replace("-", "/"))
    config = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    result = run_backtest(frame, instrument, "breakout_elliott", {"breakout": breakout}, config,
                          path="event")  # fmt: skip
    assert len(result.trades) > 10
    assert {"stop_loss", "take_profit"} <= {t.exit_reason for t in result.trades}
    metrics = compute_metrics(result.trades, result.curve, D(10_000), HOUR_MS).to_dict()
    for key, value in metrics.items():
        assert not isinstance(value, float) or math.isfinite(value), key
    assert metrics["sharpe"] is not None
