"""``xor data``: import candle files, download from a venue, list the store, find gaps, seed.

The store lives in ``$XOR_DATA_DIR/candles`` (see :mod:`xor_trading.runtime.settings`).
Every command prints an XOR error as one line on stderr and exits with code 2.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.clock import LiveClock
from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import LoadedCandles, ParquetCandleStore, StoredSeries
from xor_trading.data.importers import ImportedFile, TimeframeOrigin, load_external
from xor_trading.data.market_naming import normalize_symbol
from xor_trading.data.samples import seed_samples
from xor_trading.data.timestamps import iso_utc
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.history_download import (
    DownloadProgress,
    DownloadRange,
    DownloadResult,
    download_history,
    plan_download,
)
from xor_trading.exchanges.ccxt_client.ohlcv_requests import OhlcvRequester
from xor_trading.exchanges.ccxt_client.venue_checks import (
    check_exchange_id,
    check_markets_listed,
    check_timeframe_served,
)
from xor_trading.runtime.settings import Settings, load_settings
from xor_trading.services.backtest_service import parse_time

data_app = typer.Typer(
    name="data",
    help="Candles on disk: import files, list what is stored, find gaps, seed samples.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@data_app.command("import")
@exit_on_xor_error()
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, Parquet, Feather or Freqtrade JSON candle file.", show_default=False
        ),
    ],
    exchange: Annotated[
        str | None,
        typer.Option(help="Exchange id. Default: from the file name, else the configured default."),
    ] = None,
    symbol: Annotated[
        str | None, typer.Option(help="Market, e.g. BTC/USDT. Default: from the file name.")
    ] = None,
    timeframe: Annotated[
        str | None,
        typer.Option(help="Candle timeframe, e.g. 1m or 1h. Default: from the file name."),
    ] = None,
) -> None:
    """Import a candle file into the store, merging with what is there (new candles win).

    The file is validated first (order, duplicates, grid, prices, OHLC); unsorted rows are
    sorted and exact duplicates dropped. Market and timeframe are read from Freqtrade
    names such as `BTC_USDT-1m.feather` or XOR names such as
    `binance_BTC-USDT_1m.parquet` when not given.

    **Examples**

        xor data import user_data/data/binance/BTC_USDT-1m.feather
        xor data import prices.csv --exchange kraken --symbol ETH/USD --timeframe 1h
    """
    settings = load_settings()
    imported = load_external(file, timeframe=timeframe)
    market = symbol or imported.symbol
    if market is None:
        raise ConfigError(
            f"{file}: the file name does not say which market it holds",
            "pass --symbol, for example --symbol BTC/USDT",
        )
    if imported.timeframe_origin is TimeframeOrigin.DATA:
        raise ConfigError(
            f"{file}: the file name does not say the timeframe "
            f"(its candles are {imported.timeframe} apart)",
            f"pass --timeframe {imported.timeframe} if that is right",
        )
    venue = exchange or imported.exchange or settings.default_exchange
    store = ParquetCandleStore(settings.candles_dir)
    stored = store.write(venue, market, imported.timeframe, imported.frame)
    _print_import(imported, stored)


@data_app.command("download")
@exit_on_xor_error()
def download_command(
    symbols: Annotated[
        str,
        typer.Option(help="Markets, comma-separated, e.g. BTC/USDT,ETH/USDT.", show_default=False),
    ],
    timeframe: Annotated[str, typer.Option(help="Timeframe, e.g. 1m or 1h.", show_default=False)],
    exchange: Annotated[
        str | None, typer.Option(help="CCXT exchange id. Default: the configured default.")
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First candle (ISO 8601, UTC if no zone). Default: after the last stored one.",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(help="End, exclusive (ISO 8601). Default: the venue's newest closed candle."),
    ] = None,
) -> None:
    """Download closed candles from an exchange into the store, resuming where it stopped.

    What is already stored is not fetched again: without `--from` (or with a `--from`
    inside the stored span) the download starts after the last stored candle. Exchange,
    markets, timeframe and dates are checked before anything is downloaded. Requests are
    paced by the venue's rate limit; 429 answers are waited out as the venue asks.

    **Examples**

        xor data download --symbols BTC/USDT,ETH/USDT --timeframe 1m --from 2024-01-01T00:00:00Z
        xor data download --exchange kraken --symbols ETH/USD --timeframe 1h \\
            --from 2024-01-01 --to 2024-07-01
        xor data download --symbols BTC/USDT --timeframe 1m
    """
    settings = load_settings()
    venue = (exchange or settings.default_exchange).strip().lower()
    check_exchange_id(venue)
    tf = Timeframe.parse(timeframe)
    markets = [normalize_symbol(part) for part in symbols.split(",") if part.strip()]
    if not markets:
        raise ConfigError("--symbols names no market", "pass e.g. --symbols BTC/USDT,ETH/USDT")
    from_ms = None if from_ is None else parse_time(from_, "--from")
    until_ms = None if to is None else parse_time(to, "--to")
    if from_ms is not None and until_ms is not None and until_ms <= from_ms:
        raise ConfigError(
            f"--to {to} is not after --from {from_}", "give an end later than the start"
        )
    results = asyncio.run(
        _download(settings, venue, list(dict.fromkeys(markets)), tf, from_ms, until_ms)
    )
    Console().print(_download_table(results))


async def _download(
    settings: Settings,
    venue: str,
    markets: list[str],
    timeframe: Timeframe,
    from_ms: int | None,
    until_ms: int | None,
) -> list[DownloadResult]:
    client = make_async_client(venue, None, base_url=settings.exchange_url_overrides.get(venue))
    try:
        check_timeframe_served(client, timeframe)
        await check_markets_listed(client, markets)
        store = _store(settings)
        plans = []
        for market in markets:  # every plan first: a missing --from fails before any download
            stored = (
                store.describe(venue, market, timeframe)
                if store.has(venue, market, timeframe)
                else None
            )
            plans.append((market, plan_download(stored, timeframe, from_ms, until_ms)))
        requester = OhlcvRequester(client)
        results = []
        with _download_progress() as progress:
            for plan in plans:
                results.append(
                    await _download_one(
                        progress, requester, store, plan, venue, timeframe, from_ms, until_ms
                    )
                )
        return results
    finally:
        await client.close()


async def _download_one(
    progress: Progress,
    requester: OhlcvRequester,
    store: ParquetCandleStore,
    plan: tuple[str, tuple[DownloadRange, ...]],
    venue: str,
    timeframe: Timeframe,
    from_ms: int | None,
    until_ms: int | None,
) -> DownloadResult:
    market, ranges = plan
    now_ms = LiveClock().now_ms()  # only to size the progress bar
    expected = sum(max(0, ((r.end_ms or now_ms) - r.start_ms) // timeframe.ms) for r in ranges)
    task = progress.add_task(market, total=max(expected, 1))

    def advance(report: DownloadProgress) -> None:
        progress.update(task, completed=report.candles, total=max(expected, report.candles))

    result = await download_history(
        requester,
        store,
        venue,
        market,
        timeframe,
        from_ms=from_ms,
        until_ms=until_ms,
        on_progress=advance,
    )
    done = max(result.candles, 1)
    progress.update(task, total=done, completed=done)
    return result


def _download_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


def _download_table(results: list[DownloadResult]) -> Table:
    table = _table()
    for title in ("exchange", "symbol", "tf", "new", "stored", "first (UTC)", "last (UTC)", "gaps"):
        numeric = title in {"new", "stored", "gaps"}
        table.add_column(title, justify="right" if numeric else "left", no_wrap=True)
    for r in results:
        s = r.stored
        table.add_row(
            r.exchange,
            r.symbol,
            r.timeframe.text,
            f"{r.candles:,}",
            "-" if s is None else f"{s.rows:,}",
            _minute(None if s is None else s.first_ms),
            _minute(None if s is None else s.last_ms),
            "-" if s is None else f"{s.gap_count:,}",
        )
    return table


@data_app.command("list")
@exit_on_xor_error()
def list_command() -> None:
    """List the stored candle series: market, timeframe, candles, time range, gaps and size.

    **Example**

        xor data list
    """
    store = _store(load_settings())
    series = store.list()
    console = Console()
    if not series:
        console.print(
            f"No candles in {escape(str(store.root))}. "
            "Run [bold]xor data seed[/bold] or [bold]xor data import FILE[/bold].",
            soft_wrap=True,
        )
        return
    console.print(_series_table(series))


@data_app.command("seed")
@exit_on_xor_error()
def seed_command() -> None:
    """Copy the real Binance sample candles shipped with XOR into the store.

    BTC/USDT and ETH/USDT, 1m and 1h. A series already in the store is left alone, so
    running this twice is harmless.

    **Example**

        xor data seed
    """
    store = _store(load_settings())
    seeded = seed_samples(store)
    console = Console()
    if seeded:
        console.print(
            f"Seeded {len(seeded)} sample series into {escape(str(store.root))}:", soft_wrap=True
        )
        console.print(_series_table(seeded))
    else:
        console.print(f"All samples are already in {escape(str(store.root))}.", soft_wrap=True)


@data_app.command("gaps")
@exit_on_xor_error()
def gaps_command(
    symbol: Annotated[str, typer.Option(help="Market, e.g. BTC/USDT.", show_default=False)],
    timeframe: Annotated[str, typer.Option(help="Timeframe, e.g. 1h.", show_default=False)],
    exchange: Annotated[
        str | None, typer.Option(help="Exchange id. Default: the configured default.")
    ] = None,
) -> None:
    """Show the holes in a stored series (candles missing between two present ones).

    A timeframe that is not stored is resampled from a lower stored one first.

    **Example**

        xor data gaps --symbol BTC/USDT --timeframe 1h
    """
    settings = load_settings()
    store = _store(settings)
    loaded = store.read(exchange or settings.default_exchange, symbol, timeframe)
    console = Console()
    for part in _gaps_report(loaded):
        console.print(part, soft_wrap=isinstance(part, str))


def _store(settings: Settings) -> ParquetCandleStore:
    return ParquetCandleStore(settings.candles_dir)


def _minute(ts_ms: int | None) -> str:
    """``"2025-05-20 00:00"`` (UTC), or "-" for no time."""
    return "-" if ts_ms is None else iso_utc(ts_ms)[:16].replace("T", " ")


def _series_table(series: list[StoredSeries]) -> Table:
    table = _table()
    table.add_column("exchange", overflow="ellipsis")
    for title in ("symbol", "tf", "candles", "first (UTC)", "last (UTC)", "gaps", "missing", "MB"):
        numeric = title in {"candles", "gaps", "missing", "MB"}
        table.add_column(title, justify="right" if numeric else "left", no_wrap=True)
    for s in series:
        table.add_row(
            s.exchange,
            s.symbol,
            s.timeframe.text,
            f"{s.rows:,}",
            _minute(s.first_ms),
            _minute(s.last_ms),
            f"{s.gap_count:,}",
            f"{s.missing_bars:,}",
            f"{s.file_bytes / 1e6:.1f}",
        )
    return table


def _table() -> Table:
    """A plain table that fits 80 columns: a rule under the header, one space between columns."""
    return Table(box=box.SIMPLE_HEAD, padding=0, pad_edge=False, show_edge=False)


def _print_import(imported: ImportedFile, stored: StoredSeries) -> None:
    frame = imported.frame
    notes = []
    if imported.reordered:
        notes.append("rows sorted by time")
    if imported.duplicates_dropped:
        notes.append(f"{imported.duplicates_dropped:,} repeated rows dropped")
    console = Console()
    console.print(
        f"Imported {len(frame):,} candles ({_minute(int(frame.ts_ms[0]))} -> "
        f"{_minute(int(frame.ts_ms[-1]))} UTC) into {stored.exchange} {stored.symbol} "
        f"{stored.timeframe}" + (f"; {', '.join(notes)}" if notes else "") + ".",
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"Stored: {stored.rows:,} candles, {_minute(stored.first_ms)} -> "
        f"{_minute(stored.last_ms)} UTC, {stored.gap_count} gaps, in {stored.path}",
        markup=False,
        soft_wrap=True,
    )


def _gaps_report(loaded: LoadedCandles) -> list[str | Table]:
    """A summary line, then one row per gap."""
    frame = loaded.frame
    name = f"{loaded.exchange} {loaded.symbol} {loaded.timeframe}"
    if loaded.resampled_from is not None:
        name += f" (resampled from {loaded.resampled_from})"
    first = None if frame.is_empty else int(frame.ts_ms[0])
    last = None if frame.is_empty else int(frame.ts_ms[-1])
    span = f"{len(frame):,} candles, {_minute(first)} -> {_minute(last)} UTC"
    if not loaded.gaps:
        return [escape(f"No gaps in {name}: {span}.")]
    missing = sum(gap.missing_bars for gap in loaded.gaps)
    summary = f"{name}: {len(loaded.gaps):,} gaps, {missing:,} missing candles; {span}."
    table = _table()
    table.add_column("first missing (UTC)", no_wrap=True)
    table.add_column("next candle (UTC)", no_wrap=True)
    table.add_column("missing", justify="right", no_wrap=True)
    for gap in loaded.gaps:
        table.add_row(_minute(gap.start_ms), _minute(gap.end_ms), f"{gap.missing_bars:,}")
    return [escape(summary), table]
