"""Backtest metrics against hand calculations on tiny, hand-built curves and trades.

Conventions used below (see docs/metrics.md): ``T0`` is 2024-01-01 00:00 UTC; a curve built
by ``_curve`` has candle ``i`` closing at ``T0 + (i + 1) * timeframe``, so the first candle
opens at ``T0``; the initial capital is the equity at ``T0``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pytest

from xor_trading.backtest.metrics import DAY_MS, Metrics, compute_metrics, daily_returns
from xor_trading.backtest.results import EquityCurve, TradeRecord
from xor_trading.core.errors import ConfigError, DataError

T0 = 1_704_067_200_000  # 2024-01-01 00:00:00 UTC
HOUR_MS = 3_600_000
CAPITAL = Decimal(100)


def _curve(
    equity: Sequence[float],
    timeframe_ms: int = DAY_MS,
    in_position: Sequence[bool] | None = None,
) -> EquityCurve:
    n = len(equity)
    ts = T0 + timeframe_ms * np.arange(1, n + 1, dtype=np.int64)
    pos = np.zeros(n, dtype=np.bool_) if in_position is None else np.array(in_position)
    return EquityCurve(ts, np.array(equity, dtype=np.float64), pos)


def _empty_curve() -> EquityCurve:
    return EquityCurve(
        np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), np.empty(0, dtype=np.bool_)
    )


def _trade(
    pnl: str,
    *,
    fees: str = "0",
    entry_price: str = "100",
    quantity: str = "1",
    entry_time_ms: int = T0,
    holding_ms: int = HOUR_MS,
    side: str = "long",
) -> TradeRecord:
    return TradeRecord(
        symbol="BTC/USDT",
        side=side,
        entry_time_ms=entry_time_ms,
        exit_time_ms=entry_time_ms + holding_ms,
        entry_price=Decimal(entry_price),
        exit_price=Decimal(entry_price),
        quantity=Decimal(quantity),
        fees=Decimal(fees),
        pnl=Decimal(pnl),
        exit_reason="signal",
    )


def _metrics(
    equity: Sequence[float],
    timeframe_ms: int = DAY_MS,
    trades: Sequence[TradeRecord] = (),
    in_position: Sequence[bool] | None = None,
) -> Metrics:
    return compute_metrics(trades, _curve(equity, timeframe_ms, in_position), CAPITAL, timeframe_ms)


# --------------------------------------------------------------------------- Sharpe, Sortino


def test_sharpe_sortino_three_daily_returns_match_hand_calculation() -> None:
    # Equity 100 (capital) -> 150 -> 75 -> 150: daily returns 0.5, -0.5, 1.0 (exact in binary).
    # mean = 1/3; deviations 1/6, -5/6, 2/3; sample variance = (1/36 + 25/36 + 16/36) / 2
    # = 7/12; Sharpe = (1/3) / sqrt(7/12) * sqrt(365).
    # Downside deviation = sqrt((0 + 0.25 + 0) / 3) = 0.5 / sqrt(3);
    # Sortino = (1/3) / (0.5 / sqrt(3)) * sqrt(365) = 2 / sqrt(3) * sqrt(365).
    m = _metrics([150.0, 75.0, 150.0])

    assert m.sharpe == pytest.approx((1 / 3) / math.sqrt(7 / 12) * math.sqrt(365), rel=1e-12)
    assert m.sortino == pytest.approx(2 / math.sqrt(3) * math.sqrt(365), rel=1e-12)


def test_daily_returns_hourly_candles_use_last_close_of_each_utc_day() -> None:
    # 48 hourly candles over 2024-01-01 and 2024-01-02. The candle closing at exactly
    # 2024-01-02 00:00 (index 23) ends January 1st, so it is January 1st's last close.
    equity = [100.0 + (i % 7) for i in range(48)]  # intraday noise that must be ignored
    equity[23] = 110.0
    equity[47] = 99.0
    curve = _curve(equity, timeframe_ms=HOUR_MS)

    returns = daily_returns(curve.ts_ms, curve.equity, 100.0)

    # 110 / 100 - 1 = 0.1 ; 99 / 110 - 1 = -0.1
    assert returns.tolist() == pytest.approx([0.1, -0.1], rel=1e-12)


def test_sharpe_single_day_returns_none() -> None:
    m = _metrics([100.0 + i for i in range(24)], timeframe_ms=HOUR_MS)  # all within one day

    assert m.sharpe is None
    assert m.sortino is None


def test_sharpe_flat_curve_returns_none() -> None:
    m = _metrics([100.0] * 5)  # every daily return is 0: zero deviation

    assert m.sharpe is None
    assert m.sortino is None


def test_sortino_no_losing_day_returns_none_while_sharpe_defined() -> None:
    # Returns 0.1, 0.1, 0.05: no negative day, so the downside deviation is 0.
    m = _metrics([110.0, 121.0, 127.05])

    assert m.sharpe is not None
    assert m.sharpe > 0
    assert m.sortino is None


# --------------------------------------------------------------------------- drawdown


def test_max_drawdown_recovered_and_unrecovered_peaks_depth_and_duration() -> None:
    # Day:     0(start) 1    2    3   4    5    6    7    8
    # Equity:  100      100  120  90  120  130  104  110  117
    # Peak 120 (day 2) falls to 90 (-25 %) and is recovered on day 4 (equal): 2 days.
    # Peak 130 (day 5) falls to 104 (-20 %) and is not recovered by day 8: 3 days.
    m = _metrics([100.0, 120.0, 90.0, 120.0, 130.0, 104.0, 110.0, 117.0])

    assert m.max_drawdown_pct == pytest.approx(25.0, rel=1e-12)
    assert m.max_drawdown_duration_ms == 3 * DAY_MS


def test_max_drawdown_duration_recovered_peak_longest_counts_to_recovery() -> None:
    # Day:    0(start) 1    2   3   4    5
    # Equity: 100      100  80  90  100  95
    # Peak of day 1 recovered on day 4: 3 days (deeper and longer than the open 1-day dip).
    m = _metrics([100.0, 80.0, 90.0, 100.0, 95.0])

    assert m.max_drawdown_pct == pytest.approx(20.0, rel=1e-12)
    assert m.max_drawdown_duration_ms == 3 * DAY_MS


def test_max_drawdown_first_candle_loss_measured_from_initial_capital() -> None:
    # Capital 100 at day 0, 90 at day 1, back to 100 at day 2: -10 % over 2 days.
    m = _metrics([90.0, 100.0])

    assert m.max_drawdown_pct == pytest.approx(10.0, rel=1e-12)
    assert m.max_drawdown_duration_ms == 2 * DAY_MS


def test_max_drawdown_monotonic_rise_is_zero_and_calmar_none() -> None:
    m = _metrics([101.0, 102.0, 103.0])

    assert m.max_drawdown_pct == 0.0
    assert m.max_drawdown_duration_ms == 0
    assert m.calmar is None


# --------------------------------------------------------------------------- CAGR, Calmar


def test_cagr_exactly_365_days_equals_total_return() -> None:
    # 365 daily candles: from the first open (T0) to the last close is exactly one year.
    m = _metrics([100.0] * 364 + [110.0])

    assert m.end_time_ms is not None
    assert m.start_time_ms == T0
    assert m.end_time_ms - m.start_time_ms == 365 * DAY_MS
    assert m.total_return_pct == pytest.approx(10.0, rel=1e-12)
    assert m.cagr_pct == pytest.approx(10.0, rel=1e-12)


def test_cagr_half_year_compounds_to_annual_rate() -> None:
    # 365 candles of 12 h = 182.5 days = half a year; +10 % in half a year
    # -> (1.1) ** 2 - 1 = 21 % a year.
    m = _metrics([100.0] * 364 + [110.0], timeframe_ms=12 * HOUR_MS)

    assert m.cagr_pct == pytest.approx(21.0, rel=1e-12)


def test_calmar_one_year_is_cagr_over_max_drawdown() -> None:
    # One year, a 20 % drawdown on day 1 (100 -> 80), final 110: CAGR 10 %, Calmar 10/20.
    m = _metrics([80.0] + [100.0] * 363 + [110.0])

    assert m.max_drawdown_pct == pytest.approx(20.0, rel=1e-12)
    assert m.calmar == pytest.approx(0.5, rel=1e-12)


def test_cagr_equity_wiped_out_is_minus_100() -> None:
    m = _metrics([50.0, 0.0])

    assert m.cagr_pct == -100.0
    assert m.total_return_pct == -100.0
    assert m.max_drawdown_pct == 100.0


def test_cagr_huge_short_term_gain_overflowing_is_none() -> None:
    # x1000 in one minute annualises beyond float range: reported as undefined.
    m = _metrics([100_000.0], timeframe_ms=60_000)

    assert m.cagr_pct is None
    assert m.calmar is None
    json.dumps(m.to_dict(), allow_nan=False)


# --------------------------------------------------------------------------- trades


def test_trade_stats_mixed_trades_match_hand_calculation() -> None:
    # Net PnL 30, -10, 20, -5, 0 on 100 of notional each.
    # wins 30 + 20 = 50 (2), losses 10 + 5 = 15 (2), one break-even (neither).
    # win rate 2/5 = 40 %, profit factor 50/15 = 10/3, expectancy 35/5 = 7,
    # avg win 50/2 = 25, avg loss -15/2 = -7.5, best 30 %, worst -10 %.
    holdings = [1, 2, 3, 4, 5]
    trades = [
        _trade(p, holding_ms=h * HOUR_MS)
        for p, h in zip(["30", "-10", "20", "-5", "0"], holdings, strict=True)
    ]

    m = compute_metrics(trades, _empty_curve(), CAPITAL, DAY_MS)

    assert m.number_of_trades == 5
    assert m.winning_trades == 2
    assert m.losing_trades == 2
    assert m.win_rate_pct == 40.0
    assert m.gross_profit == Decimal(50)
    assert m.gross_loss == Decimal(15)
    assert m.profit_factor == pytest.approx(10 / 3, rel=1e-15)
    assert m.expectancy == Decimal(7)
    assert m.avg_win == Decimal(25)
    assert m.avg_loss == Decimal("-7.5")
    assert m.net_profit == Decimal(35)
    assert m.best_trade_pct == 30.0
    assert m.worst_trade_pct == -10.0
    assert m.avg_holding_ms == 3 * HOUR_MS  # (1 + 2 + 3 + 4 + 5) / 5 hours


def test_trade_return_pct_short_uses_net_pnl_over_entry_value() -> None:
    # Short 2 @ 50 = 100 of entry value, net PnL +4 -> +4 %.
    trades = [_trade("4", entry_price="50", quantity="2", side="short")]

    m = compute_metrics(trades, _empty_curve(), CAPITAL, DAY_MS)

    assert m.best_trade_pct == 4.0
    assert m.worst_trade_pct == 4.0


def test_fees_paid_decimal_sum_is_exact() -> None:
    # 0.1 + 0.2 in binary floats is 0.30000000000000004; as Decimal it is exactly 0.3.
    trades = [_trade("1", fees="0.1"), _trade("-1", fees="0.2")]

    m = compute_metrics(trades, _empty_curve(), CAPITAL, DAY_MS)

    assert m.fees_paid == Decimal("0.3")
    assert m.to_dict()["fees_paid"] == "0.3"


def test_profit_factor_no_losing_trade_is_none() -> None:
    trades = [_trade("5"), _trade("0")]

    m = compute_metrics(trades, _empty_curve(), CAPITAL, DAY_MS)

    assert m.profit_factor is None
    assert m.avg_loss is None
    assert m.gross_loss == Decimal(0)
    assert m.to_dict()["gross_loss"] == "0"  # never "-0"


def test_exposure_half_candles_in_position_is_50_pct() -> None:
    m = _metrics([100.0] * 4, in_position=[False, True, True, False])

    assert m.exposure_pct == 50.0


# --------------------------------------------------------------------------- edge cases, dict


def test_compute_metrics_empty_inputs_gives_zeros_and_nones() -> None:
    m = compute_metrics([], _empty_curve(), CAPITAL, DAY_MS)

    assert m.start_time_ms is None
    assert m.end_time_ms is None
    assert m.final_equity == 100.0
    assert m.total_return_pct == 0.0
    assert m.max_drawdown_pct == 0.0
    assert m.max_drawdown_duration_ms == 0
    assert m.exposure_pct == 0.0
    assert m.number_of_trades == 0
    assert m.fees_paid == Decimal(0)
    assert m.net_profit == Decimal(0)
    for name in (
        "cagr_pct",
        "sharpe",
        "sortino",
        "calmar",
        "win_rate_pct",
        "profit_factor",
        "expectancy",
        "avg_win",
        "avg_loss",
        "best_trade_pct",
        "worst_trade_pct",
        "avg_holding_ms",
    ):
        assert getattr(m, name) is None, name
    json.dumps(m.to_dict(), allow_nan=False)


def test_to_dict_keys_snake_case_and_money_as_strings() -> None:
    trades = [_trade("12.50", fees="0.25"), _trade("-2.5", fees="0.25")]
    m = compute_metrics(trades, _curve([110.0, 105.0, 112.0]), CAPITAL, DAY_MS)

    d = m.to_dict()

    assert list(d) == [
        "start_time_ms",
        "end_time_ms",
        "initial_capital",
        "final_equity",
        "net_profit",
        "total_return_pct",
        "cagr_pct",
        "sharpe",
        "sortino",
        "calmar",
        "max_drawdown_pct",
        "max_drawdown_duration_ms",
        "exposure_pct",
        "number_of_trades",
        "winning_trades",
        "losing_trades",
        "win_rate_pct",
        "profit_factor",
        "gross_profit",
        "gross_loss",
        "expectancy",
        "avg_win",
        "avg_loss",
        "best_trade_pct",
        "worst_trade_pct",
        "avg_holding_ms",
        "fees_paid",
    ]
    assert d["initial_capital"] == "100"
    assert d["net_profit"] == "10.00"
    assert d["fees_paid"] == "0.50"
    assert d["expectancy"] == "5.00"
    assert d["final_equity"] == 112.0
    assert d["start_time_ms"] == T0
    assert d["end_time_ms"] == T0 + 3 * DAY_MS
    assert json.loads(json.dumps(d, allow_nan=False)) == d


def test_compute_metrics_nonpositive_capital_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        compute_metrics([], _curve([100.0]), Decimal(0), DAY_MS)


def test_compute_metrics_unsorted_timestamps_raises_data_error() -> None:
    curve = EquityCurve(
        np.array([T0 + 2 * DAY_MS, T0 + DAY_MS], dtype=np.int64),
        np.array([100.0, 101.0]),
        np.zeros(2, dtype=np.bool_),
    )
    with pytest.raises(DataError):
        compute_metrics([], curve, CAPITAL, DAY_MS)
