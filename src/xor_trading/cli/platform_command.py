"""``xor platform``: the whole platform in one process, on the embedded default (``make run``).

One process, one asyncio loop: the API (uvicorn's ``Server.serve`` coroutine), a
simulated Binance venue replaying the shipped BTC/USDT 1m candles on an accelerated
clock (``serving_binance_server``), and the bot supervisor of ``xor worker``, whose
paper bots read candles from that venue through the real CCXT client (public endpoints
only). Order of events, so that nothing listens half-configured:

1. settings are read; production mode is refused (this is a local demo: run ``xor
   serve`` and ``xor worker`` there); both ports are checked (a port in use is an error
   naming it, exit code 2) and the API's is held from then on;
2. the shipped sample candles are seeded where missing; the service container is built
   with the ``binance`` URL override pointing at the venue (this process only); the
   database schema is upgraded to the newest migration;
3. the venue starts (market time starts at the current minute and runs ``--speed``
   times faster than the wall clock), then the API, then the demo
   (:func:`~xor_trading.services.demo_setup.ensure_demo`, unless ``--no-demo``), then
   the supervisor; the banner prints the URLs and the demo login;
4. on SIGINT or SIGTERM, in order: the supervisor (every bot fenced, wound down, its
   lease released; recorded states kept), the candle feeds, the API, the venue. Exit 0
   within 30 s (a hard deadline: past it, exit 1). If the API or the supervisor dies on
   its own, the rest is stopped the same way and the exit code is 1.

**Clocks.** Leases, the API and lifecycle records run on the wall clock. The bots run on
the venue's market clock, so that their warm-up, daily risk limits, time stops and the
times of their orders agree with the candles they trade (at speed 60 a market day lasts
24 minutes). Orders therefore carry market times, ahead of the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from xor_trading.api.app import API_PREFIX, create_app
from xor_trading.api.web_app import default_web_dist
from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.cli.serve_command import LOOPBACK_HOSTS, STOP_SIGNALS
from xor_trading.core.errors import ConfigError, FatalError, XorError
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples
from xor_trading.domain.users import Role
from xor_trading.exchanges.ccxt_client.market_feed import CcxtCandleFeed
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    serving_binance_server,
)
from xor_trading.exchanges.simulated.binance_server.candle_source import choose_candles_root
from xor_trading.persistence.database import display_url
from xor_trading.persistence.migrate import upgrade_to_head
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.settings import Settings, load_settings
from xor_trading.runtime.supervisor import Supervisor
from xor_trading.services.bot_worker import BotWorker, WorkerOptions
from xor_trading.services.container import Container, build_container
from xor_trading.services.demo_setup import DemoSetup, ensure_demo
from xor_trading.services.principal import Principal
from xor_trading.services.trading_records import TradingRecordsService

SHUTDOWN_DEADLINE_S = 30.0
DEADLINE_EXIT_CODE = 1
INTERRUPTED_EXIT_CODE = 130  # the shell's code for a SIGINT
VENUE_HOST = "127.0.0.1"  # the simulated venue accepts any key: never reachable from outside
VENUE_EXCHANGE = "binance"
VENUE_SYMBOLS = ("BTC/USDT", "ETH/USDT")  # the shipped 1m samples; the demo bot trades BTC
VENUE_TIMEFRAME = "1m"
API_START_TIMEOUT_S = 30.0
API_GRACE_S = 5  # requests and WebSocket streams still open when the API stops
ACTIVITY_EVERY_S = 2.0
_REPORTED_STATUSES = frozenset({"filled", "denied", "rejected", "canceled", "expired"})


# -- ports -----------------------------------------------------------------------------------


def _port_in_use(what: str, host: str, port: int, option: str) -> ConfigError:
    return ConfigError(
        f"port {port} on {host} is already in use, so {what} cannot listen there",
        f"stop the program using it (another `xor platform` or `xor serve`?) or pass "
        f"{option} with a free port",
    )


def _bound_socket(host: str, port: int, what: str, option: str) -> socket.socket:
    """A socket bound to ``host:port`` (not listening yet), or :class:`ConfigError`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and aiohttp do
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise _port_in_use(what, host, port, option) from None
        raise ConfigError(
            f"{what} cannot listen on {host}:{port}: {exc.strerror}",
            f"pass {option} with another port, or another --host",
        ) from None
    return sock


# -- the parts running in the loop -----------------------------------------------------------


class _EmbeddedApiServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the platform stops it, in its turn."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _MarketClock:
    """The venue's market time (UTC ms): the clock of the demo's paper bots."""

    def __init__(self, venue: BinanceServerHandle) -> None:
        self._venue = venue

    def now_ms(self) -> int:
        return self._venue.market_time_ms()


class _VenueFeeds:
    """Candle feeds of the bots: binance from the simulated venue, public CCXT clients.

    A bot started again gets a new feed; its previous one is closed then (its runtime
    has stopped by the time the supervisor starts a new one), the rest at shutdown.
    """

    def __init__(self, venue: BinanceServerHandle) -> None:
        self._venue = venue
        self._by_bot: dict[str, CandleFeed] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def feed_for(self, spec: BotSpec) -> CandleFeed:
        if spec.exchange == VENUE_EXCHANGE:
            feed = CcxtCandleFeed.connect(
                spec.exchange, base_url=self._venue.url, ws_url=self._venue.ws_url
            )
        else:  # no simulated venue for it: its real public market data
            feed = CcxtCandleFeed.connect(spec.exchange)
        previous = self._by_bot.pop(spec.bot_id, None)
        if previous is not None:
            task = asyncio.get_running_loop().create_task(previous.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        self._by_bot[spec.bot_id] = feed
        return feed

    async def close_all(self) -> None:
        feeds, self._by_bot = list(self._by_bot.values()), {}
        for feed in feeds:
            with contextlib.suppress(Exception):  # a failing close must not block shutdown
                await feed.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class PlatformOptions:
    """The command's options (ports are TCP ports; ``speed``: market-s per wall-s)."""

    host: str
    port: int
    venue_port: int
    speed: float
    demo: bool


def _dashboard_url(web_dist: Path | None, base: str) -> str | None:
    """The dashboard's URL when its build exists (``make web``; ``make run`` builds it)."""
    return None if web_dist is None else base + "/"


def _banner(
    options: PlatformOptions,
    container: Container,
    web_dist: Path | None,
    venue: BinanceServerHandle,
    demo: DemoSetup | None,
) -> list[str]:
    url_host = f"[{options.host}]" if ":" in options.host else options.host
    root = f"http://{url_host}:{options.port}"
    api = root + API_PREFIX
    candle_s = 60.0 / options.speed
    markets = ", ".join(VENUE_SYMBOLS)
    lines = ["", "XOR platform is running (development mode)."]
    dashboard = _dashboard_url(web_dist, root)
    if dashboard is not None:
        lines.append(f"  dashboard:         {dashboard}")
    lines += [
        f"  API:               {api}  (health: {api}/health)",
        f"  interactive docs:  {api}/docs",
        f"  simulated venue:   {venue.url}  replaying {markets} {VENUE_TIMEFRAME} at "
        f"{options.speed:g}x (one candle every {candle_s:g} s)",
        f"  database:          {display_url(container.database.url)}",
    ]
    if demo is not None:
        password = demo.login.password or "(changed by you; the stored one no longer applies)"
        lines += [
            f"  demo login:        {demo.login.email}  password: {password}",
            f"                     (kept in {demo.login.file}; delete it for a new password)",
            f"  demo bot:          {demo.bot.name!r} (paper), {demo.bot.state}",
        ]
    lines += ["Ctrl-C stops everything.", ""]
    return lines


async def _report_activity(container: Container, demo: DemoSetup) -> None:
    """Print each finished order of the demo bot (filled, denied...) as it happens."""
    principal = Principal(demo.user_id, Role.TRADER)
    records = TradingRecordsService(container)
    reported: set[str] = set()
    first = True
    while True:
        try:
            orders, _total, _exact = await asyncio.to_thread(
                records.list_orders, principal, bot_id=demo.bot.id, limit=50
            )
        except XorError as exc:
            typer.echo(f"demo bot: cannot read its orders ({exc.one_line()})", err=True)
            orders = []
        for order in reversed(orders):  # oldest first
            if order.status not in _REPORTED_STATUSES or order.id in reported:
                continue
            reported.add(order.id)
            if first:
                continue  # an earlier run's: not news
            price = f" at {order.average_price}" if order.average_price is not None else ""
            why = f" ({order.reason})" if order.status != "filled" and order.reason else ""
            typer.echo(
                f"demo bot: {order.side} {order.quantity} {order.symbol} {order.type} "
                f"{order.status}{price} [{order.tag}]{why}"
            )
        first = False
        await asyncio.sleep(ACTIVITY_EVERY_S)


async def _await_api_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + API_START_TIMEOUT_S
    while not server.started:
        if task.done():
            task.result()  # its exception, if any
            raise FatalError(
                "the API server stopped while starting", "read the log lines above for why"
            )
        if loop.time() > deadline:
            raise FatalError(
                f"the API did not start within {API_START_TIMEOUT_S:g} s",
                "the machine may be overloaded; try again, or run `xor serve` alone to see why",
            )
        await asyncio.sleep(0.05)


async def _stop_task(task: asyncio.Task[Any] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def _serve(options: PlatformOptions, container: Container, api_socket: socket.socket) -> bool:
    """Run everything until a stop signal; whether it stopped cleanly within the deadline."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    settings = container.settings
    config = BinanceServerConfig(
        host=VENUE_HOST,
        port=options.venue_port,
        symbols=VENUE_SYMBOLS,
        timeframe=VENUE_TIMEFRAME,
        candles_root=choose_candles_root(settings.candles_dir, VENUE_SYMBOLS, VENUE_TIMEFRAME),
        speed=options.speed,
    )
    venue_context = serving_binance_server(config)
    try:
        venue = await venue_context.__aenter__()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise _port_in_use(
                "the simulated venue", VENUE_HOST, options.venue_port, "--venue-port"
            ) from None
        raise
    feeds = _VenueFeeds(venue)
    server: _EmbeddedApiServer | None = None
    api_task: asyncio.Task[None] | None = None
    supervisor_task: asyncio.Task[None] | None = None
    activity: asyncio.Task[None] | None = None
    supervisor: Supervisor | None = None
    clean = True
    try:
        web_dist = default_web_dist()
        app = create_app(container, web_dist=web_dist)
        server = _EmbeddedApiServer(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                ws_max_size=65_536,
                timeout_graceful_shutdown=API_GRACE_S,  # open streams must not hold the stop
            )
        )
        api_task = asyncio.create_task(server.serve(sockets=[api_socket]), name="api")
        await _await_api_started(server, api_task)
        demo = await asyncio.to_thread(ensure_demo, container) if options.demo else None
        worker = BotWorker(
            container,
            feeds.feed_for,
            options=WorkerOptions(),
            bot_clock=lambda _spec: _MarketClock(venue),
        )
        supervisor = worker.supervisor()
        supervisor_task = asyncio.create_task(supervisor.run(stop), name="supervisor")
        for line in _banner(options, container, web_dist, venue, demo):
            typer.echo(line)
        if demo is not None:
            activity = asyncio.create_task(_report_activity(container, demo), name="activity")
        stopped = asyncio.create_task(stop.wait())
        done, _pending = await asyncio.wait(
            {stopped, api_task, supervisor_task}, return_when=asyncio.FIRST_COMPLETED
        )
        if stopped not in done:
            clean = False
            failed = "the API" if api_task in done else "the bot supervisor"
            typer.echo(f"error: {failed} stopped on its own; stopping the platform", err=True)
            stop.set()
        await _stop_task(stopped)
        typer.echo("stopping: bots first (no new entries, leases released), then the API...")
    finally:
        stop.set()
        try:
            async with asyncio.timeout(SHUTDOWN_DEADLINE_S):
                await _stop_task(activity)
                await _stop_task(supervisor_task)
                if supervisor is not None:
                    await supervisor.shutdown()
                await feeds.close_all()
                if server is not None and api_task is not None:
                    server.should_exit = True
                    with contextlib.suppress(asyncio.CancelledError):
                        await api_task
        except TimeoutError:
            clean = False
            typer.echo(
                f"error: the platform did not stop within {SHUTDOWN_DEADLINE_S:.0f} s", err=True
            )
        finally:
            await venue_context.__aexit__(None, None, None)
    return clean


# -- the command -----------------------------------------------------------------------------


def _prepare(settings: Settings, options: PlatformOptions) -> Settings:
    """Refuse what cannot work; the settings of this process (binance -> the venue)."""
    if settings.is_production:
        raise ConfigError(
            "xor platform is a local demo and refuses production mode (XOR_MODE=production)",
            "in production run `xor serve` and `xor worker` against your own database",
        )
    if options.port == options.venue_port:
        raise ConfigError(
            f"--port and --venue-port are both {options.port}",
            "give the API and the simulated venue different ports",
        )
    overrides = {
        **settings.exchange_url_overrides,
        VENUE_EXCHANGE: f"http://{VENUE_HOST}:{options.venue_port}",
    }
    return settings.model_copy(update={"exchange_url_overrides": overrides})


def platform(
    host: Annotated[
        str, typer.Option(help="API address (keep it loopback: the demo login is printed).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="API TCP port.")] = 8000,
    venue_port: Annotated[
        int, typer.Option(min=1, max=65535, help="TCP port of the simulated venue (loopback).")
    ] = 9100,
    speed: Annotated[
        float,
        typer.Option(
            min=0.001,
            max=100_000.0,
            help="Market replay speed: 60 plays one 1m candle per second.",
        ),
    ] = 60.0,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Create and start the demo user and bot.")
    ] = True,
) -> None:
    """Run the whole platform in one process until Ctrl-C: the API, a simulated Binance
    venue replaying real BTC/USDT candles on an accelerated clock, and the paper bots
    (with a demo user and a demo bot trading on it).

    Uses the embedded defaults: SQLite in XOR_DATA_DIR and the in-process bus. Prints the
    API URL and the demo login. Development mode only.

    Example: [bold]xor platform --speed 120[/], then open http://127.0.0.1:8000/api/v1/docs
    """
    options = PlatformOptions(host, port, venue_port, speed, demo)
    with exit_on_xor_error():
        settings = _prepare(load_settings(), options)
        api_socket = _bound_socket(host, port, "the API", "--port")
    if host not in LOOPBACK_HOSTS:
        typer.echo(
            f"warning: the API listens on {host}, reachable from other machines, and the demo "
            "login is printed below; keep it on 127.0.0.1 unless you know why not",
            err=True,
        )
    try:
        with exit_on_xor_error():
            _bound_socket(VENUE_HOST, venue_port, "the simulated venue", "--venue-port").close()
            seeded = seed_samples(ParquetCandleStore(settings.candles_dir))
            if seeded:
                typer.echo(
                    f"seeded {len(seeded)} shipped sample series into {settings.candles_dir}"
                )
            container = build_container(settings)
            try:
                typer.echo(f"database: {display_url(container.database.url)}")
                upgrade = upgrade_to_head(container.database)
                typer.echo(f"schema: {upgrade.to_revision or 'empty'}")
                clean = asyncio.run(_serve(options, container, api_socket))
            finally:
                container.close()
    except KeyboardInterrupt:  # Ctrl-C before the platform's own handlers were installed
        typer.echo("interrupted while starting; nothing was left running", err=True)
        raise typer.Exit(code=INTERRUPTED_EXIT_CODE) from None
    finally:
        api_socket.close()
    if not clean:
        raise typer.Exit(code=DEADLINE_EXIT_CODE)
    typer.echo("stopped")
