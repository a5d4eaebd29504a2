"""The HTML report: content, inline SVG charts, escaping, offline-ness and downsampling."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np

from xor_trading.backtest.metrics import DAY_MS, compute_metrics
from xor_trading.backtest.report_html import MAX_TRADE_ROWS, downsample_min_max, render_report
from xor_trading.backtest.results import EquityCurve, TradeRecord

T0 = 1_704_067_200_000  # 2024-01-01 00:00:00 UTC
CAPITAL = Decimal(100)


def _curve(equity: list[float], timeframe_ms: int = DAY_MS) -> EquityCurve:
    n = len(equity)
    ts = T0 + timeframe_ms * np.arange(1, n + 1, dtype=np.int64)
    return EquityCurve(ts, np.array(equity, dtype=np.float64), np.zeros(n, dtype=np.bool_))


def _trade(i: int, symbol: str = "BTC/USDT", pnl: str = "1.5") -> TradeRecord:
    return TradeRecord(
        symbol=symbol,
        side="long",
        entry_time_ms=T0 + i * DAY_MS,
        exit_time_ms=T0 + i * DAY_MS + 3_600_000,
        entry_price=Decimal("100"),
        exit_price=Decimal("101.5"),
        quantity=Decimal("1"),
        fees=Decimal("0.1"),
        pnl=Decimal(pnl),
        exit_reason="signal",
    )


def _report(
    equity: list[float],
    trades: list[TradeRecord] | None = None,
    title: str = "Report",
    notes: tuple[str, ...] = (),
) -> str:
    trades = trades or []
    curve = _curve(equity)
    metrics = compute_metrics(trades, curve, CAPITAL, DAY_MS)
    return render_report(metrics, curve, trades, title, notes)


def _metric_cell(page: str, key: str) -> str:
    match = re.search(rf'<tr data-key="{key}">.*?<td>(.*?)</td>', page)
    assert match is not None, key
    return match.group(1)


def test_render_report_metrics_table_shows_computed_values() -> None:
    # Same curve as the drawdown hand calculation in test_metrics: depth 25 %, 3 days.
    page = _report([100.0, 120.0, 90.0, 120.0, 130.0, 104.0, 110.0, 117.0], [_trade(1)])

    assert _metric_cell(page, "max_drawdown_pct") == "25.00 %"
    assert _metric_cell(page, "max_drawdown_duration_ms") == "3d"
    assert _metric_cell(page, "total_return_pct") == "17.00 %"
    assert _metric_cell(page, "number_of_trades") == "1"
    assert _metric_cell(page, "fees_paid") == "0.1"
    assert _metric_cell(page, "profit_factor") == "n/a"  # no losing trade
    assert "Sharpe" in page


def test_render_report_has_equity_and_drawdown_svgs() -> None:
    page = _report([100.0, 90.0, 110.0])

    assert page.count("<svg") == 2
    assert '<svg class="equity"' in page
    assert '<svg class="drawdown"' in page
    assert page.count("<polyline") == 2
    assert "2024-01-01" in page  # UTC date label on the time axis


def test_render_report_malicious_strings_are_escaped() -> None:
    evil = "<script>alert('x')</script>"
    page = _report([100.0, 101.0], [_trade(0, symbol=evil)], title=evil, notes=(evil,))

    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") == 4  # title x2


def test_render_report_output_has_no_external_urls() -> None:
    page = _report([100.0, 90.0, 110.0], [_trade(0)], notes=("risk limits disabled",))

    lowered = page.lower()
    assert "http" not in lowered
    assert "url(" not in lowered
    assert "src=" not in lowered
    assert "<link" not in lowered


def test_render_report_notes_render_before_metrics() -> None:
    page = _report([100.0, 101.0], notes=("risk limits disabled",))

    assert "<li>risk limits disabled</li>" in page
    assert page.index("risk limits disabled") < page.index('class="metrics-grid"')


def test_render_report_more_than_500_trades_shows_remaining_count() -> None:
    trades = [_trade(i) for i in range(MAX_TRADE_ROWS + 120)]

    page = _report([100.0, 101.0], trades)

    table = page[page.index('<table class="trades">') :]
    assert table.count("<tr>") == 1 + MAX_TRADE_ROWS  # header + shown rows
    assert "120 more trades not shown" in page


def test_render_report_empty_inputs_render_placeholders() -> None:
    curve = EquityCurve(
        np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), np.empty(0, dtype=np.bool_)
    )
    metrics = compute_metrics([], curve, CAPITAL, DAY_MS)

    page = render_report(metrics, curve, [], "Empty")

    assert page.count("<svg") == 2
    assert page.count("No data") >= 2
    assert "No trades." in page


def test_render_report_long_curve_plots_at_most_2000_points() -> None:
    n = 200_000
    rng = np.random.default_rng(1)
    equity = (100.0 + np.cumsum(rng.normal(0.0, 0.1, n))).tolist()

    page = _report(equity)

    for points in re.findall(r'<polyline class="series" points="([^"]*)"', page):
        assert len(points.split()) <= 2000


def test_downsample_min_max_keeps_global_min_max_and_endpoints() -> None:
    n = 100_003  # not a multiple of the bucket size: exercises the padded last bucket
    rng = np.random.default_rng(3)
    values = rng.normal(0.0, 1.0, n)
    values[12_345] = 50.0  # a one-candle spike
    values[87_654] = -40.0  # a one-candle crash
    ts = np.arange(n, dtype=np.int64) * 60_000

    ts_out, v_out = downsample_min_max(ts, values, max_points=2000)

    assert len(v_out) <= 2000
    assert v_out.max() == 50.0
    assert v_out.min() == -40.0
    assert ts_out[0] == ts[0]
    assert v_out[0] == values[0]
    assert ts_out[-1] == ts[-1]
    assert v_out[-1] == values[-1]
    assert bool(np.all(np.diff(ts_out) > 0))  # time order kept


def test_downsample_min_max_keeps_every_local_spike() -> None:
    n = 50_000
    values = np.zeros(n)
    spikes = np.arange(500, n, 5_000)
    values[spikes] = np.arange(1, len(spikes) + 1, dtype=np.float64)  # 10 distinct spikes
    ts = np.arange(n, dtype=np.int64)

    ts_out, v_out = downsample_min_max(ts, values, max_points=200)

    assert len(v_out) <= 200
    assert set(spikes.tolist()) <= set(ts_out.tolist())


def test_downsample_min_max_short_series_unchanged() -> None:
    ts = np.arange(5, dtype=np.int64)
    values = np.array([3.0, 1.0, 4.0, 1.0, 5.0])

    ts_out, v_out = downsample_min_max(ts, values)

    assert ts_out.tolist() == ts.tolist()
    assert v_out.tolist() == values.tolist()
