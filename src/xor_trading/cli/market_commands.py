"""``xor market``: screens over the stored markets (today: ``xor market context``).

Every command prints an XOR error as one line on stderr and exits with code 2.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.timestamps import iso_utc
from xor_trading.indicators.market_context import DEFAULT_LOOKBACK, DEFAULT_THRESHOLD
from xor_trading.runtime.settings import load_settings
from xor_trading.services.market_context_service import (
    MarketContextReport,
    MarketContextRow,
    market_context_report,
)

market_app = typer.Typer(
    name="market",
    help="Screens over the stored markets: score, pattern and signals per symbol.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

_ARROWS = {1: " up", -1: " down", 0: ""}
_DIRECTED = {"breakout", "trend"}


@market_app.callback()
def market() -> None:
    """Screens over the stored markets: score, pattern and signals per symbol."""


@market_app.command("context")
@exit_on_xor_error()
def context_command(
    timeframe: Annotated[
        str,
        typer.Option(help="Candle timeframe, e.g. 15m, 1h, 4h; built from a lower stored one."),
    ] = "1h",
    exchange: Annotated[
        str | None, typer.Option(help="Only this exchange. Default: every exchange stored.")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="A signal is the candle whose score crosses this upward (0-100).")
    ] = DEFAULT_THRESHOLD,
    lookback: Annotated[
        int, typer.Option(help="Candles in the range, volume and trend windows (at least 5).")
    ] = DEFAULT_LOOKBACK,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Score every stored market: a 0-100 setup score, a pattern and the last signal.

    Patterns: breakout, trend, accumulation, distribution, range. The score weighs volume
    against its average, volatility compression or trend strength, closeness to the edge
    of the recent range, and a close beyond that range (docs/market_context.md). It is a
    heuristic screen of recent candles, not a prediction. Markets with too little history
    are listed as skipped, with the reason.

    **Examples**

        xor market context --timeframe 1h
        xor market context --timeframe 4h --exchange binance --threshold 80
        xor market context --timeframe 15m --lookback 96 --json
    """
    store = ParquetCandleStore(load_settings().candles_dir)
    report = market_context_report(
        store, timeframe, exchange=exchange, lookback=lookback, threshold=threshold
    )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    console = Console()
    for part in _context_report(report):
        console.print(part, soft_wrap=isinstance(part, str))


def _context_report(report: MarketContextReport) -> list[str | Table]:
    """A title line, the table of scored markets, then one line per skipped market."""
    scored = [row for row in report.rows if row.score is not None]
    skipped = [row for row in report.rows if row.score is None]
    parts: list[str | Table] = [
        escape(
            f"Market context on {report.timeframe} (lookback {report.lookback}): score 0-100; "
            f"signal = the last candle whose score crossed {report.threshold:g} upward. "
            "Times are candle open times."
        )
    ]
    if scored:
        parts.append(_table(scored))
    else:
        parts.append(f"No market has the {report.warmup} candles needed to be scored.")
    parts.extend(
        escape(f"Built from {row.resampled_from} candles: {row.exchange} {row.symbol}.")
        for row in scored
        if row.resampled_from is not None
    )
    parts.extend(escape(f"Skipped {row.exchange} {row.symbol}: {row.skipped}.") for row in skipped)
    return parts


def _table(rows: list[MarketContextRow]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, padding=0, pad_edge=False, show_edge=False)
    table.add_column("exchange", overflow="ellipsis")
    for title in ("symbol", "score", "pattern", "last (UTC)", "signal (UTC)", "candles"):
        numeric = title in {"score", "candles"}
        table.add_column(title, justify="right" if numeric else "left", no_wrap=True)
    for row in rows:
        table.add_row(
            row.exchange,
            row.symbol,
            f"{row.score:.1f}",
            _pattern(row),
            _minute(row.last_ms),
            _minute(row.last_signal_ms),
            f"{row.candles:,}",
        )
    return table


def _pattern(row: MarketContextRow) -> str:
    name = row.pattern or "-"
    if name in _DIRECTED and row.direction is not None:
        return name + _ARROWS[row.direction]
    return name


def _minute(ts_ms: int | None) -> str:
    """``"2025-05-20 00:00"`` (UTC), or "-" for no time."""
    return "-" if ts_ms is None else iso_utc(ts_ms)[:16].replace("T", " ")
