"""Write each strategy's backtest results into its documentation page.

Usage::

    python scripts/strategy_results.py NAME [NAME...]
    python scripts/strategy_results.py --all

For each strategy, ``docs/strategies/NAME.md`` must hold the two markers
``<!-- results:start -->`` and ``<!-- results:end -->``; everything between them is replaced
by a generated table. The page names its dataset with a line
``<!-- dataset: binance BTC/USDT 1h -->`` (exchange, symbol, timeframe of a sample shipped in
``src/xor_trading/data/samples``); without one, BTC/USDT 1h on Binance is used.

Every run uses the strategy's default parameters on the whole sample, with a capital of
10,000 and a stake of 1,000 in the quote currency, a 10 bps fee on every fill, no slippage,
no spread, and no run-level stop loss or take profit. ``--all`` takes every page of the
docs directory that has the markers. An unknown strategy, a missing page or marker, or a
dataset that is not shipped ends the script with exit code 2 and a one-line error, before
any page is written.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import Metrics, compute_metrics
from xor_trading.backtest.runner import run_backtest
from xor_trading.core.clock import utc_now
from xor_trading.core.errors import XorError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.strategy.registry import get_strategy

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = REPO_ROOT / "docs" / "strategies"
START = "<!-- results:start -->"
END = "<!-- results:end -->"
DATASET_LINE = re.compile(r"<!--\s*dataset:\s*(\S+)\s+(\S+)\s+(\S+)\s*-->")
DEFAULT_DATASET = ("binance", "BTC/USDT", "1h")

CAPITAL = Decimal(10_000)
STAKE = Decimal(1_000)
FEE_BPS = Decimal(10)


class UsageError(Exception):
    """A request this script refuses (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Dataset:
    exchange: str
    symbol: str
    timeframe: Timeframe

    @property
    def path(self) -> Path:
        """The sample file, in the candle store's layout."""
        market = self.symbol.replace("/", "-")
        return SAMPLES_DIR / self.exchange / market / f"{self.timeframe}.parquet"

    def __str__(self) -> str:
        return f"{self.exchange} {self.symbol} {self.timeframe}"


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    path: Path
    text: str
    dataset: Dataset


def _page(name: str) -> Page:
    """The docs page of strategy ``name``, checked: registered, markers present, data shipped."""
    try:
        get_strategy(name)
    except XorError as exc:
        raise UsageError(exc.one_line()) from None
    path = DOCS_DIR / f"{name}.md"
    if not path.is_file():
        raise UsageError(f"strategy {name!r} has no page {path}")
    text = path.read_text(encoding="utf-8")
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise UsageError(f"{path} has no {START} ... {END} block")
    found = DATASET_LINE.search(text)
    exchange, symbol, timeframe = found.groups() if found else DEFAULT_DATASET
    try:
        dataset = Dataset(exchange, symbol.upper(), Timeframe.parse(timeframe))
    except XorError as exc:
        raise UsageError(f"{path}: {exc.one_line()}") from None
    if not dataset.path.is_file():
        raise UsageError(f"{path}: dataset {dataset} is not a shipped sample ({dataset.path})")
    return Page(name, path, text, dataset)


def _git_commit() -> str:
    """Short commit of HEAD, marked when the sources differ from it; 'unknown' outside git."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src", "scripts")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"`{commit}` (with uncommitted changes)" if dirty else f"`{commit}`"


def _when(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "n/a"
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def _number(value: float | None, digits: int = 2) -> str:
    """A float for the table; undefined metrics (None) read "n/a"."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def results_block(page: Page, metrics: Metrics, candles: int, path: str, quote: str) -> str:
    """The Markdown that goes between the markers (markers excluded)."""
    m = metrics
    rows = [
        ("dataset", f"{page.dataset} (shipped sample)"),
        ("period", f"{_when(m.start_time_ms)} to {_when(m.end_time_ms)} UTC ({candles:,} candles)"),
        ("trades", f"{m.number_of_trades:,}"),
        ("total return %", _number(m.total_return_pct)),
        ("CAGR %", _number(m.cagr_pct)),
        ("Sharpe", _number(m.sharpe)),
        ("max drawdown %", _number(m.max_drawdown_pct)),
        ("win rate %", _number(m.win_rate_pct)),
        ("profit factor", _number(m.profit_factor)),
        ("fees paid", f"{m.fees_paid:,.2f} {quote}"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return (
        f"Generated by `scripts/strategy_results.py` on {utc_now():%Y-%m-%d} at commit "
        f"{_git_commit()}. Default parameters, the whole sample, capital "
        f"{CAPITAL:,} {quote}, stake {STAKE:,} {quote} per entry, fee {FEE_BPS} bps on every "
        f"fill, no slippage, no spread, no run-level stop loss or take profit; a market order "
        f"sent at a candle's close fills at the next open ({path} path). Past results on one "
        f"market say little about the future.\n\n"
        f"| metric | value |\n|---|---|\n{table}\n"
    )


def write_results(page: Page) -> Metrics:
    """Backtest the strategy on its dataset and rewrite the page's results block."""
    data = page.dataset
    frame = read_candle_parquet(data.path, data.timeframe.ms)
    instrument = load_instrument(data.exchange, data.symbol)
    config = BacktestConfig.build(capital=CAPITAL, stake=STAKE, fee_bps=FEE_BPS)
    result = run_backtest(frame, instrument, page.name, {}, config)
    metrics = compute_metrics(result.trades, result.curve, CAPITAL, frame.timeframe_ms)
    block = results_block(page, metrics, len(frame), result.path, instrument.quote)
    start = page.text.index(START) + len(START)
    end = page.text.index(END, start)
    page.path.write_text(f"{page.text[:start]}\n{block}{page.text[end:]}", encoding="utf-8")
    return metrics


def main(argv: list[str]) -> int:
    if not argv or argv in (["-h"], ["--help"]):
        print(__doc__)
        return 0 if argv else 2
    try:
        if argv == ["--all"]:
            names = sorted(p.stem for p in DOCS_DIR.glob("*.md") if START in p.read_text("utf-8"))
            if not names:
                raise UsageError(f"no page in {DOCS_DIR} has a {START} block")
        elif "--all" in argv or any(a.startswith("-") for a in argv):
            raise UsageError("give strategy names or --all alone")
        else:
            names = list(dict.fromkeys(argv))
        pages = [_page(name) for name in names]  # every check before the first write
    except UsageError as exc:
        print(f"strategy_results: {exc}", file=sys.stderr)
        return 2
    for page in pages:
        metrics = write_results(page)
        print(f"{page.name}: {metrics.number_of_trades} trades on {page.dataset}, "
              f"total return {_number(metrics.total_return_pct)} % -> {page.path}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
