"""Build the shared-state parts from the ``redis_url`` setting (``XOR_REDIS_URL``):
Redis when it is set, process memory when it is ``None``.

Takes the URL rather than the settings object: ``sharedstate`` sits below ``runtime`` in
the import layers.
"""

from __future__ import annotations

from xor_trading.sharedstate.memory_rate_limiter import MemoryRateLimiter
from xor_trading.sharedstate.memory_stream_hub import MemoryStreamHub
from xor_trading.sharedstate.nonce_store import MemoryNonceStore, NonceStore
from xor_trading.sharedstate.rate_limiter import RateLimiter
from xor_trading.sharedstate.redis_nonce_store import RedisNonceStore
from xor_trading.sharedstate.redis_rate_limiter import RedisRateLimiter
from xor_trading.sharedstate.redis_stream_hub import RedisStreamHub
from xor_trading.sharedstate.stream_hub import StreamHub


def build_rate_limiter(redis_url: str | None) -> RateLimiter:
    """The rate limiter for ``redis_url`` (``None``: in memory)."""
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()


def build_stream_hub(redis_url: str | None) -> StreamHub:
    """The stream hub for ``redis_url`` (``None``: in memory)."""
    if redis_url:
        return RedisStreamHub(redis_url)
    return MemoryStreamHub()


def build_nonce_store(redis_url: str | None) -> NonceStore:
    """The nonce store for ``redis_url`` (``None``: in memory)."""
    if redis_url:
        return RedisNonceStore(redis_url)
    return MemoryNonceStore()
