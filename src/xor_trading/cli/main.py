"""The ``xor`` command line."""

from __future__ import annotations

import typer

from xor_trading.cli.audit_commands import audit_app
from xor_trading.cli.backtest_command import backtest
from xor_trading.cli.data_commands import data_app
from xor_trading.cli.db_commands import db_app
from xor_trading.cli.gate_command import gate
from xor_trading.cli.indicator_commands import indicators_app
from xor_trading.cli.kill_switch_commands import kill_switch_app
from xor_trading.cli.market_commands import market_app
from xor_trading.cli.openapi_command import openapi_app
from xor_trading.cli.platform_command import platform
from xor_trading.cli.replay_command import replay
from xor_trading.cli.serve_command import serve
from xor_trading.cli.strategy_commands import strategies_app
from xor_trading.cli.user_commands import users_app
from xor_trading.cli.venue_commands import venue_app
from xor_trading.cli.worker_commands import worker

app = typer.Typer(
    name="xor",
    help=(
        "XOR: self-hosted automated crypto trading.\n\n"
        "Start with [bold]xor data seed[/] (shipped real Binance candles), then "
        "[bold]xor backtest --strategy sma_cross --symbol BTC/USDT --timeframe 1m[/].\n\n"
        "Settings come from XOR_* environment variables (XOR_DATA_DIR: where data and "
        "results live) and ~/.config/xor/config.toml."
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data")
app.add_typer(strategies_app, name="strategies")
app.add_typer(market_app, name="market")
app.add_typer(indicators_app, name="indicators")
app.add_typer(users_app, name="users")
app.add_typer(venue_app, name="venue")
app.add_typer(audit_app, name="audit")
app.add_typer(kill_switch_app, name="kill-switch")
app.command(no_args_is_help=True)(backtest)
app.command(no_args_is_help=True)(gate)
app.add_typer(db_app, name="db")
app.add_typer(openapi_app, name="openapi")
app.command()(serve)
app.command()(worker)
app.command()(platform)
app.command(no_args_is_help=True)(replay)


def main() -> None:
    app()
