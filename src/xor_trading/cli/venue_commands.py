"""``xor venue serve``: the simulated Binance spot server, for demos and live-path tests."""

from __future__ import annotations

import secrets
import signal
import threading
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import ConfigError
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    FaultPlan,
    load_keys_file,
    running_binance_server,
)
from xor_trading.exchanges.simulated.binance_server.candle_source import choose_candles_root
from xor_trading.exchanges.simulated.fill_models import FixedSlippage, VenueConfig
from xor_trading.runtime.settings import load_settings

venue_app = typer.Typer(
    help=(
        "A simulated Binance spot venue on this machine: the real CCXT client talks to it, "
        "it replays real candles and fills orders. Guide: docs/venue.md."
    ),
    no_args_is_help=True,
)

SERVE_HELP = """Run a loopback server speaking the Binance spot REST and WebSocket API.

It replays real candles from the candle store (default: the shipped BTC/USDT 1m sample)
starting at the current minute, fills orders against the replayed price and keeps one
account per API key (default 10,000 USDT). Any API key is accepted unless --keys is given.

Point XOR at it (then add an exchange key for "binance" as usual):

    export XOR_EXCHANGE_URL_OVERRIDES='{"binance": "http://127.0.0.1:9100"}'

Faults for reliability drills: --faults "drop_request=0.1,error_1006=0.05@POST /api/v3/order"
(kinds: drop_request, drop_response, delay_response, error_1006, error_1007, error_1000,
http_503_text, http_502_html, http_504_html, rate_limit_429, timestamp_1021,
maintenance_html, truncated_json, partial_fill, hidden_order; parameters delay_s, chunks,
chunk_interval_ms, hidden_ms, retry_after_s). user_stream_silent=P drops each user data
event with probability P (1: a silent stream). The same --seed replays the same faults.
"""


@venue_app.command(help=SERVE_HELP)
@exit_on_xor_error()
def serve(
    host: Annotated[str, typer.Option(help="Bind address (keep it loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).", min=0)] = 9100,
    speed: Annotated[
        float, typer.Option(help="Replay speed: 60 plays one 1m candle per second.")
    ] = 1.0,
    symbols: Annotated[
        str, typer.Option(help="Markets to replay, comma separated, e.g. BTC/USDT,ETH/USDT.")
    ] = "BTC/USDT",
    timeframe: Annotated[str, typer.Option(help="Stored candle timeframe to replay.")] = "1m",
    keys: Annotated[
        Path | None,
        typer.Option(
            help=(
                "TOML/JSON file of the only keys accepted: a keys.<name> table per key "
                "(secret, balances, ...)."
            )
        ),
    ] = None,
    faults: Annotated[
        str,
        typer.Option(
            help="Fault plan: kind=probability,... optionally @METHOD /path|METHOD /path."
        ),
    ] = "",
    seed: Annotated[
        int | None, typer.Option(help="Seed of the fault plan (default: random, printed).")
    ] = None,
    spread_bps: Annotated[float, typer.Option(help="Bid-ask spread in basis points.")] = 2.0,
    slippage_bps: Annotated[float, typer.Option(help="Extra taker cost in basis points.")] = 0.0,
    weight_limit: Annotated[
        int, typer.Option(help="Request weight budget per IP and minute (Binance: 6000).", min=1)
    ] = 6000,
) -> None:
    if speed <= 0:
        raise ConfigError(f"--speed must be positive, got {speed}", "use e.g. 1 or 60")
    settings = load_settings()
    symbol_list = tuple(s.strip().upper() for s in symbols.split(",") if s.strip())
    run_seed = seed if seed is not None else secrets.randbelow(2**31)
    key_specs = load_keys_file(keys) if keys is not None else {}
    config = BinanceServerConfig(
        host=host,
        port=port,
        symbols=symbol_list,
        timeframe=timeframe,
        candles_root=choose_candles_root(settings.candles_dir, symbol_list, timeframe),
        speed=speed,
        venue=VenueConfig(
            spread_bps=Decimal(str(spread_bps)),
            slippage=FixedSlippage(Decimal(str(slippage_bps))),
        ),
        keys=key_specs,
        restrict_keys=keys is not None,
        weight_limit_per_window=weight_limit,
        faults=FaultPlan.parse(faults, run_seed) if faults else FaultPlan(seed=run_seed),
    )
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with running_binance_server(config) as venue:
            typer.echo(f"simulated Binance spot venue at {venue.url} (streams {venue.ws_url}/ws)")
            typer.echo(f"replaying {', '.join(symbol_list)} {timeframe} at speed {speed:g}")
            typer.echo(f"fault seed {run_seed}" + (f", plan {faults}" if faults else ", no faults"))
            typer.echo(
                "keys: only those in " + str(keys)
                if keys is not None
                else "keys: any key accepted (open sandbox)"
            )
            typer.echo(
                "point XOR at it: export XOR_EXCHANGE_URL_OVERRIDES="
                f'\'{{"binance": "{venue.url}"}}\''
            )
            typer.echo("Ctrl-C stops it.")
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    typer.echo("venue stopped")
