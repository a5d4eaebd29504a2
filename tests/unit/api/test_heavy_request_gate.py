"""HeavyRequestGate and its use by the rate-limit middleware (S7): the heavy requests of a
user run one at a time per process, a few more wait in arrival order, beyond that 429
(after the tarpit) without spending budget; other users and cheap requests never wait
for it.

Driven with ``asyncio.run`` and a stub inner app that holds each request until the test
releases it, so "at the same time" is exact rather than a race."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, MutableMapping
from typing import Any

import anyio
import pytest

from xor_trading.api.rate_limit import HeavyRequestGate, RateLimitMiddleware
from xor_trading.core.clock import TestClock
from xor_trading.security.tokens import AccessClaims
from xor_trading.sharedstate.memory_rate_limiter import MemoryRateLimiter

ORDERS = "/api/v1/orders"
ME = "/api/v1/auth/me"
START_MS = 1_748_736_000_000
TIMEOUT_S = 5.0  # a lost turn would otherwise hang the test


# -- the gate alone ------------------------------------------------------------------------


def test_gate_second_request_of_a_user_waits_for_the_first() -> None:
    async def scenario() -> list[str]:
        gate = HeavyRequestGate(running=1, waiting=2)
        log: list[str] = []
        release = anyio.Event()

        async def first() -> None:
            async with gate.turn("alice"):
                log.append("first runs")
                await release.wait()
                log.append("first done")

        async def second() -> None:
            async with gate.turn("alice"):
                log.append("second runs")

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(first)
            await _settle()
            tasks.start_soon(second)
            await _settle()
            assert gate.load("alice") == (1, 1)
            log.append("released")
            release.set()
        assert gate.load("alice") == (0, 0)
        return log

    assert asyncio.run(scenario()) == ["first runs", "released", "first done", "second runs"]


def test_gate_another_user_runs_at_once() -> None:
    async def scenario() -> tuple[tuple[int, int], tuple[int, int]]:
        gate = HeavyRequestGate(running=1, waiting=2)
        release = anyio.Event()

        async def hold(user: str) -> None:
            async with gate.turn(user):
                await release.wait()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(hold, "alice")
            tasks.start_soon(hold, "bob")
            await _settle()
            loads = gate.load("alice"), gate.load("bob")
            release.set()
        return loads

    assert asyncio.run(scenario()) == ((1, 0), (1, 0))


def test_gate_admits_until_running_and_waiting_are_full() -> None:
    async def scenario() -> list[bool]:
        gate = HeavyRequestGate(running=1, waiting=2)
        release = anyio.Event()
        admitted = [gate.admits("alice")]

        async def hold() -> None:
            async with gate.turn("alice"):
                await release.wait()

        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(hold)
                await _settle()
                admitted.append(gate.admits("alice"))
            admitted.append(gate.admits("bob"))
            release.set()
        admitted.append(gate.admits("alice"))
        return admitted

    # 1 running, then 1 and 2 waiting: full; bob is unaffected; all done: room again.
    assert asyncio.run(scenario()) == [True, True, True, False, True, True]


def test_gate_waiters_run_in_arrival_order() -> None:
    async def scenario() -> list[int]:
        gate = HeavyRequestGate(running=1, waiting=5)
        order: list[int] = []
        release = anyio.Event()

        async def request(number: int) -> None:
            async with gate.turn("alice"):
                if number == 0:
                    await release.wait()
                order.append(number)

        async with anyio.create_task_group() as tasks:
            for number in range(5):
                tasks.start_soon(request, number)
                await _settle()
            release.set()
        return order

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]


def test_gate_a_cancelled_waiter_leaves_the_line_and_blocks_nobody() -> None:
    async def scenario() -> tuple[tuple[int, int], list[str], tuple[int, int]]:
        gate = HeavyRequestGate(running=1, waiting=2)
        log: list[str] = []
        release = asyncio.Event()

        async def holder() -> None:
            async with gate.turn("alice"):
                await release.wait()
            log.append("holder done")

        async def waiter(name: str) -> None:
            async with gate.turn("alice"):
                log.append(f"{name} runs")

        held = asyncio.create_task(holder())
        await _settle()
        cancelled = asyncio.create_task(waiter("cancelled"))
        await _settle()
        cancelled.cancel()  # e.g. the client went away while waiting
        await _settle()
        after_cancel = gate.load("alice")
        third = asyncio.create_task(waiter("third"))
        await _settle()
        release.set()
        await asyncio.wait_for(asyncio.gather(held, third), TIMEOUT_S)
        return after_cancel, log, gate.load("alice")

    after_cancel, log, final = asyncio.run(scenario())
    assert after_cancel == (1, 0)  # the cancelled waiter is gone from the line
    assert log == ["holder done", "third runs"]
    assert final == (0, 0)


def test_gate_a_waiter_cancelled_as_its_turn_comes_passes_the_turn_on() -> None:
    async def scenario() -> tuple[list[str], bool, tuple[int, int]]:
        gate = HeavyRequestGate(running=1, waiting=2)
        log: list[str] = []
        release = asyncio.Event()
        waiters: dict[str, asyncio.Task[None]] = {}

        async def holder() -> None:
            async with gate.turn("alice"):
                await release.wait()
            # The turn was just handed to "second", which has not resumed yet: cancel it.
            waiters["second"].cancel()

        async def waiter(name: str) -> None:
            async with gate.turn("alice"):
                log.append(f"{name} runs")

        held = asyncio.create_task(holder())
        await _settle()
        waiters["second"] = asyncio.create_task(waiter("second"))
        await _settle()
        waiters["third"] = asyncio.create_task(waiter("third"))
        await _settle()
        release.set()
        await asyncio.wait_for(held, TIMEOUT_S)
        await asyncio.wait_for(waiters["third"], TIMEOUT_S)  # hangs if the turn were lost
        await asyncio.gather(waiters["second"], return_exceptions=True)
        return log, waiters["second"].cancelled(), gate.load("alice")

    log, second_cancelled, final = asyncio.run(scenario())
    assert second_cancelled
    assert log == ["third runs"]
    assert final == (0, 0)


def test_gate_refuses_nonsense_sizes() -> None:
    with pytest.raises(ValueError, match="running must be >= 1"):
        HeavyRequestGate(running=0, waiting=1)
    with pytest.raises(ValueError, match="waiting >= 0"):
        HeavyRequestGate(running=1, waiting=-1)


# -- through the middleware ----------------------------------------------------------------


class HoldingApp:
    """An inner ASGI app that answers 200 once the test releases the request's path."""

    def __init__(self) -> None:
        self.entered: list[tuple[str, str]] = []  # (user token, path) in arrival order
        self.release = {ORDERS: anyio.Event(), ME: anyio.Event()}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        token = dict(scope["headers"])[b"authorization"].decode().removeprefix("Bearer ")
        self.entered.append((token, scope["path"]))
        await self.release[scope["path"]].wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def _claims(token: str) -> AccessClaims | None:
    return AccessClaims(
        user_id=token,
        role="trader",
        jti=f"jti-{token}",
        issued_at_s=START_MS // 1000,
        expires_at_s=START_MS // 1000 + 900,
        mfa_at_ms=None,
    )


def _middleware(
    app: HoldingApp, clock: TestClock, *, per_user_per_s: int, refusal_delay_s: float = 0.0
) -> RateLimitMiddleware:
    return RateLimitMiddleware(
        app,  # type: ignore[arg-type]  # a minimal ASGI app
        limiter=MemoryRateLimiter(),
        clock=clock,
        user_of_token=_claims,
        per_ip_per_s=1000,
        per_user_per_s=per_user_per_s,
        auth_per_min=1000,
        max_body_bytes=1024,
        refusal_delay_s=refusal_delay_s,
        heavy_gate=HeavyRequestGate(running=1, waiting=1),
    )


Answer = tuple[int, dict[str, Any] | None]


def _request(middleware: RateLimitMiddleware, token: str, path: str) -> Awaitable[Answer]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "client": ("10.0.0.1", 1234),
        "state": {"request_id": "r1"},
    }

    async def call() -> Answer:
        messages: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            messages.append(dict(message))

        await middleware(scope, receive, send)
        body = messages[1]["body"]
        return messages[0]["status"], (json.loads(body) if body != b"{}" else None)

    return call()


async def _start(
    tasks: anyio.abc.TaskGroup, results: dict[str, Answer], name: str, call: Awaitable[Answer]
) -> None:
    async def run() -> None:
        results[name] = await call

    tasks.start_soon(run)
    await _settle()


def test_middleware_runs_a_users_lists_in_turn_not_anothers() -> None:
    """Budget 30 units/s, a list costs 10; gate of one running and one waiting. Alice's
    second list waits until her first is done; her third finds the line full and is
    refused without spending budget (her cheap read still passes). Bob's list and
    alice's read run meanwhile."""

    async def scenario() -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, Answer]]:
        app, clock = HoldingApp(), TestClock(START_MS)
        middleware = _middleware(app, clock, per_user_per_s=30)
        results: dict[str, Answer] = {}
        async with anyio.create_task_group() as tasks:
            for name in ("alice 1", "alice 2", "alice 3"):  # 20, 10, then 10 units left
                await _start(tasks, results, name, _request(middleware, "alice", ORDERS))
            await _start(tasks, results, "bob 1", _request(middleware, "bob", ORDERS))
            # alice 3 was refused for free: 10 units left buy ten reads, the first passes.
            await _start(tasks, results, "alice me", _request(middleware, "alice", ME))
            while_held = list(app.entered)
            assert sorted(results) == ["alice 3"]
            app.release[ME].set()
            app.release[ORDERS].set()
        return while_held, app.entered, results

    while_held, entered, results = asyncio.run(scenario())
    assert while_held == [("alice", ORDERS), ("bob", ORDERS), ("alice", ME)]
    assert entered == [*while_held, ("alice", ORDERS)]  # alice 2, once alice 1 was done
    for name in ("alice 1", "alice 2", "bob 1", "alice me"):
        assert results[name] == (200, None), name
    status, body = results["alice 3"]
    assert status == 429
    assert body is not None
    assert body["code"] == "rate_limited"
    assert body["message"] == (
        "too many heavy requests for your account at once: at most 1 running and 1 waiting"
    )
    assert body["hint"] == "wait for the answers to your earlier requests before sending more"


def test_middleware_a_page_of_lists_within_budget_is_answered_whole_in_arrival_order() -> None:
    """Default budget of 100 units/s, a line of eight: nine lists at once (90 units) run
    one at a time, in the order they came, and every one is answered 200."""

    async def scenario() -> tuple[int, list[str], dict[str, Answer]]:
        app, clock = HoldingApp(), TestClock(START_MS)
        middleware = _middleware(app, clock, per_user_per_s=100)
        middleware.heavy_gate = HeavyRequestGate()
        results: dict[str, Answer] = {}
        finished: list[str] = []

        async def numbered(number: int) -> Answer:
            answer = await _request(middleware, "alice", ORDERS)
            finished.append(str(number))
            return answer

        async with anyio.create_task_group() as tasks:
            for number in range(9):
                await _start(tasks, results, str(number), numbered(number))
            running = len(app.entered)
            app.release[ORDERS].set()
        return running, finished, results

    running, finished, results = asyncio.run(scenario())
    assert running == 1
    assert finished == [str(number) for number in range(9)]
    assert all(answer == (200, None) for answer in results.values())


def test_middleware_gate_refusal_waits_the_tarpit_delay() -> None:
    async def scenario() -> tuple[int, float]:
        app, clock = HoldingApp(), TestClock(START_MS)
        # Budget 5, a line of one: the first list runs, the second waits, the third is
        # refused.
        middleware = _middleware(app, clock, per_user_per_s=5, refusal_delay_s=0.2)
        results: dict[str, Answer] = {}
        async with anyio.create_task_group() as tasks:
            await _start(tasks, results, "1", _request(middleware, "alice", ORDERS))
            clock.advance(1000)
            await _start(tasks, results, "2", _request(middleware, "alice", ORDERS))
            clock.advance(1000)
            started = time.monotonic()
            status, _ = await _request(middleware, "alice", ORDERS)
            waited = time.monotonic() - started
            app.release[ORDERS].set()
        return status, waited

    status, waited = asyncio.run(scenario())
    assert status == 429
    assert 0.2 <= waited < 1.0


async def _settle() -> None:
    """Let every runnable task run until it blocks (a few loop turns)."""
    for _ in range(5):
        await anyio.sleep(0)
