"""``xor indicators``: list the indicator catalog, compute one over a candle file into a CSV.

CSV layouts written by ``compute`` (numbers in full precision, empty cells for NaN, times
in ISO 8601 UTC):

* indicators of one value per candle: ``time`` (the candle's open time), the candle
  columns read, then one column per output line;
* ``zigzag``: one row per confirmed swing: ``time, index, kind, price, confirmed_time,
  confirmed_index`` (indexes count candles in the file from 0);
* ``fibonacci``: one row per level: ``kind, ratio, price``;
* ``volume_profile``: one row per price bin, lowest first: ``price_low, price_high,
  volume, poc, value_area`` (``poc`` and ``value_area`` are 1 for the POC bin and the bins
  of the value area, else 0).

Every command prints an XOR error as one line on stderr and exits with code 2; a failed
``compute`` writes nothing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import ConfigError
from xor_trading.data.importers import load_external
from xor_trading.data.timestamps import iso_utc
from xor_trading.indicators.catalog import (
    CATALOG,
    IndicatorOutput,
    IndicatorSpec,
    OutputShape,
    ParamValue,
    find,
)
from xor_trading.indicators.fibonacci import FibLevel
from xor_trading.indicators.swings import SwingPoint
from xor_trading.indicators.volume_profile import VolumeProfile
from xor_trading.timeseries.candle_frame import CandleFrame

indicators_app = typer.Typer(
    name="indicators",
    help="Technical indicators: list them, compute one over a candle file into a CSV.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

Cell = str | int | float


@indicators_app.command("list")
@exit_on_xor_error()
def list_command() -> None:
    """List every indicator: name, candle columns read, parameters with defaults, outputs.

    **Example**

        xor indicators list
    """
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
    for title in ("name", "inputs", "parameters", "outputs"):
        table.add_column(title, overflow="fold")
    for spec in CATALOG.values():
        table.add_row(
            spec.name,
            " ".join(spec.inputs),
            " ".join(p.example for p in spec.all_params) or "-",
            " ".join(spec.outputs),
        )
    Console().print(table)


@indicators_app.command("describe")
@exit_on_xor_error()
def describe_command(
    name: Annotated[str, typer.Argument(help="Indicator name, e.g. rsi.", show_default=False)],
) -> None:
    """Describe one indicator: what it computes, its inputs, parameters and outputs.

    **Example**

        xor indicators describe ichimoku
    """
    spec = find(name)
    console = Console()
    console.print(f"{spec.name}: {spec.summary}", markup=False, soft_wrap=True)
    console.print(f"inputs: {' '.join(spec.inputs)}", markup=False)
    console.print(f"outputs: {' '.join(spec.outputs)}", markup=False)
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
    for title in ("parameter", "default", "meaning"):
        table.add_column(title, overflow="fold")
    for p in spec.all_params:
        table.add_row(p.name, str(p.default), p.description)
    if spec.all_params:
        console.print(table)


@indicators_app.command("compute")
@exit_on_xor_error()
def compute_command(
    name: Annotated[str, typer.Argument(help="Indicator name, e.g. rsi.", show_default=False)],
    data: Annotated[
        Path,
        typer.Option(
            help="Candle file: CSV, Parquet, Feather or Freqtrade JSON.", show_default=False
        ),
    ],
    output: Annotated[
        Path, typer.Option(help="CSV file to write (overwritten).", show_default=False)
    ],
    timeframe: Annotated[
        str | None,
        typer.Option(help="Candle timeframe, e.g. 1h. Default: from the file name or data."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="Indicator parameter key=value; repeat it. Unknown keys are refused."),
    ] = None,
) -> None:
    """Compute an indicator over a candle file and write it to a CSV file.

    Values are computed over every candle of the file, oldest first; the first candles
    of most indicators are empty (the warm-up). See the module docs for each layout.

    **Examples**

        xor indicators compute rsi --data binance_BTC-USDT_1h.parquet --output rsi.csv

        xor indicators compute macd --data btc.csv --timeframe 1h \\
            --param fast=8 --param slow=21 --output macd.csv

        xor indicators compute zigzag --data eth.parquet \\
            --param threshold_pct=3 --output swings.csv
    """
    spec = find(name)
    given = _pairs(param or [])
    params = spec.resolve(given)  # refuse bad parameters before reading any data
    frame = load_external(data, timeframe=timeframe).frame
    result = spec.compute(frame, params)
    rows = _rows(spec, frame, params, result)
    text = _csv([_header(spec, params), *rows])
    _write(output, text)
    shown = ", ".join(f"{k}={v}" for k, v in params.items())
    Console().print(
        f"Wrote {len(rows):,} rows of {spec.name}({shown}) over {len(frame):,} candles to {output}",
        markup=False,
        soft_wrap=True,
    )


def _pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``["period=14"]`` -> ``{"period": "14"}``; each item must be key=value, keys once."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                f"--param {pair!r} is not key=value", "write it like --param period=14"
            )
        if key in out:
            raise ConfigError(f"--param {key} is given twice", "give each parameter once")
        out[key] = value.strip()
    return out


def _header(spec: IndicatorSpec, params: dict[str, ParamValue]) -> list[Cell]:
    if spec.shape is not OutputShape.LINES:
        return list(spec.outputs)
    inputs = [c for c in spec.columns(params) if c != "ts_ms"]
    return ["time", *inputs, *spec.outputs]


def _rows(
    spec: IndicatorSpec,
    frame: CandleFrame,
    params: dict[str, ParamValue],
    result: IndicatorOutput,
) -> list[list[Cell]]:
    if isinstance(result, dict):
        inputs = [c for c in spec.columns(params) if c != "ts_ms"]
        columns = [getattr(frame, c).tolist() for c in inputs]
        columns += [result[name].tolist() for name in spec.outputs]
        times = [iso_utc(t) for t in frame.ts_ms.tolist()]
        return [[t, *values] for t, *values in zip(times, *columns, strict=True)]
    if isinstance(result, VolumeProfile):
        return _profile_rows(result)
    return [_item_row(frame, item) for item in result]


def _item_row(frame: CandleFrame, item: SwingPoint | FibLevel) -> list[Cell]:
    if isinstance(item, FibLevel):
        return [item.kind.value, item.ratio, item.price]
    ts = frame.ts_ms
    when, confirmed = iso_utc(int(ts[item.index])), iso_utc(int(ts[item.confirmed_index]))
    return [when, item.index, item.kind.value, item.price, confirmed, item.confirmed_index]


def _profile_rows(profile: VolumeProfile) -> list[list[Cell]]:
    edges = profile.bin_edges.tolist()
    rows: list[list[Cell]] = []
    for k, volume in enumerate(profile.volumes.tolist()):
        low, high = edges[k], edges[k + 1]
        poc = int(low <= profile.poc < high)
        inside = int(profile.value_area_low <= low and high <= profile.value_area_high)
        rows.append([low, high, volume, poc, inside])
    return rows


def _cell(value: Cell) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def _csv(rows: Iterable[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def _write(path: Path, text: str) -> None:
    if path.is_dir():
        raise ConfigError(f"--output {path} is a directory", "name a file, e.g. out/rsi.csv")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path}: {exc.strerror}", "choose a writable path"
        ) from None
