"""Writing a backtest's results to a directory: CSV, JSON and the HTML report.

Every file is written to a temporary directory first and moved into place only when all
of them are complete, so a failure never leaves a half-written result behind.
Times are ISO 8601 UTC (``2025-05-20T00:01:00Z``).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from xor_trading.backtest.drawdown import underwater_pct
from xor_trading.backtest.metrics import Metrics
from xor_trading.backtest.report_html import render_report
from xor_trading.backtest.results import EquityCurve, TradeRecord
from xor_trading.backtest.run_result import BacktestResult, OrderRecord
from xor_trading.risk.engine import RiskJournalEntry

TRADE_COLUMNS = (
    "entry_time",
    "exit_time",
    "symbol",
    "side",
    "entry_price",
    "exit_price",
    "quantity",
    "fees",
    "pnl",
    "return_pct",
    "exit_reason",
)
ORDER_COLUMNS = (
    "order_id",
    "created_time",
    "symbol",
    "side",
    "type",
    "quantity",
    "limit_price",
    "stop_price",
    "status",
    "filled_qty",
    "average_price",
    "fees",
    "tag",
    "reason",
)


def iso_utc(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(d: Decimal | None) -> str:
    return "" if d is None else f"{d:f}"


def write_trades_csv(path: Path, trades: Sequence[TradeRecord]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(TRADE_COLUMNS)
        for t in trades:
            w.writerow(
                (
                    iso_utc(t.entry_time_ms),
                    iso_utc(t.exit_time_ms),
                    t.symbol,
                    t.side,
                    _plain(t.entry_price),
                    _plain(t.exit_price),
                    _plain(t.quantity),
                    _plain(t.fees),
                    _plain(t.pnl),
                    f"{t.return_pct:.4f}",
                    t.exit_reason,
                )
            )


def write_orders_csv(path: Path, orders: Sequence[OrderRecord]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ORDER_COLUMNS)
        for o in orders:
            w.writerow(
                (
                    o.order_id,
                    iso_utc(o.created_ms),
                    o.symbol,
                    o.side,
                    o.order_type,
                    _plain(o.quantity),
                    _plain(o.limit_price),
                    _plain(o.stop_price),
                    o.status,
                    _plain(o.filled_qty),
                    _plain(o.average_price),
                    _plain(o.fees),
                    o.tag,
                    o.reason,
                )
            )


def write_risk_events_csv(path: Path, journal: Sequence[RiskJournalEntry]) -> None:
    """Columns: time, rule, reason, order_id (the order a denial stopped; empty for breakers)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("time", "rule", "reason", "order_id"))
        for entry in journal:
            w.writerow((iso_utc(entry.ts_ms), entry.rule, entry.reason, entry.order_id))


def write_equity_csv(path: Path, curve: EquityCurve, initial_capital: float) -> None:
    """Columns: time (candle close), equity, drawdown_pct, in_position. About 1 s per 1M rows."""
    times = np.datetime_as_string(curve.ts_ms.astype("datetime64[ms]"), unit="s")
    drawdown = underwater_pct(curve.equity, initial_capital)
    lines = [
        f"{t}Z,{e!r},{d:.6f},{int(p)}"
        for t, e, d, p in zip(
            times.tolist(),
            curve.equity.tolist(),
            drawdown.tolist(),
            curve.in_position.tolist(),
            strict=True,
        )
    ]
    path.write_text(
        "time,equity,drawdown_pct,in_position\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )


def write_results(
    output: Path,
    result: BacktestResult,
    metrics: Metrics,
    run_info: Mapping[str, Any],
    title: str,
    notes: Sequence[str] = (),
) -> list[Path]:
    """Write trades.csv, orders.csv, risk_events.csv, equity.csv, metrics.json and report.html."""
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output, prefix=".writing-") as tmp:
        staging = Path(tmp)
        initial = float(metrics.initial_capital)
        write_trades_csv(staging / "trades.csv", result.trades)
        write_orders_csv(staging / "orders.csv", result.orders)
        write_risk_events_csv(staging / "risk_events.csv", result.risk_journal)
        write_equity_csv(staging / "equity.csv", result.curve, initial)
        document = {"run": dict(run_info), "metrics": metrics.to_dict()}
        (staging / "metrics.json").write_text(
            json.dumps(document, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8"
        )
        (staging / "report.html").write_text(
            render_report(metrics, result.curve, result.trades, title, notes), encoding="utf-8"
        )
        written = []
        for f in sorted(staging.iterdir()):
            target = output / f.name
            os.replace(f, target)
            written.append(target)
    return written
