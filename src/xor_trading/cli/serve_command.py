"""``xor serve``: run the REST and WebSocket API (uvicorn), after upgrading the database.

Order of events, so that a misconfigured server never listens:

1. settings are read (``XOR_*`` variables, the config file);
2. the service container is built: in production mode this refuses missing or weak
   secrets (S12) with exit code 2;
3. the database schema is upgraded to the newest migration (printed: from -> to);
4. uvicorn binds ``--host``/``--port`` (default 127.0.0.1:8000, loopback only) and serves
   until SIGTERM or Ctrl-C, which stop it gracefully with exit code 0.
"""

from __future__ import annotations

import importlib.util
import signal
from types import FrameType
from typing import Annotated, Any

import typer
import uvicorn

from xor_trading.api.app import API_PREFIX, create_app
from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.persistence.database import display_url
from xor_trading.persistence.migrate import upgrade_to_head
from xor_trading.runtime.settings import load_settings
from xor_trading.services.container import build_container

FACTORY = "xor_trading.api.asgi:create_app_from_environment"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _fast_paths() -> dict[str, str]:
    """uvloop and httptools when installed (they are, with uvicorn[standard]): each saves a
    sizeable share of the per-request CPU time against asyncio's loop and h11."""
    options = {}
    if importlib.util.find_spec("uvloop") is not None:
        options["loop"] = "uvloop"
    if importlib.util.find_spec("httptools") is not None:
        options["http"] = "httptools"
    return options


# Frames above 64 KB are refused by the stream itself; uvicorn must not buffer 16 MB first.
# No access log by default: one formatted log line per request costs about a third of an
# authenticated read's CPU time; --access-log turns it on (errors are logged either way).
SERVER_OPTIONS: dict[str, Any] = {
    "log_level": "info",
    "ws_max_size": 65_536,
    "access_log": False,
    **_fast_paths(),
}


def _graceful_stop(_signum: int, _frame: FrameType | None) -> None:
    # uvicorn handles SIGTERM/SIGINT while it serves, then re-raises the signal once it
    # has shut down; with this handler in place that re-raise is a no-op and `xor serve`
    # returns normally (exit 0) instead of dying from the signal.
    return None


def serve(
    host: Annotated[
        str | None,
        typer.Option(
            help=(
                "Address to listen on. Default XOR_API_HOST or 127.0.0.1 (this machine "
                "only); use 0.0.0.0 only behind a TLS reverse proxy."
            ),
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help="TCP port. Default XOR_API_PORT or 8000.", show_default=False
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help=(
                "Worker processes. Above 1, each builds its own container; set XOR_REDIS_URL "
                "so that rate limits and streams are shared between them."
            ),
        ),
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log one line per request (off by default: it costs CPU on every request).",
        ),
    ] = False,
) -> None:
    """Serve the XOR API at http://HOST:PORT/api/v1 until stopped (SIGTERM or Ctrl-C).

    The database (XOR_DATABASE_URL, or the SQLite file in XOR_DATA_DIR) is upgraded to the
    newest schema first. With XOR_MODE=production the server refuses to start when
    XOR_JWT_SECRET or XOR_KEK is missing or weak, and hides the interactive docs.

    Example: [bold]xor serve --port 8080[/], then open http://127.0.0.1:8080/api/v1/docs
    """
    with exit_on_xor_error():
        settings = load_settings()
        container = build_container(settings)  # checks the secrets before anything binds
        bind_host = host or settings.api_host
        bind_port = port or settings.api_port
        database = container.database
        typer.echo(f"database: {display_url(database.url)}")
        typer.echo("upgrading the database schema to the newest migration...")
        upgrade = upgrade_to_head(database)
        before, after = upgrade.from_revision or "empty", upgrade.to_revision or "empty"
        if upgrade.changed:
            typer.echo(f"schema upgraded: {before} -> {after}")
        else:
            typer.echo(f"schema up to date ({after})")
    if bind_host not in LOOPBACK_HOSTS:
        typer.echo(
            f"warning: listening on {bind_host}, reachable from other machines; serve it "
            "behind a TLS reverse proxy",
            err=True,
        )
    if workers > 1 and settings.redis_url is None:
        typer.echo(
            f"warning: {workers} workers without XOR_REDIS_URL: each keeps its own rate-limit "
            f"budgets (a user may get up to {workers}x the per-user rate) and live stream "
            "events reach only the clients of the worker that produced them; set "
            "XOR_REDIS_URL to share both",
            err=True,
        )
    url_host = f"[{bind_host}]" if ":" in bind_host else bind_host
    base = f"http://{url_host}:{bind_port}{API_PREFIX}"
    typer.echo(f"XOR API at {base} (health: {base}/health)")
    if not settings.is_production:
        typer.echo(f"interactive docs: {base}/docs")
    options = {**SERVER_OPTIONS, "access_log": access_log}
    previous = {stop: signal.signal(stop, _graceful_stop) for stop in STOP_SIGNALS}
    try:
        if workers == 1:
            app = create_app(container, server_process=True)
            uvicorn.run(app, host=bind_host, port=bind_port, **options)
        else:
            # Each worker process imports the factory and builds its own container.
            uvicorn.run(
                FACTORY,
                factory=True,
                host=bind_host,
                port=bind_port,
                workers=workers,
                **options,
            )
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
        container.close()
    typer.echo("stopped")
