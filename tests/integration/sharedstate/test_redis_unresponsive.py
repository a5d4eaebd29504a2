"""A Redis that accepts connections but never answers (a hung server, a black-holed
network) holds a publisher up at most PUBLISH_TIMEOUT_S once, then messages are dropped at
once for PUBLISH_PAUSE_S; the rate limiter fails within HIT_TIMEOUT_S instead of hanging
every request. The "server" is a listening socket that never reads."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import redis

from xor_trading.sharedstate.redis_rate_limiter import HIT_TIMEOUT_S, RedisRateLimiter
from xor_trading.sharedstate.redis_stream_hub import (
    PUBLISH_PAUSE_S,
    PUBLISH_TIMEOUT_S,
    RedisStreamHub,
)


@pytest.fixture
def black_hole_url() -> Iterator[str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # connections complete in the backlog; nothing is ever read
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        listener.close()


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_hung_redis_costs_one_timeout_then_messages_are_dropped_until_the_pause_ends(
    black_hole_url: str,
) -> None:
    clock = FakeMonotonic()
    hub = RedisStreamHub(black_hole_url, monotonic=clock)
    started = time.monotonic()
    with pytest.raises(redis.TimeoutError):
        hub.publish("bots.b1.fills", {"n": 1})
    assert time.monotonic() - started < PUBLISH_TIMEOUT_S + 1.0

    started = time.monotonic()
    for n in range(100):
        hub.publish("bots.b1.fills", {"n": n})
    assert time.monotonic() - started < 0.1
    assert hub.dropped == 100

    clock.now += PUBLISH_PAUSE_S  # the pause is over: Redis is tried again
    with pytest.raises(redis.TimeoutError):
        hub.publish("bots.b1.fills", {"n": 101})
    assert hub.dropped == 100


def test_a_message_that_is_not_json_is_refused_even_while_paused(black_hole_url: str) -> None:
    clock = FakeMonotonic()
    hub = RedisStreamHub(black_hole_url, monotonic=clock)
    with pytest.raises(redis.TimeoutError):
        hub.publish("alerts.u1", {"n": 1})
    with pytest.raises(TypeError):
        hub.publish("alerts.u1", {"n": object()})


def test_the_rate_limiter_fails_fast_on_a_hung_redis(black_hole_url: str) -> None:
    limiter = RedisRateLimiter(black_hole_url)
    started = time.monotonic()
    with pytest.raises(redis.RedisError):
        limiter.hit("user:u1", 100, 1.0, 1_748_736_000_000)
    assert time.monotonic() - started < HIT_TIMEOUT_S + 1.0
    limiter.close()


def test_a_healthy_redis_publishes_as_before(redis_url: str, redis_prefix: str) -> None:
    hub = RedisStreamHub(redis_url, prefix=redis_prefix)
    hub.publish("alerts.u1", {"n": 1})  # no subscriber: PUBLISH still answers
    assert hub.dropped == 0
