"""Running the server: in a background thread (sync tests, the CLI) or in the current loop.

``running_binance_server(config)`` starts the venue on ``config.host`` (a free port by
default) in a daemon thread with its own event loop and yields a
:class:`BinanceServerHandle`; ``serving_binance_server(config)`` does the same inside
the caller's running event loop (``async with``). The handle's methods run on the
server's loop (hopping threads when needed), so what they read is consistent.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from aiohttp import web

from xor_trading.exchanges.simulated.binance_server.accounts import (
    Balance,
    VenueOrder,
    VenueTrade,
)
from xor_trading.exchanges.simulated.binance_server.app import HUB_KEY, build_app
from xor_trading.exchanges.simulated.binance_server.config import BinanceServerConfig
from xor_trading.exchanges.simulated.binance_server.faults import (
    FaultPlan,
    FaultRecord,
    ScriptedFault,
)
from xor_trading.exchanges.simulated.binance_server.simulated_binance import (
    RequestRecord,
    SimulatedBinance,
)

T = TypeVar("T")
_START_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """A copy of one account's ledger: balances by asset, orders and trades in order."""

    api_key: str
    balances: dict[str, Balance]
    orders: list[VenueOrder]
    trades: list[VenueTrade]

    def free(self, asset: str) -> Decimal:
        return self.balances.get(asset, Balance()).free

    def locked(self, asset: str) -> Decimal:
        return self.balances.get(asset, Balance()).locked

    def order_by_client_id(self, client_order_id: str) -> VenueOrder | None:
        found = [o for o in self.orders if o.client_order_id == client_order_id]
        return found[-1] if found else None


class BinanceServerHandle:
    """Address, control and inspection of a running simulated Binance server."""

    def __init__(
        self,
        venue: SimulatedBinance,
        app: web.Application,
        url: str,
        ws_url: str,
        loop: asyncio.AbstractEventLoop,
        threaded: bool,
    ) -> None:
        self._venue = venue
        self._app = app
        self.url = url
        """HTTP base, e.g. ``http://127.0.0.1:53211`` (REST at ``/api/v3/...``)."""
        self.ws_url = ws_url
        """WebSocket base, e.g. ``ws://127.0.0.1:53211`` (``/ws``, ``/stream``, ``/ws-api/v3``)."""
        self._loop = loop
        self._threaded = threaded

    def _call(self, fn: Callable[[], T]) -> T:
        if not self._threaded:
            return fn()

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(_START_TIMEOUT_S)

    # -- faults ---------------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return self._call(lambda: self._venue.faults.plan.seed)

    def set_fault_plan(self, plan: FaultPlan) -> None:
        """Replace the random fault plan (its RNG restarts from ``plan.seed``)."""
        self._call(lambda: self._venue.faults.set_plan(plan))

    def script_fault(self, fault: ScriptedFault) -> None:
        """Inject ``fault`` into the next request to ``fault.endpoint`` (one shot)."""
        self._call(lambda: self._venue.faults.script(fault))

    def fault_log(self) -> list[FaultRecord]:
        return self._call(lambda: list(self._venue.faults.log))

    def silence_user_stream(self, silent: bool = True) -> None:
        """``user_stream_silent``: drop every user data event from now on (connections stay
        open and answer pings) until called with ``silent=False``."""
        self._call(lambda: self._venue.faults.set_user_stream_loss(1.0 if silent else 0.0))

    def stall_streams(self, seconds: float) -> None:
        """Stop stream data for ``seconds`` (pings continue)."""
        self._call(lambda: self._app[HUB_KEY].stall(seconds))

    def disconnect_streams(self) -> None:
        """Close every WebSocket connection (market and user data)."""
        hub = self._app[HUB_KEY]
        if self._threaded:
            asyncio.run_coroutine_threadsafe(hub.disconnect_all(), self._loop).result(
                _START_TIMEOUT_S
            )
        else:
            self._loop.create_task(hub.disconnect_all())

    # -- ledger and request log -----------------------------------------------------------

    def account(self, api_key: str) -> AccountSnapshot:
        """A copy of ``api_key``'s ledger (the account is created with its defaults)."""

        def snapshot() -> AccountSnapshot:
            self._venue.advance()
            account = self._venue.account(api_key)
            orders = sorted(
                (o for book in account.orders.values() for o in book.values()),
                key=lambda o: o.sequence,
            )
            return AccountSnapshot(
                api_key,
                {a: Balance(b.free, b.locked) for a, b in account.balances.items()},
                copy.deepcopy(orders),
                list(account.trades),
            )

        return self._call(snapshot)

    def requests(
        self, api_key: str | None = None, endpoint: str | None = None
    ) -> list[RequestRecord]:
        """Requests received, oldest first; filter by key and ``"METHOD /path"``."""
        return self._call(
            lambda: [
                r
                for r in self._venue.requests
                if (api_key is None or r.api_key == api_key)
                and (endpoint is None or r.endpoint == endpoint)
            ]
        )

    def signed_request_count(self, api_key: str | None = None, endpoint: str | None = None) -> int:
        """How many signed (private) requests arrived, for a key and/or an endpoint."""
        return sum(1 for r in self.requests(api_key, endpoint) if r.signed)

    # -- replay ---------------------------------------------------------------------------

    def market_time_ms(self) -> int:
        return self._call(self._venue.replay.now_ms)

    def price(self, symbol: str = "BTCUSDT") -> Decimal:
        """The replay price of ``symbol`` (Binance id) now."""
        return self._call(lambda: self._venue.markets[symbol].price(self._venue.replay.now_ms()))

    def pause_replay(self) -> None:
        self._call(self._venue.replay.pause)

    def resume_replay(self) -> None:
        self._call(self._venue.replay.resume)

    def advance_replay(self, delta_ms: int) -> None:
        """Move market time forward and match resting orders along the way at once."""

        def advance() -> None:
            self._venue.replay.advance(delta_ms)
            self._venue.advance()

        self._call(advance)


async def _start(
    config: BinanceServerConfig, venue: SimulatedBinance
) -> tuple[web.AppRunner, web.Application, int]:
    app = build_app(venue)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    port = int(runner.addresses[0][1])
    return runner, app, port


def _addresses(config: BinanceServerConfig, port: int) -> tuple[str, str]:
    return f"http://{config.host}:{port}", f"ws://{config.host}:{port}"


@contextmanager
def running_binance_server(
    config: BinanceServerConfig | None = None,
) -> Iterator[BinanceServerHandle]:
    """Run the server in a background thread for the ``with`` block."""
    config = config or BinanceServerConfig()
    venue = SimulatedBinance(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="simulated-binance", daemon=True)
    thread.start()
    try:
        future = asyncio.run_coroutine_threadsafe(_start(config, venue), loop)
        runner, app, port = future.result(_START_TIMEOUT_S)
        try:
            url, ws_url = _addresses(config, port)
            yield BinanceServerHandle(venue, app, url, ws_url, loop, threaded=True)
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(_START_TIMEOUT_S)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT_S)
        loop.close()


@asynccontextmanager
async def serving_binance_server(
    config: BinanceServerConfig | None = None,
) -> AsyncIterator[BinanceServerHandle]:
    """Run the server in the current event loop for the ``async with`` block."""
    config = config or BinanceServerConfig()
    venue = SimulatedBinance(config)
    runner, app, port = await _start(config, venue)
    try:
        url, ws_url = _addresses(config, port)
        yield BinanceServerHandle(
            venue, app, url, ws_url, asyncio.get_running_loop(), threaded=False
        )
    finally:
        await runner.cleanup()
