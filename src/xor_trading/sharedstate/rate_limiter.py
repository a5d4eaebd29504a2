"""Rate limiting: the contract both implementations keep, and the GCRA arithmetic.

The algorithm is GCRA (the generic cell rate algorithm, a token bucket expressed as one
timestamp): ``limit`` hits per ``window_s`` seconds, spread evenly, with bursts of up to
``limit`` hits. Per key it stores one number, the *theoretical arrival time* (TAT, epoch
milliseconds). A hit at ``now`` is allowed when ``max(TAT, now) + interval - window <=
now`` (``interval = window / limit``), and then moves TAT by ``interval``. So:

* a fresh key allows exactly ``limit`` hits at the same instant, then denies;
* a denied hit changes nothing; ``retry_after_s`` is exactly when the next hit would
  be allowed (one ``interval`` after the budget is exhausted at a constant rate);
* after ``window_s`` of silence the key is back to a full budget, so idle keys can be
  forgotten (that is what bounds memory).

Times come from the caller (``now_ms``, the injected clock), never from the wall clock,
so decisions are reproducible in tests and equal across processes sharing Redis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

# Float slack in the comparisons so that, e.g., three hits of a 1/3 s interval fit in one
# second despite binary rounding. One nanosecond, far below any meaningful interval.
EPSILON_MS = 1e-6


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The outcome of one hit.

    ``remaining`` is how many more hits the key could make at the same instant;
    ``retry_after_s`` is 0 when allowed, else the seconds until a hit would be allowed.
    """

    allowed: bool
    remaining: int
    retry_after_s: float


class RateLimiter(Protocol):
    """Counts hits per key. Implementations are thread-safe."""

    def hit(
        self, key: str, limit: int, window_s: float, now_ms: int, cost: int = 1
    ) -> RateDecision:
        """Record a hit worth ``cost`` units on ``key`` at ``now_ms`` against ``limit``
        units per ``window_s`` seconds; a denied hit is not counted."""
        ...

    def close(self) -> None:
        """Release connections (end of process)."""
        ...


def check_limit(limit: int, window_s: float) -> None:
    """Raise ``ValueError`` for a budget that makes no sense."""
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    if not window_s > 0:
        raise ValueError(f"window_s must be > 0, got {window_s}")


def gcra(
    tat_ms: float | None, limit: int, window_s: float, now_ms: int, cost: int = 1
) -> tuple[RateDecision, float | None]:
    """One GCRA step: the decision and the new TAT to store (``None``: keep the old one).

    ``tat_ms`` is the stored TAT of the key, ``None`` for an unknown key. The Redis Lua
    script in :mod:`.redis_rate_limiter` is a line-by-line transcription of this function.
    """
    window_ms = window_s * 1000.0
    interval_ms = window_ms / limit
    tat = now_ms if tat_ms is None or tat_ms < now_ms else tat_ms
    new_tat = tat + interval_ms * cost
    allow_at = new_tat - window_ms
    if allow_at > now_ms + EPSILON_MS:
        return RateDecision(False, 0, (allow_at - now_ms) / 1000.0), None
    remaining = math.floor((window_ms - (new_tat - now_ms)) / interval_ms + EPSILON_MS)
    return RateDecision(True, max(0, remaining), 0.0), new_tat
