"""elliott_wave on hand-built candles with a known count (see elliott_paths.py), and on 1h data.

Tick 0.01, lot 0.001, stake 100, no fees: exact trades.
"""

from __future__ import annotations

import math
from decimal import Decimal as D

import pytest
from elliott_paths import HOUR_MS, IMPULSE, SHORT_WAVE3, WAVES_1_2, WAVES_3_4, Row

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.errors import ConfigError
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_rows, make_instrument


def _run(rows: list[Row], **params: object) -> BacktestResult:
    config = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(0))
    params = {"threshold_pct": 5, **params}
    return run_backtest(frame_from_rows(rows), make_instrument(), "elliott_wave", params, config,
                        path="event")  # fmt: skip


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


def _orders(result: BacktestResult) -> list[tuple[str, str, D, D | None, str, str]]:
    return [
        (o.side, o.order_type, o.quantity, o.limit_price or o.stop_price, o.status, o.tag)
        for o in result.orders
    ]


def test_elliott_wave_wave2_entry_stopped_below_the_start_of_wave1() -> None:
    # Candle 7 falls through 100 (p0, the invalidation): the stop one tick below fills.
    result = _run([*WAVES_1_2, (111, 111, 99, 99.5, 1000), (99.5, 100, 99, 99.8, 1000)])
    # 100 / 112 -> 0.892 lots of 0.001.
    assert _trades(result) == [(6, D("112.00"), 7, D("99.99"), D("0.892"), "stop_loss")]
    assert _orders(result) == [
        ("buy", "market", D("0.892"), None, "filled", "entry"),
        ("sell", "stop_market", D("0.892"), D("99.99"), "filled", "stop_loss"),
    ]
    assert result.trades[0].pnl == (D("99.99") - D("112.00")) * D("0.892")


def test_elliott_wave_wave3_failing_below_wave1_exits_at_market() -> None:
    # Candle 7 confirms a high at 113.5 (low 107 <= 107.825): "wave 3" ends below wave 1's
    # end (120), which breaks the impulse; no live count extends the trade's: sell at 8's open.
    result = _run([*WAVES_1_2, (111, 111.5, 107, 107.5, 1000), (107.5, 108, 106, 107, 1000)])
    assert _trades(result) == [(6, D("112.00"), 8, D("107.50"), D("0.892"), "signal")]
    assert _orders(result)[1:] == [
        ("sell", "stop_market", D("0.892"), D("99.99"), "canceled", "stop_loss"),
        ("sell", "market", D("0.892"), None, "filled", "signal"),
    ]


def test_elliott_wave_wave2_entry_follows_the_count_to_the_wave5_target() -> None:
    result = _run(IMPULSE)
    assert _trades(result) == [(6, D("112.00"), 13, D("152.00"), D("0.892"), "take_profit")]
    # The stop moves from below p0 to below p1 when wave 3 is confirmed (candle 9); the
    # target is placed when wave 4 is (candle 11), and fills as a maker on candle 13.
    assert _orders(result) == [
        ("buy", "market", D("0.892"), None, "filled", "entry"),
        ("sell", "stop_market", D("0.892"), D("99.99"), "canceled", "stop_loss"),
        ("sell", "stop_market", D("0.892"), D("119.99"), "canceled", "stop_loss"),
        ("sell", "limit", D("0.892"), D("152.00"), "filled", "take_profit"),
    ]
    assert result.trades[0].pnl == D("40.00") * D("0.892")


def test_elliott_wave_wave4_entry_exits_at_the_wave5_target() -> None:
    result = _run(IMPULSE, wave3_entries=False)
    # Entry at candle 11's close (136): 100 / 136 -> 0.735; fills at 12's open.
    assert _trades(result) == [(12, D("136.00"), 13, D("152.00"), D("0.735"), "take_profit")]
    assert _orders(result)[1:] == [
        ("sell", "limit", D("0.735"), D("152.00"), "filled", "take_profit"),
        ("sell", "stop_market", D("0.735"), D("119.99"), "canceled", "stop_loss"),
    ]


def test_elliott_wave_farthest_target_is_selectable() -> None:
    result = _run(IMPULSE, wave3_entries=False, wave5_target="farthest")
    # 132 + 0.618 x 46 = 160.428 -> 160.43 (a sell target rounds up); never reached.
    assert _orders(result)[1][3] == D("160.43")
    assert _trades(result) == [(12, D("136.00"), 15, D("149.50"), D("0.735"), "end_of_data")]


def test_elliott_wave_completed_wave5_exits_at_market() -> None:
    rows = [
        *WAVES_1_2[:5],
        (109, 113.5, 108.5, 113.2, 1000),  # 5: confirms p2, but 113.2 is above the zone
        (113, 113.4, 112.5, 113, 1000),  # 6: still above it: no wave-2 entry
        *WAVES_3_4,  # 11: the wave-4 entry
        (139, 150, 138, 149, 1000),  # 13: p5 = 150, short of the 152 target
        (149, 149.5, 142, 142.5, 1000),  # 14: confirms p5 (142 <= 142.5): impulse complete
        (142.5, 143, 141, 142, 1000),  # 15: sold at the open
    ]
    result = _run(rows)
    assert _trades(result) == [(12, D("136.00"), 15, D("142.50"), D("0.735"), "signal")]
    assert [o[4:] for o in _orders(result)] == [
        ("filled", "entry"),
        ("canceled", "take_profit"),
        ("canceled", "stop_loss"),
        ("filled", "signal"),
    ]


def test_elliott_wave_wave5_longer_than_a_short_wave3_exits_at_market() -> None:
    # p0 100, p1 130, p2 115, p3 140, p4 132.9: wave 3 (25) is shorter than wave 1 (30), so
    # wave 5 may not pass 132.9 + 25 = 157.9. Candle 11's high 159 breaks the count.
    result = _run(SHORT_WAVE3, wave3_entries=False, wave5_target="farthest")
    assert _trades(result) == [(9, D("134.00"), 12, D("158.50"), D("0.746"), "signal")]
    # The farthest target, 132.9 + 30 = 162.9, was never reached.
    assert _orders(result)[1][3] == D("162.90")


def test_elliott_wave_partial_entry_fills_resize_the_stop() -> None:
    # At most half of a candle's volume fills: 0.5 of 0.892 at candle 6 (volume 1), the rest
    # at candle 7's open (111), after which the stop covers the whole 0.892.
    rows = [*WAVES_1_2[:6], (112, 113, 110, 111, 1.0), (111, 111, 99, 99.5, 1000),
            (99.5, 100, 99, 99.8, 1000)]  # fmt: skip
    config = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(0),
                                  max_volume_participation=D("0.5"))  # fmt: skip
    result = run_backtest(frame_from_rows(rows), make_instrument(), "elliott_wave",
                          {"threshold_pct": 5}, config, path="event")  # fmt: skip
    (trade,) = result.trades
    assert trade.entry_price == D("111.560538")  # (0.5 x 112 + 0.392 x 111) / 0.892
    assert (trade.exit_price, trade.quantity, trade.exit_reason) == (
        D("99.99"),
        D("0.892"),
        "stop_loss",
    )
    assert _orders(result)[1:] == [
        ("sell", "stop_market", D("0.500"), D("99.99"), "canceled", "stop_loss"),
        ("sell", "stop_market", D("0.892"), D("99.99"), "filled", "stop_loss"),
    ]


def test_elliott_wave_partial_target_fill_resizes_the_stop_to_the_rest() -> None:
    # Candle 13 has a volume of 1: the target sells 0.5 of 0.735 at 152; the stop is
    # re-placed for the 0.235 left, and the rest of the target fills on candle 15.
    rows = [*IMPULSE[:13], (139, 153, 138, 150, 1.0), (150, 150, 149, 149.5, 1000),
            (149.5, 153, 149, 152.5, 1000)]  # fmt: skip
    config = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(0),
                                  max_volume_participation=D("0.5"))  # fmt: skip
    result = run_backtest(frame_from_rows(rows), make_instrument(), "elliott_wave",
                          {"threshold_pct": 5, "wave3_entries": False}, config,
                          path="event")  # fmt: skip
    assert _trades(result) == [(12, D("136.00"), 15, D("152.00"), D("0.735"), "take_profit")]
    assert [(o.order_type, o.quantity, o.filled_qty, o.status) for o in result.orders] == [
        ("market", D("0.735"), D("0.735"), "filled"),
        ("limit", D("0.735"), D("0.735"), "filled"),
        ("stop_market", D("0.735"), D("0"), "canceled"),
        ("stop_market", D("0.235"), D("0"), "canceled"),
    ]


def test_elliott_wave_run_bracket_fills_first_and_cancels_the_strategy_stop() -> None:
    # The run's 5 % take profit (112 x 1.05 = 117.60) fills on candle 7; the strategy's own
    # stop is canceled in the same candle, so nothing is sold twice.
    config = BacktestConfig.build(capital=D(1000), stake=D(100), fee_bps=D(0),
                                  take_profit_pct=D(5))  # fmt: skip
    result = run_backtest(frame_from_rows(IMPULSE[:9]), make_instrument(), "elliott_wave",
                          {"threshold_pct": 5}, config, path="event")  # fmt: skip
    assert _trades(result) == [(6, D("112.00"), 7, D("117.60"), D("0.892"), "take_profit")]
    # The strategy's stop (O-2) is placed on the entry fill, before the bracket.
    assert [(o.order_id, o.order_type, o.status, o.tag) for o in result.orders] == [
        ("O-1", "market", "filled", "entry"),
        ("O-2", "stop_market", "canceled", "stop_loss"),
        ("X-1", "limit", "filled", "take_profit"),
    ]


def test_elliott_wave_close_outside_the_zone_or_low_confidence_does_not_enter() -> None:
    above_zone = [*WAVES_1_2[:5], (109, 113.5, 108.5, 112.4, 1000), (112.4, 113, 112.4, 113, 1000)]
    assert _run(above_zone).trades == []
    # The 1-2 count's confidence is 1.0 x 2 / 5 = 0.4.
    assert _run(WAVES_1_2, min_confidence=0.41).trades == []
    # A 0.6 retracement is outside a 0.382-0.5 zone.
    assert _run(WAVES_1_2, wave2_retrace_max=0.5).trades == []


def test_elliott_wave_best_count_only_skips_wave2_entries() -> None:
    # Over three swings the A-B correction (confidence 2/3) outranks the 1-2 impulse (2/5);
    # the 1-4 impulse (0.75) is the best count at candle 11.
    result = _run(IMPULSE, best_count_only=True)
    assert _trades(result) == [(12, D("136.00"), 13, D("152.00"), D("0.735"), "take_profit")]


@pytest.mark.parametrize(
    "params",
    [
        {"threshold_pct": 0},
        {"threshold_pct": 60},
        {"min_confidence": 1.5},
        {"wave2_retrace_min": 0.7, "wave2_retrace_max": 0.6},
        {"wave4_retrace_min": 0.5, "wave4_retrace_max": 0.5},
        {"wave3_entries": False, "wave5_entries": False},
        {"wave5_target": "highest"},
        {"unknown": 1},
    ],
)
def test_elliott_wave_bad_parameters_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _run(WAVES_1_2, **params)


@pytest.mark.parametrize("market", ["BTC-USDT", "ETH-USDT"])
def test_elliott_wave_real_1h_data_trades_with_finite_metrics(market: str) -> None:
    frame = read_candle_parquet(SAMPLES_DIR / "binance" / market / "1h.parquet", HOUR_MS)
    frame = frame.slice(0, 20_000)
    instrument = load_instrument("binance", market.replace("-", "/"))
    config = BacktestConfig.build(capital=D(10_000), stake=D(1_000), fee_bps=D(10))
    result = run_backtest(frame, instrument, "elliott_wave", {}, config, path="event")
    assert len(result.trades) > 10
    reasons = {t.exit_reason for t in result.trades}
    assert {"signal", "stop_loss", "take_profit"} <= reasons
    metrics = compute_metrics(result.trades, result.curve, D(10_000), HOUR_MS).to_dict()
    for key, value in metrics.items():
        assert not isinstance(value, float) or math.isfinite(value), key
    assert metrics["sharpe"] is not None
