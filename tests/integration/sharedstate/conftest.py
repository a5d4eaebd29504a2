"""Fixtures for the shared-state tests: every implementation, Redis over a real connection.

Redis must run on 127.0.0.1:6379 (or XOR_TEST_REDIS_URL); each test gets its own key
prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import redis

REDIS_URL = os.environ.get("XOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IMPLEMENTATIONS = ("memory", "redis")
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'
)


@pytest.fixture
def redis_url() -> str:
    """The URL of the test Redis."""
    return REDIS_URL


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix on the test Redis; its keys are deleted after the test."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        pytest.fail(f"Redis at {REDIS_URL} is not reachable ({exc}); start it with {START_REDIS}")
    prefix = f"xor-test:{secrets.token_hex(6)}:"
    yield prefix
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
