"""``xor strategies``: what strategies are installed and what their parameters accept."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.strategy.registry import broken_strategies, get_strategy, list_strategies

strategies_app = typer.Typer(
    help="List strategies and show their parameters (defaults, ranges, descriptions).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@strategies_app.command("list")
def list_command() -> None:
    """Every installed strategy (built-in and plug-ins), one line each.

    Example: xor strategies list
    """
    table = Table(show_header=True, header_style="bold")
    table.add_column("strategy")
    table.add_column("fast path")
    table.add_column("description")
    from xor_trading.strategy.base import Strategy  # noqa: PLC0415 - only for the comparison

    for cls in list_strategies():
        vectorised = cls.vector_signals is not Strategy.vector_signals
        table.add_row(cls.name, "yes" if vectorised else "no", cls.description)
    for name, why in sorted(broken_strategies().items()):
        table.add_row(f"[red]{name}[/]", "-", f"[red]failed to load: {why}[/]")
    Console().print(table)


def _range(prop: dict[str, Any]) -> str:
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    if low is None and high is None:
        if "enum" in prop:
            return " | ".join(str(v) for v in prop["enum"])
        return ""
    left = "(" if "exclusiveMinimum" in prop else "["
    right = ")" if "exclusiveMaximum" in prop else "]"
    return f"{left}{'' if low is None else low}, {'' if high is None else high}{right}"


@strategies_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Strategy name, e.g. sma_cross.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON Schema instead.")] = False,
) -> None:
    """A strategy's parameters: type, default, accepted range and meaning.

    Pass them to a backtest as --param key=value.

    Examples: xor strategies show sma_cross   |   xor strategies show sma_cross --json
    """
    with exit_on_xor_error():
        cls = get_strategy(name)
    schema = cls.config_class.model_json_schema()
    if as_json:
        document = {"name": cls.name, "description": cls.description, "parameters": schema}
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    console = Console()
    console.print(f"[bold]{cls.name}[/]: {cls.description}")
    table = Table(show_header=True, header_style="bold")
    for column in ("parameter", "type", "default", "range", "description"):
        table.add_column(column)
    for key, prop in schema.get("properties", {}).items():
        kind = prop.get("type") or " | ".join(p.get("type", "?") for p in prop.get("anyOf", []))
        table.add_row(key, str(kind), str(prop.get("default", "")), _range(prop),
                      prop.get("description", ""))  # fmt: skip
    console.print(table)
