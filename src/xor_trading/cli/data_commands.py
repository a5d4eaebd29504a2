"""``xor data``: import candle files, list the store, find gaps, seed the shipped samples.

The store lives in ``$XOR_DATA_DIR/candles`` (see :mod:`xor_trading.runtime.settings`).
Every command prints an XOR error as one line on stderr and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import ConfigError
from xor_trading.data.candle_store import LoadedCandles, ParquetCandleStore, StoredSeries
from xor_trading.data.importers import ImportedFile, TimeframeOrigin, load_external
from xor_trading.data.samples import seed_samples
from xor_trading.data.timestamps import iso_utc
from xor_trading.runtime.settings import Settings, load_settings

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
