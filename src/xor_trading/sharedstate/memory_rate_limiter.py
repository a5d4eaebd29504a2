"""GCRA rate limiting in process memory: exact, O(1) per hit, bounded memory.

Used when no Redis is configured (one API process). Keys whose budget is full again
(TAT in the past) carry no information and are evicted; if more than ``max_keys`` keys
are still active (a flood from many addresses), the least recently hit are forgotten,
which can only give those keys a fresh budget: memory stays bounded either way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from xor_trading.sharedstate.rate_limiter import RateDecision, check_limit, gcra

DEFAULT_MAX_KEYS = 100_000


class MemoryRateLimiter:
    """A thread-safe :class:`~xor_trading.sharedstate.rate_limiter.RateLimiter`."""

    def __init__(self, *, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be >= 1, got {max_keys}")
        self.max_keys = max_keys
        self._lock = threading.Lock()
        # key -> TAT (epoch ms); ordered from least to most recently hit.
        self._tats: OrderedDict[str, float] = OrderedDict()

    def hit(
        self, key: str, limit: int, window_s: float, now_ms: int, cost: int = 1
    ) -> RateDecision:
        check_limit(limit, window_s)
        with self._lock:
            decision, new_tat = gcra(self._tats.get(key), limit, window_s, now_ms, cost)
            if new_tat is not None:
                self._tats[key] = new_tat
                self._tats.move_to_end(key)
                self._evict(now_ms)
            return decision

    def __len__(self) -> int:
        """How many keys are remembered (for tests and metrics)."""
        with self._lock:
            return len(self._tats)

    def close(self) -> None:
        with self._lock:
            self._tats.clear()

    def _evict(self, now_ms: int) -> None:
        # Amortised O(1): each key is evicted once per time it was stored. The oldest
        # entries come first, and a key idle that long is usually back to a full budget.
        tats = self._tats
        while tats:
            oldest_key, oldest_tat = next(iter(tats.items()))
            if oldest_tat <= now_ms or len(tats) > self.max_keys:
                del tats[oldest_key]
            else:
                break
