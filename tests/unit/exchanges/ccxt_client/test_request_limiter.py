"""The shared request limiter on a fake clock: budget, priority, Retry-After, used weight."""

from __future__ import annotations

import asyncio

import pytest

from xor_trading.exchanges.ccxt_client.request_limiter import (
    LimiterRegistry,
    Priority,
    RequestLimiter,
    shared_limiter,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


class ManualTime:
    """Sleepers wake only when the test advances the clock (real concurrency, fake time)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self.sleepers.append((self.now + seconds, future))
        await future

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        for wake_at, future in list(self.sleepers):
            if wake_at <= self.now and not future.done():
                future.set_result(None)
        for _ in range(10):
            await asyncio.sleep(0)


def limiter(budget: int = 10) -> tuple[RequestLimiter, FakeTime]:
    fake = FakeTime()
    return RequestLimiter(budget, now_s=fake, sleep=fake.sleep), fake


def test_budget_is_never_exceeded_in_any_60_s_window() -> None:
    lim, fake = limiter(budget=10)
    admitted: list[tuple[float, int]] = []

    async def one(weight: int) -> None:
        await lim.acquire(weight, Priority.READ)
        admitted.append((fake.now, weight))

    async def scenario() -> None:
        await asyncio.gather(*(one(w) for w in [4, 4, 4, 1, 6, 3, 2, 5, 4, 4]))

    asyncio.run(scenario())

    assert len(admitted) == 10
    for start, _ in admitted:
        in_window = sum(w for t, w in admitted if start <= t < start + 60.0)
        assert in_window <= 10
    assert admitted[-1][0] >= 120.0  # 37 weight at 10 per minute needs at least 3 windows


def test_waiting_order_is_admitted_before_reads_queued_earlier() -> None:
    time = ManualTime()
    lim = RequestLimiter(2, now_s=time, sleep=time.sleep)
    order: list[str] = []

    async def request(name: str, priority: Priority) -> None:
        await lim.acquire(1, priority)
        order.append(name)

    async def scenario() -> None:
        await lim.acquire(2, Priority.READ)  # budget spent: everyone queues
        reads = [asyncio.create_task(request(f"read{i}", Priority.READ)) for i in range(3)]
        await time.advance(10.0)
        cancel = asyncio.create_task(request("cancel", Priority.ORDER))
        await time.advance(50.0)  # the window frees 2: the cancel and the oldest read
        assert order == ["cancel", "read0"]
        await time.advance(60.0)
        await asyncio.gather(*reads, cancel)

    asyncio.run(scenario())

    assert order == ["cancel", "read0", "read1", "read2"]


def test_after_429_no_request_is_admitted_before_retry_after() -> None:
    lim, fake = limiter(budget=100)

    async def scenario() -> float:
        await lim.acquire(1, Priority.READ)
        lim.note_response(429, {"Retry-After": "12", "X-MBX-USED-WEIGHT-1M": "1"})
        await lim.acquire(1, Priority.ORDER)
        return fake.now

    assert asyncio.run(scenario()) == 12.0


def test_418_without_retry_after_pauses_the_default() -> None:
    lim, _ = limiter()
    lim.note_response(418, {})

    assert lim.retry_after_s() == 60.0


def test_venue_used_weight_above_ours_counts_as_spent() -> None:
    lim, _ = limiter(budget=100)

    async def scenario() -> None:
        await lim.acquire(5, Priority.READ)

    asyncio.run(scenario())
    lim.note_response(200, {"x-mbx-used-weight-1m": "90"})

    assert lim.spent_in_window() == 90


def test_cancelled_waiter_leaves_the_queue_and_others_proceed() -> None:
    lim, fake = limiter(budget=1)
    got: list[str] = []

    async def request(name: str) -> None:
        await lim.acquire(1, Priority.READ)
        got.append(name)

    async def scenario() -> None:
        await lim.acquire(1, Priority.READ)
        first = asyncio.create_task(request("first"))
        second = asyncio.create_task(request("second"))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.gather(first, second, return_exceptions=True)

    asyncio.run(scenario())

    assert got == ["second"]
    assert fake.now == 60.0


def test_weight_above_the_budget_is_refused() -> None:
    lim, _ = limiter(budget=10)
    with pytest.raises(ValueError, match=r"outside 1\.\.10"):
        asyncio.run(lim.acquire(11, Priority.READ))


def test_signed_requests_of_one_key_are_serialized() -> None:
    lim, _ = limiter()
    active: list[int] = [0]
    peak: list[int] = [0]

    async def signed() -> None:
        async with lim.signing_lane("key-1"):
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            await asyncio.sleep(0)
            active[0] -= 1

    async def scenario() -> None:
        await asyncio.gather(*(signed() for _ in range(5)))

    asyncio.run(scenario())

    assert peak == [1]
    assert lim.signing_lane("key-1") is lim.signing_lane("key-1")
    assert lim.signing_lane("key-1") is not lim.signing_lane("key-2")


def test_registry_shares_one_limiter_per_venue_and_egress() -> None:
    registry = LimiterRegistry()

    assert registry.get("binance", None) is registry.get("binance", None)
    assert registry.get("binance", None) is not registry.get("binance", "http://127.0.0.1:9")
    assert shared_limiter("binance") is shared_limiter("binance")
