"""A scripted Binance responder on 127.0.0.1 for the live port's failure tests.

Not a venue: each endpoint answers from a script of :class:`Reply` rows (the last row
repeats), and every request is recorded with its parameters, so a test can count creates
and their ``newClientOrderId``. ``GET /api/v3/time`` answers the responder's clock
(``skew_ms`` ahead of ours); with ``enforce_timestamps`` signed requests follow Binance's
timing rule (``-1021`` when 1 s ahead or more than ``recvWindow`` behind).

The server runs in the test's own event loop: ``async with venue.running(): ...``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web

from xor_trading.core.clock import TestClock
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.circuit_breaker import CircuitBreaker
from xor_trading.exchanges.ccxt_client.client import ApiCredentials
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort, LivePortConfig
from xor_trading.exchanges.ccxt_client.request_limiter import RequestLimiter


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str -> sent as is
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "respond"  # "respond", "reset" (close after reading the body), "hang"


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    at_s: float


class ScriptedVenue:
    def __init__(self) -> None:
        self.script: dict[tuple[str, str], deque[Reply]] = {}
        self.requests: list[Seen] = []
        self.skew_ms = 0
        self.enforce_timestamps = False
        self.timestamp_rejections = 0
        self.url = ""
        self.now_s: Callable[[], float] = time.monotonic

    Reply = Reply  # tests build rows as venue.Reply(...) (conftest is not importable)

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.script[(method, path)] = deque(replies)

    def seen(self, method: str, path: str) -> list[Seen]:
        return [r for r in self.requests if (r.method, r.path) == (method, path)]

    def server_ms(self) -> int:
        return int(time.time() * 1000) + self.skew_ms

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        body = await request.text()
        if body:
            params.update(parse_qsl(body))
        self.requests.append(Seen(request.method, request.path, params, self.now_s()))
        if request.path == "/api/v3/time" and ("GET", "/api/v3/time") not in self.script:
            return web.json_response({"serverTime": self.server_ms()})
        if self.enforce_timestamps and "timestamp" in params:
            stamp, now = int(params["timestamp"]), self.server_ms()
            if stamp >= now + 1000 or now - stamp > int(params.get("recvWindow", "5000")):
                self.timestamp_rejections += 1
                return web.json_response(
                    {
                        "code": -1021,
                        "msg": "Timestamp for this request is outside of the recvWindow.",
                    },
                    status=400,
                )
        queue = self.script.get((request.method, request.path))
        if not queue:
            return web.json_response({"code": -1, "msg": "not scripted"}, status=404)
        reply = queue.popleft() if len(queue) > 1 else queue[0]
        if reply.action == "reset":
            assert request.transport is not None
            request.transport.abort()  # the request was read: the venue may have acted on it
            await asyncio.sleep(5)
        if reply.action == "hang":
            await asyncio.sleep(5)
        payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        return web.Response(
            status=reply.status,
            text=payload,
            content_type=reply.content_type,
            headers=reply.headers,
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ScriptedVenue]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self
        finally:
            await runner.cleanup()


class FakeTime:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@dataclass
class PortRig:
    port: LiveExchangePort
    reports: list[Any]
    limiter: RequestLimiter
    breaker: CircuitBreaker
    time: FakeTime
    client: Any


def make_rig(
    venue: ScriptedVenue,
    *,
    timeout_ms: int = 400,
    config: LivePortConfig | None = None,
    client_order_id: Callable[[Any], str] = lambda order: f"bot1-{order.order_id}",
) -> PortRig:
    """A port with the real CCXT binance client pointed at ``venue``; limiter, breaker and
    the port's backoff run on a fake clock (the HTTP requests are real)."""
    fake = FakeTime()
    venue.now_s = fake
    client = make_async_client(
        "binance",
        ApiCredentials("test-key-0001", "test-secret"),
        base_url=venue.url,
        timeout_ms=timeout_ms,
    )
    client.timeout_on_exit = 0  # CCXT waits 250 ms on close for TLS; loopback has none
    limiter = RequestLimiter(now_s=fake, sleep=fake.sleep)
    breaker = CircuitBreaker("binance", now_s=fake)
    reports: list[Any] = []
    port = LiveExchangePort(
        client,
        clock=TestClock(1_700_000_000_000),
        client_order_id=client_order_id,
        limiter=limiter,
        breaker=breaker,
        config=config or LivePortConfig(),
        now_s=fake,
        sleep=fake.sleep,
    )
    port.connect(reports.append)
    return PortRig(port, reports, limiter, breaker, fake, client)


@pytest.fixture
def venue() -> ScriptedVenue:
    return ScriptedVenue()


@pytest.fixture
def make_port() -> Callable[..., PortRig]:
    return make_rig
