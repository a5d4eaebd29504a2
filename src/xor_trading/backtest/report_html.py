"""A backtest report as one self-contained HTML file.

The file has no scripts and no external resources (fonts, styles, images, charts are all
inline), so it opens offline, can be mailed or archived, and renders the same in ten years.
Charts are inline SVG drawn from a min/max-downsampled curve: at most about
``MAX_CHART_POINTS`` points whatever the length of the backtest, while keeping every spike.

Every string that comes from outside this module (title, notes, symbols, exit reasons) goes
through ``html.escape``; numbers are formatted here and cannot carry markup.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np

from xor_trading.backtest.drawdown import underwater_pct, with_start_point
from xor_trading.backtest.metrics import Metrics
from xor_trading.backtest.results import EquityCurve, TradeRecord
from xor_trading.timeseries.candle_frame import FloatArray, IntArray

__all__ = ["MAX_CHART_POINTS", "MAX_TRADE_ROWS", "downsample_min_max", "render_report"]

MAX_CHART_POINTS = 2_000
MAX_TRADE_ROWS = 500

_HOUR_MS = 3_600_000
_DAY_MS = 86_400_000
# Candidate spacings of time-axis ticks, smallest first; the first giving <= 8 ticks wins.
# Below a month the steps are fixed durations aligned to the epoch (so to UTC midnight);
# from a month up they are calendar months, so labels fall on the 1st of a month.
_TIME_STEPS_MS = (
    60_000,
    5 * 60_000,
    15 * 60_000,
    30 * 60_000,
    _HOUR_MS,
    2 * _HOUR_MS,
    6 * _HOUR_MS,
    12 * _HOUR_MS,
    _DAY_MS,
    2 * _DAY_MS,
    7 * _DAY_MS,
    14 * _DAY_MS,
)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 600)
_AVG_MONTH_MS = 30.44 * _DAY_MS
_MAX_TIME_TICKS = 8

# Chart geometry in SVG user units; the SVG scales to the page width through its viewBox.
_W, _H = 960, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 84, 40, 12, 28


def render_report(
    metrics: Metrics,
    curve: EquityCurve,
    trades: Sequence[TradeRecord],
    title: str,
    notes: Sequence[str] = (),
) -> str:
    """Render the whole report and return it as an HTML5 document (a ``str``).

    Sections, top to bottom: title, ``notes`` (highlighted warnings such as "risk limits
    disabled"), metrics tables, equity chart, underwater (drawdown) chart, and the first
    ``MAX_TRADE_ROWS`` trades with a line counting the rest. Empty curves and trade lists
    render placeholders. Times are shown in UTC. The output contains no URL and no script.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="period">{_esc(_period_text(metrics))}</p>',
        _notes_html(notes),
        _metrics_html(metrics),
        _charts_html(metrics, curve),
        _trades_html(trades),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def downsample_min_max(
    ts_ms: IntArray, values: FloatArray, max_points: int = MAX_CHART_POINTS
) -> tuple[IntArray, FloatArray]:
    """Reduce a series to at most ``max_points`` points without losing spikes.

    The series is cut into equal buckets; from each bucket the minimum and the maximum are
    kept (in time order), plus the first and last points of the whole series. So the global
    minimum and maximum always survive, and a line through the result has the same envelope
    as the original. Series of ``<= max_points`` points are returned unchanged (as copies).
    ``values`` must be finite; ``max_points >= 4``. O(n), vectorised.
    """
    if max_points < 4:
        raise ValueError(f"max_points must be at least 4, got {max_points}")
    n = len(values)
    if n <= max_points:
        return ts_ms.copy(), values.copy()
    target_buckets = (max_points - 2) // 2  # two points per bucket + the two end points
    size = -(-n // target_buckets)  # ceil division
    buckets = -(-n // size)  # every bucket holds at least one real point
    # Pad with the last value so the array reshapes; argmin/argmax return the first
    # occurrence, which is never in the padding because the real last value precedes it.
    padded = np.pad(values, (0, buckets * size - n), mode="edge").reshape(buckets, size)
    base = np.arange(buckets, dtype=np.int64) * size
    picks = np.concatenate(
        (
            np.array([0, n - 1], dtype=np.int64),
            base + padded.argmin(axis=1),
            base + padded.argmax(axis=1),
        )
    )
    idx = np.unique(np.minimum(picks, n - 1))  # sorted, so time order is kept
    return ts_ms[idx], values[idx]


# --------------------------------------------------------------------------- sections


def _notes_html(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
    return f'<section class="notes" role="alert"><h2>Notes</h2><ul>{items}</ul></section>'


# (key, label, formatter) per metrics table; keys are Metrics field names.
_Row = tuple[str, str, Callable[[object], str]]


def _metrics_html(m: Metrics) -> str:
    groups: list[tuple[str, list[_Row]]] = [
        (
            "Returns",
            [
                ("initial_capital", "Initial capital", _fmt_money),
                ("final_equity", "Final equity", _fmt_money),
                ("net_profit", "Net profit", _fmt_money),
                ("total_return_pct", "Total return", _fmt_pct),
                ("cagr_pct", "CAGR", _fmt_pct),
                ("fees_paid", "Fees paid", _fmt_money),
            ],
        ),
        (
            "Risk",
            [
                ("max_drawdown_pct", "Max drawdown", _fmt_pct),
                ("max_drawdown_duration_ms", "Max drawdown duration", _fmt_duration),
                ("sharpe", "Sharpe (daily, annualised)", _fmt_ratio),
                ("sortino", "Sortino (daily, annualised)", _fmt_ratio),
                ("calmar", "Calmar", _fmt_ratio),
                ("exposure_pct", "Exposure", _fmt_pct),
            ],
        ),
        (
            "Trades",
            [
                ("number_of_trades", "Trades", _fmt_int),
                ("win_rate_pct", "Win rate", _fmt_pct),
                ("profit_factor", "Profit factor", _fmt_ratio),
                ("expectancy", "Expectancy per trade", _fmt_money),
                ("avg_win", "Average win", _fmt_money),
                ("avg_loss", "Average loss", _fmt_money),
                ("best_trade_pct", "Best trade", _fmt_pct),
                ("worst_trade_pct", "Worst trade", _fmt_pct),
                ("avg_holding_ms", "Average holding time", _fmt_duration),
            ],
        ),
    ]
    tables = []
    for heading, rows in groups:
        body = "".join(
            f'<tr data-key="{key}"><th scope="row">{_esc(label)}</th>'
            f"<td>{_esc(fmt(getattr(m, key)))}</td></tr>"
            for key, label, fmt in rows
        )
        tables.append(f'<table class="metrics"><caption>{heading}</caption>{body}</table>')
    return f'<section class="metrics-grid">{"".join(tables)}</section>'


def _charts_html(m: Metrics, curve: EquityCurve) -> str:
    ts = np.asarray(curve.ts_ms, dtype=np.int64)
    equity = np.asarray(curve.equity, dtype=np.float64)
    capital = float(m.initial_capital)
    if len(ts) and m.start_time_ms is not None:
        # Start both charts at the initial capital at the first candle's open, the same point
        # the drawdown metrics start from.
        ts, equity = with_start_point(ts, equity, m.start_time_ms, capital)
    total = len(ts)
    depth = -underwater_pct(equity, capital) if capital > 0 else np.zeros_like(equity)

    eq_ts, eq_vals = downsample_min_max(ts, equity)
    dd_ts, dd_vals = downsample_min_max(ts, depth)
    equity_svg = _line_chart_svg(
        eq_ts,
        eq_vals,
        label="Equity",
        value_fmt=_fmt_axis_money,
        css="equity",
        baseline=capital,
        area=False,
    )
    dd_svg = _line_chart_svg(
        dd_ts,
        dd_vals,
        label="Drawdown",
        value_fmt=_fmt_axis_pct,
        css="drawdown",
        baseline=0.0,
        area=True,
    )
    if total == 0:
        shown = ""
    elif len(eq_ts) == total:
        shown = f"All {total:,} points shown."
    else:
        shown = f"{len(eq_ts):,} of {total:,} points shown (the min and max of each bucket)."
    return (
        '<section class="chart"><h2>Equity (quote currency)</h2>'
        f'{equity_svg}<p class="caption">{_esc(shown)}</p></section>'
        '<section class="chart"><h2>Drawdown (% below running peak)</h2>'
        f"{dd_svg}</section>"
    )


def _trades_html(trades: Sequence[TradeRecord]) -> str:
    head = (
        "<tr><th>#</th><th>Symbol</th><th>Side</th><th>Entry (UTC)</th><th>Exit (UTC)</th>"
        "<th>Entry price</th><th>Exit price</th><th>Quantity</th><th>Fees</th>"
        "<th>Net PnL</th><th>Return</th><th>Exit reason</th></tr>"
    )
    rows = []
    for i, t in enumerate(trades[:MAX_TRADE_ROWS], start=1):
        notional = t.entry_price * t.quantity
        ret = _fmt_pct(float(t.pnl / notional * 100)) if notional != 0 else "n/a"
        sign = "pos" if t.pnl > 0 else "neg" if t.pnl < 0 else ""
        cells = (
            str(i),
            t.symbol,
            t.side,
            _fmt_time(t.entry_time_ms),
            _fmt_time(t.exit_time_ms),
            _fmt_decimal(t.entry_price),
            _fmt_decimal(t.exit_price),
            _fmt_decimal(t.quantity),
            _fmt_decimal(t.fees),
        )
        tds = "".join(f"<td>{_esc(c)}</td>" for c in cells)
        rows.append(
            f'<tr>{tds}<td class="{sign}">{_esc(_fmt_decimal(t.pnl))}</td>'
            f'<td class="{sign}">{_esc(ret)}</td><td>{_esc(t.exit_reason)}</td></tr>'
        )
    if not trades:
        body = '<p class="empty">No trades.</p>'
    else:
        body = f'<div class="scroll"><table class="trades">{head}{"".join(rows)}</table></div>'
    more = len(trades) - MAX_TRADE_ROWS
    footer = (
        f'<p class="more">… and {more:,} more trades not shown (first {MAX_TRADE_ROWS:,} '
        f"of {len(trades):,}).</p>"
        if more > 0
        else ""
    )
    return f'<section class="trades-section"><h2>Trades</h2>{body}{footer}</section>'


# --------------------------------------------------------------------------- SVG


def _line_chart_svg(
    ts: IntArray,
    values: FloatArray,
    *,
    label: str,
    value_fmt: Callable[[float], str],
    css: str,
    baseline: float,
    area: bool,
) -> str:
    """An SVG line (or area down from ``baseline``) chart with time and value axes."""
    open_tag = (
        f'<svg class="{css}" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="{_esc(label)} chart" preserveAspectRatio="xMidYMid meet">'
    )
    if len(ts) == 0:
        return (
            f'{open_tag}<text class="nodata" x="{_W / 2}" y="{_H / 2}" '
            'text-anchor="middle">No data</text></svg>'
        )
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    t0, t1 = int(ts[0]), int(ts[-1])
    if t1 == t0:  # a single point: give the axis some width
        t0, t1 = t0 - _HOUR_MS, t1 + _HOUR_MS
    lo = min(float(values.min()), baseline)
    hi = max(float(values.max()), baseline)
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0

    def x_of(t: float) -> float:
        return _LEFT + (t - t0) / (t1 - t0) * plot_w

    def y_of(v: float) -> float:
        return _TOP + (hi - v) / (hi - lo) * plot_h

    out = [open_tag]
    # Value grid and labels.
    for v in ticks:
        y = y_of(v)
        out.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="ylab" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_esc(value_fmt(v))}</text>"
        )
    # Time labels.
    for t in _time_ticks(t0, t1):
        x = x_of(t)
        out.append(
            f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP}" y2="{_H - _BOTTOM}"/>'
            f'<text class="xlab" x="{x:.1f}" y="{_H - 8}" text-anchor="middle">'
            f"{_esc(_fmt_tick_time(t, t1 - t0))}</text>"
        )
    # The series: coordinates rounded to 0.1 unit keep the file small at no visible cost.
    xs = _LEFT + (ts.astype(np.float64) - t0) / (t1 - t0) * plot_w
    ys = _TOP + (hi - values) / (hi - lo) * plot_h
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True))
    yb = y_of(baseline)
    out.append(
        f'<line class="baseline" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{yb:.1f}" y2="{yb:.1f}"/>'
    )
    if area:
        out.append(
            f'<path class="area" d="M{xs[0]:.1f},{yb:.1f} L{coords} L{xs[-1]:.1f},{yb:.1f} Z"/>'
        )
    out.append(f'<polyline class="series" points="{coords}"/>')
    out.append(
        f'<rect class="frame" x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}"/></svg>'
    )
    return "".join(out)


def _nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) covering ``[lo, hi]``."""
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return [lo]
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    last = math.ceil(hi / step) * step
    count = round((last - first) / step)
    # Multiplying (not accumulating) avoids drift such as 0.30000000000000004.
    return [round(first + i * step, 12) for i in range(count + 1)]


def _time_ticks(t0: int, t1: int) -> list[int]:
    """Tick times on round UTC boundaries (minutes, hours, days, months), at most 8."""
    span = t1 - t0
    step = next((st for st in _TIME_STEPS_MS if span / st <= _MAX_TIME_TICKS), None)
    if step is not None:
        first = -(-t0 // step) * step
        return list(range(first, t1 + 1, step))
    months = next(
        (m for m in _MONTH_STEPS if span / (m * _AVG_MONTH_MS) <= _MAX_TIME_TICKS - 1),
        _MONTH_STEPS[-1],
    )
    start = datetime.fromtimestamp(t0 / 1000, tz=UTC)
    index = start.year * 12 + start.month - 1  # months since year 0, so steps align to January
    index = -(-index // months) * months
    ticks: list[int] = []
    while True:
        year, month0 = divmod(index, 12)
        t = int(datetime(year, month0 + 1, 1, tzinfo=UTC).timestamp() * 1000)
        if t > t1:
            return ticks
        if t >= t0:
            ticks.append(t)
        index += months


# --------------------------------------------------------------------------- formatting


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _period_text(m: Metrics) -> str:
    if m.start_time_ms is None or m.end_time_ms is None:
        return "No data."
    return (
        f"{_fmt_time(m.start_time_ms)} to {_fmt_time(m.end_time_ms)} UTC "
        f"({_fmt_duration(m.end_time_ms - m.start_time_ms)})"
    )


def _fmt_time(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def _fmt_tick_time(ts_ms: int, span_ms: int) -> str:
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%d") if span_ms >= 3 * _DAY_MS else dt.strftime("%m-%d %H:%M")


def _fmt_decimal(d: Decimal) -> str:
    """Thousands separators, at most 8 decimals, no trailing zeros: ``1,234.5``."""
    if not d.is_finite():
        return str(d)
    text = f"{d:,.8f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt_money(x: object) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, Decimal):
        return _fmt_decimal(x)
    if isinstance(x, int | float):
        return f"{x:,.2f}"
    return str(x)


def _fmt_pct(x: object) -> str:
    return f"{x:,.2f} %" if isinstance(x, int | float) else "n/a"


def _fmt_ratio(x: object) -> str:
    return f"{x:,.3f}" if isinstance(x, int | float) else "n/a"


def _fmt_int(x: object) -> str:
    return f"{x:,}" if isinstance(x, int) else "n/a"


def _fmt_duration(x: object) -> str:
    """Milliseconds as ``3d 4h 5m`` (seconds only below a minute)."""
    if not isinstance(x, int | float):
        return "n/a"
    ms = round(x)
    if ms < 60_000:
        return f"{ms / 1000:g}s"
    days, rest = divmod(ms, _DAY_MS)
    hours, rest = divmod(rest, _HOUR_MS)
    minutes = rest // 60_000
    parts = [f"{days}d"] if days else []
    if hours or (days and minutes):
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    return " ".join(parts)


def _fmt_axis_money(v: float) -> str:
    return f"{v:,.6g}" if abs(v) < 1_000 else f"{v:,.0f}"


def _fmt_axis_pct(v: float) -> str:
    return f"{v + 0.0:g} %"  # + 0.0 turns -0.0 (from negating a zero depth) into 0.0


_CSS = """
:root { --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
  --blue: #0969da; --red: #cf222e; --green: #1a7f37; --amber-bg: #fff8c5; --amber: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.period, .caption, .more, .empty { color: var(--muted); margin: 4px 0; }
.notes { background: var(--amber-bg); border: 1px solid #d4a72c;
  border-left: 6px solid var(--amber); border-radius: 6px; padding: 8px 16px; margin: 16px 0; }
.notes h2 { margin: 4px 0; color: var(--amber); }
.notes ul { margin: 4px 0; padding-left: 20px; font-weight: 600; }
.metrics-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
  gap: 16px; margin-top: 20px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
.metrics th, .metrics td { padding: 4px 8px; border-bottom: 1px solid var(--line); }
.metrics th { text-align: left; font-weight: normal; color: var(--muted); }
.metrics td { text-align: right; font-weight: 600; }
.chart svg { width: 100%; height: auto; background: var(--bg); }
svg text { font-size: 11px; fill: var(--muted); }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .frame { fill: none; stroke: var(--line); }
svg .baseline { stroke: #8c959f; stroke-dasharray: 4 3; }
svg .series { fill: none; stroke-width: 1.4; stroke-linejoin: round; }
svg.equity .series { stroke: var(--blue); }
svg.drawdown .series { stroke: var(--red); }
svg.drawdown .area { fill: rgba(207, 34, 46, 0.15); stroke: none; }
svg .nodata { font-size: 16px; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
.trades th, .trades td { padding: 4px 8px; border-bottom: 1px solid #eaeef2; white-space: nowrap;
  text-align: right; }
.trades th { background: var(--panel); position: sticky; top: 0; }
.trades tr:nth-child(even) td { background: #fbfcfd; }
.trades td:nth-child(2), .trades td:nth-child(3), .trades td:last-child { text-align: left; }
.pos { color: var(--green); }
.neg { color: var(--red); }
@media print { .scroll { overflow: visible; border: none; } }
"""
