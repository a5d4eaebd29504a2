"""Nonces seen recently, so that a signed request is accepted at most once (S14 replay).

:meth:`NonceStore.remember` records a key for ``ttl_s`` seconds and answers whether it
was new: exactly one of any number of concurrent calls with the same key gets ``True``
while the key lives. The signal webhook stores ``<bot id>:<nonce>`` for longer than its
timestamp window, so a captured request cannot be replayed while its timestamp is still
accepted.

The memory implementation serves one process; with ``XOR_REDIS_URL`` set the Redis one
(:mod:`.redis_nonce_store`) makes the rule hold across API processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol

__all__ = ["DEFAULT_MAX_NONCES", "MemoryNonceStore", "NonceStore", "check_nonce_args"]

DEFAULT_MAX_NONCES = 1_000_000


class NonceStore(Protocol):
    """Remembers keys for a while. Implementations are thread-safe."""

    def remember(self, key: str, ttl_s: int, now_ms: int) -> bool:
        """Record ``key`` until ``ttl_s`` seconds after ``now_ms``: ``True`` when it was not
        already recorded (first use), ``False`` when it was (a replay) or when the store
        cannot record it (full, unreachable): the caller refuses then, failing closed."""
        ...

    def close(self) -> None:
        """Release connections (end of process)."""
        ...


def check_nonce_args(key: str, ttl_s: int) -> None:
    """Raise ``ValueError`` for an empty key or a non-positive lifetime."""
    if not key:
        raise ValueError("a nonce key cannot be empty")
    if ttl_s < 1:
        raise ValueError(f"ttl_s must be >= 1, got {ttl_s}")


class MemoryNonceStore:
    """A :class:`NonceStore` in process memory, times from the caller's clock.

    Expired keys are evicted as new ones arrive, oldest first. When ``max_keys`` live keys
    are held, new keys are refused (``False``) rather than forgetting live ones, which
    would let a replay through.
    """

    def __init__(self, *, max_keys: int = DEFAULT_MAX_NONCES) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be >= 1, got {max_keys}")
        self.max_keys = max_keys
        self._lock = threading.Lock()
        # key -> expiry (epoch ms), in insertion order. With one lifetime per caller the
        # expiries are in insertion order too, so eviction looks at the oldest entries.
        self._expiry: OrderedDict[str, int] = OrderedDict()

    def remember(self, key: str, ttl_s: int, now_ms: int) -> bool:
        check_nonce_args(key, ttl_s)
        with self._lock:
            self._evict(now_ms)
            expiry = self._expiry.get(key)
            if expiry is not None and expiry > now_ms:
                return False
            if expiry is None and len(self._expiry) >= self.max_keys:
                return False
            self._expiry.pop(key, None)
            self._expiry[key] = now_ms + ttl_s * 1000
            return True

    def __len__(self) -> int:
        """How many keys are held (expired ones may linger until the next call)."""
        with self._lock:
            return len(self._expiry)

    def close(self) -> None:
        with self._lock:
            self._expiry.clear()

    def _evict(self, now_ms: int) -> None:
        while self._expiry:
            key, expiry = next(iter(self._expiry.items()))
            if expiry > now_ms:
                break
            del self._expiry[key]
