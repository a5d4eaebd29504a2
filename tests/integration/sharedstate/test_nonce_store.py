"""The nonce store contract, on memory and on a real Redis: a key is new exactly once
while it lives, also under concurrent calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import redis

from xor_trading.sharedstate.nonce_store import MemoryNonceStore, NonceStore
from xor_trading.sharedstate.redis_nonce_store import RedisNonceStore

NOW = 1_748_736_000_000


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[NonceStore]:
    if request.param == "memory":
        built: NonceStore = MemoryNonceStore()
    else:
        url: str = request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("redis_prefix")
        built = RedisNonceStore(url, prefix=prefix)
    yield built
    built.close()


def test_a_key_is_new_once_then_a_replay(store: NonceStore) -> None:
    assert store.remember("bot-1:nonce-aaaaaaaaaaaaaaaa", 600, NOW) is True
    assert store.remember("bot-1:nonce-aaaaaaaaaaaaaaaa", 600, NOW + 1_000) is False
    assert store.remember("bot-2:nonce-aaaaaaaaaaaaaaaa", 600, NOW + 1_000) is True


def test_concurrent_callers_get_exactly_one_true(store: NonceStore) -> None:
    answers: list[bool] = []
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        answers.append(store.remember("bot:same-nonce-0123456789", 600, NOW))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False] * 7 + [True]


def test_invalid_arguments_are_programming_errors(store: NonceStore) -> None:
    with pytest.raises(ValueError, match="cannot be empty"):
        store.remember("", 600, NOW)
    with pytest.raises(ValueError, match="ttl_s must be >= 1"):
        store.remember("k", 0, NOW)


def test_redis_keys_carry_the_lifetime(redis_url: str, redis_prefix: str) -> None:
    store = RedisNonceStore(redis_url, prefix=redis_prefix)
    store.remember("bot:nonce-with-a-lifetime", 600, NOW)
    client = redis.Redis.from_url(redis_url)
    try:
        ttl = int(client.ttl(redis_prefix + "bot:nonce-with-a-lifetime"))  # type: ignore[arg-type]
        assert 590 <= ttl <= 600
    finally:
        client.close()
        store.close()


def test_an_unreachable_redis_refuses(redis_prefix: str) -> None:
    store = RedisNonceStore("redis://127.0.0.1:1/0", prefix=redis_prefix)
    try:
        assert store.remember("bot:nonce-unreachable-0001", 600, NOW) is False
    finally:
        store.close()


def test_memory_keys_expire_on_the_callers_clock() -> None:
    store = MemoryNonceStore()
    assert store.remember("k", 600, NOW) is True
    assert store.remember("k", 600, NOW + 599_999) is False
    assert store.remember("k", 600, NOW + 600_000) is True
    assert len(store) == 1


def test_a_full_memory_store_refuses_new_keys_but_forgets_expired_ones() -> None:
    store = MemoryNonceStore(max_keys=2)
    assert [store.remember(k, 10, NOW) for k in ("a", "b", "c")] == [True, True, False]
    assert store.remember("a", 10, NOW) is False  # still a replay, not forgotten
    assert store.remember("c", 10, NOW + 10_000) is True  # a and b expired
    assert len(store) == 1
