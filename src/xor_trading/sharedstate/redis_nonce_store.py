"""Nonces in Redis: ``SET key 1 NX EX ttl``, atomic across every API process.

Redis expires keys on its own clock, not the caller's (``now_ms`` is not used): the
lifetime is the same, only its start may differ by the clock skew between the hosts. A
Redis error answers ``False`` (refuse the request) rather than risk accepting a replay.
"""

from __future__ import annotations

import logging

import redis

from xor_trading.sharedstate.nonce_store import check_nonce_args

__all__ = ["DEFAULT_NONCE_PREFIX", "RedisNonceStore"]

DEFAULT_NONCE_PREFIX = "xor:nonce:"
logger = logging.getLogger("xor.sharedstate")


class RedisNonceStore:
    """A :class:`~xor_trading.sharedstate.nonce_store.NonceStore` over Redis; keys are
    stored under ``prefix`` (default ``xor:nonce:``)."""

    def __init__(self, url: str, *, prefix: str = DEFAULT_NONCE_PREFIX) -> None:
        self.url = url
        self.prefix = prefix
        self._client = redis.Redis.from_url(url)

    def remember(self, key: str, ttl_s: int, now_ms: int) -> bool:
        check_nonce_args(key, ttl_s)
        del now_ms  # Redis expires the key on its own clock
        try:
            stored = self._client.set(self.prefix + key, b"1", nx=True, ex=ttl_s)
        except redis.RedisError as exc:
            logger.warning("nonce store unavailable, refusing the request: %s", exc)
            return False
        return bool(stored)

    def close(self) -> None:
        self._client.close()
