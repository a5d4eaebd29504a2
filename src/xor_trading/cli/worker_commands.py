"""``xor worker``: run bots (paper and live trading) until SIGTERM or Ctrl-C.

Order of events:

1. settings are read and the service container is built (production refuses weak
   secrets, exit code 2); the database schema is upgraded to the newest migration;
2. a supervisor acquires the leases of the bots whose recorded state says they should run
   (``starting``, the trading loop, ``paused``) and runs each in this process; several
   workers may share one database: each bot runs in exactly one of them;
3. on SIGTERM or SIGINT: every bot sends no new entry from that instant, is flattened
   first with ``--flatten-on-exit``, stops, and its lease is released, so another worker
   resumes it at once; bots keep their recorded state. The process exits with code 0
   within 30 s (a hard deadline: past it, it exits with code 1).

Candles come from the exchange's public market data (``--feed market``, the default) or
from the local candle store (``--feed replay``, for demos; ``--replay-speed``). With
``--replay-from``, each bot lives on the replay's market clock, starting at that time
(:class:`~xor_trading.data.replay_market_clock.ReplayMarketClock`): its warm-up reads the
stored candles before it, and its orders, trades and daily limits carry market times, as
under ``xor platform``. Leases, the API and lifecycle records stay on the wall clock. A bot
started again in the same worker goes on from the market time it had reached. Without
``--replay-from`` bots run on the wall clock, so only candles stored for times after now
are replayed.

With ``--record-dir DIR`` every bot run is recorded to ``DIR/<bot_id>-<fencing token>.jsonl``
(the path is printed when the recording starts; the footer is written when the run ends:
stop, lost lease, shutdown), and ``xor replay FILE`` reproduces it (docs/replay.md).

With ``XOR_MARKET_DATA_FAILOVER`` (``{"binance": "okx"}``), the market feed of a bot on the
first exchange switches to the second's candles when it fails or stalls; each switch is
logged and recorded as a risk event of the bot (``services/market_data_failover.py``).

Live bots are run too (``--no-live`` leaves them to another worker): each is built by
:class:`~xor_trading.services.live_venue.CcxtLiveVenueFactory` from this process's
container (its exchange key is decrypted here, its orders go to the exchange or to the
server's ``exchange_url_overrides``) and trades only after its startup reconciliation
passed (docs/live-trading.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.clock import Clock
from xor_trading.core.crash_points import armed_crash_point
from xor_trading.core.errors import ConfigError
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.data.replay_market_clock import ReplayMarketClock
from xor_trading.exchanges.ccxt_client.market_feed import CcxtCandleFeed
from xor_trading.execution.unknown_resolution import UnknownResolutionConfig
from xor_trading.persistence.migrate import upgrade_to_head
from xor_trading.runtime.bot_recording import RECORDING_LOGGER
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.lease import LeaseTiming
from xor_trading.runtime.settings import Settings, load_settings
from xor_trading.services.backtest_service import parse_time
from xor_trading.services.bot_worker import BotWorker, FeedFactory, WorkerOptions
from xor_trading.services.container import build_container
from xor_trading.services.live_venue import CcxtLiveVenueFactory, LiveOptions, ws_url_of
from xor_trading.services.market_data_failover import FailoverEvents, failover_feed

SHUTDOWN_DEADLINE_S = 30.0
DEADLINE_EXIT_CODE = 1


class FeedKind(StrEnum):
    MARKET = "market"
    REPLAY = "replay"


class _ReplayMarkets:
    """Replay feeds from the store, each bot on its own market clock from ``start_ms``.

    The clock is kept per bot for the life of the process, so a bot started again resumes
    at the market time it had reached instead of trading the same candles twice.
    """

    def __init__(self, store: ParquetCandleStore, speed: float, start_ms: int) -> None:
        self._store = store
        self._speed = speed
        self._start_ms = start_ms
        self._clocks: dict[str, ReplayMarketClock] = {}

    def clock_for(self, spec: BotSpec) -> ReplayMarketClock:
        return self._clocks.setdefault(spec.bot_id, ReplayMarketClock(self._start_ms))

    def feed_for(self, spec: BotSpec) -> CandleFeed:
        return ReplayCandleFeed.over_store(
            self._store,
            spec.exchange,
            speed=self._speed,
            wait_at_end=True,
            clock=self.clock_for(spec),
        )


def _exchange_feed(exchange: str, settings: Settings) -> CcxtCandleFeed:
    base_url = settings.exchange_url_overrides.get(exchange)
    ws_url = ws_url_of(base_url) if base_url else None
    return CcxtCandleFeed.connect(exchange, base_url=base_url, ws_url=ws_url)


def _check_failover(settings: Settings) -> None:
    for first, second in settings.market_data_failover.items():
        if first == second:
            raise ConfigError(
                f"market_data_failover sends {first} to itself",
                'name a second exchange (XOR_MARKET_DATA_FAILOVER=\'{"binance": "okx"}\')',
            )


def _feed_factory(
    kind: FeedKind, settings: Settings, speed: float, failover: FailoverEvents | None = None
) -> FeedFactory:
    """The bots' candle feeds; ``failover`` records market-data switches (risk events)."""
    if kind is FeedKind.REPLAY:
        store = ParquetCandleStore(settings.candles_dir)

        def replay(spec: BotSpec) -> CandleFeed:
            return ReplayCandleFeed.over_store(store, spec.exchange, speed=speed, wait_at_end=True)

        return replay
    _check_failover(settings)

    def market(spec: BotSpec) -> CandleFeed:
        primary = _exchange_feed(spec.exchange, settings)
        second = settings.market_data_failover.get(spec.exchange)
        if second is None:
            return primary
        return failover_feed(spec, primary, second, _exchange_feed(second, settings), failover)

    return market


def _feeds_and_clocks(
    kind: FeedKind,
    settings: Settings,
    speed: float,
    replay_from: str | None,
    failover: FailoverEvents | None = None,
) -> tuple[FeedFactory, Callable[[BotSpec], Clock] | None]:
    """The bots' feeds and, for a replay from a given time, their market clocks (None:
    the container's wall clock)."""
    if replay_from is None:
        return _feed_factory(kind, settings, speed, failover), None
    if kind is not FeedKind.REPLAY:
        raise ConfigError(
            "--replay-from only applies to --feed replay",
            "add --feed replay, or drop --replay-from to trade the exchange's market",
        )
    markets = _ReplayMarkets(
        ParquetCandleStore(settings.candles_dir), speed, parse_time(replay_from, "--replay-from")
    )
    return markets.feed_for, markets.clock_for


def _show_recordings() -> None:
    """Print each bot run's event log path as its recording starts (stderr)."""
    recordings = logging.getLogger(RECORDING_LOGGER)
    if not recordings.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        recordings.addHandler(handler)
    recordings.setLevel(logging.INFO)


async def _run(worker: BotWorker, flatten: bool) -> bool:
    """Run until a stop signal; whether the shutdown met the deadline."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    supervisor = worker.supervisor()
    typer.echo(f"worker {supervisor.worker_id} started", err=True)
    runner = asyncio.create_task(supervisor.run(stop))
    await stop.wait()
    typer.echo("stopping: no new entries; bots keep their state", err=True)
    try:
        async with asyncio.timeout(SHUTDOWN_DEADLINE_S):
            with contextlib.suppress(asyncio.CancelledError):
                runner.cancel()
                await runner
            await supervisor.shutdown(flatten=flatten)
    except TimeoutError:
        return False
    typer.echo("worker stopped", err=True)
    return True


@exit_on_xor_error()
def worker(
    feed: Annotated[
        FeedKind, typer.Option(help="Where candles come from: market (exchange) or replay.")
    ] = FeedKind.MARKET,
    replay_speed: Annotated[
        float, typer.Option(min=0.0, help="Replay: times real time (0: as fast as possible).")
    ] = 60.0,
    replay_from: Annotated[
        str | None,
        typer.Option(
            help=(
                "Replay: market time to start at (ISO 8601, UTC); bots then run on the "
                "replay's clock. Default: now (only candles stored for later are replayed)."
            )
        ),
    ] = None,
    flatten_on_exit: Annotated[
        bool, typer.Option(help="Close every position at market before stopping.")
    ] = False,
    poll_ms: Annotated[
        int, typer.Option(min=50, max=60_000, help="How often bot states are read (ms).")
    ] = 1_000,
    max_bots: Annotated[
        int | None, typer.Option(min=1, help="Run at most this many bots in this process.")
    ] = None,
    live: Annotated[
        bool, typer.Option(help="Also run live bots (--no-live: paper bots only).")
    ] = True,
    in_flight_check_ms: Annotated[
        int,
        typer.Option(min=100, max=60_000, help="Live: how often open orders are checked (ms)."),
    ] = 1_000,
    not_found_span_ms: Annotated[
        int,
        typer.Option(
            min=0,
            max=600_000,
            help=(
                "Live: how long an unacknowledged order must stay 'not found' at the exchange "
                "before it is final (ms; lower it only against the simulated venue)."
            ),
        ),
    ] = UnknownResolutionConfig().min_not_found_span_ms,
    record_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help=(
                "Record every bot run to DIR/<bot_id>-<fencing token>.jsonl for "
                "xor replay (docs/replay.md)."
            ),
        ),
    ] = None,
) -> None:
    """Run paper and live bots until SIGTERM/Ctrl-C (leases: several workers may share a
    database)."""
    armed_crash_point()  # a mistyped XOR_CRASH_POINT fails here, not silently
    settings = load_settings()
    container = build_container(settings)
    try:
        feeds, bot_clock = _feeds_and_clocks(
            feed,
            settings,
            replay_speed,
            replay_from,
            FailoverEvents(container.database, container.clock),
        )
        upgrade_to_head(container.database)
        if record_dir is not None:
            _show_recordings()
        options = WorkerOptions(
            timing=LeaseTiming(),
            poll_every_ms=poll_ms,
            max_bots=max_bots,
            record_dir=record_dir,
        )
        live_factory = (
            CcxtLiveVenueFactory(
                container,
                LiveOptions(
                    in_flight_check_interval_ms=in_flight_check_ms,
                    unknown=UnknownResolutionConfig(min_not_found_span_ms=not_found_span_ms),
                ),
            )
            if live
            else None
        )
        bot_worker = BotWorker(
            container,
            feeds,
            options=options,
            live_venue_factory=live_factory,
            bot_clock=bot_clock,
        )
        finished = asyncio.run(_run(bot_worker, flatten_on_exit))
    finally:
        container.close()
    if not finished:
        typer.echo(f"error: the worker did not stop within {SHUTDOWN_DEADLINE_S:.0f} s", err=True)
        raise typer.Exit(code=DEADLINE_EXIT_CODE)
