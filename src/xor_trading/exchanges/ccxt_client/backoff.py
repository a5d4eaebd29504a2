"""Jittered exponential backoff for retries and reconnects (delays in seconds).

The n-th delay (n from 0) is drawn uniformly from ``[d/2, d]`` with
``d = min(max_s, base_s * 2**n)``, and never below ``floor_s``. The jitter spreads the
reconnects of many bots after a venue outage, so they do not hammer it in lock step;
the floor keeps WebSocket reconnects at one attempt per second at most (R7).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Backoff"]


@dataclass(slots=True)
class Backoff:
    base_s: float = 1.0
    max_s: float = 30.0
    floor_s: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay_s(self) -> float:
        """The delay before the next attempt; each call backs off further."""
        ceiling = min(self.max_s, self.base_s * 2.0 ** min(self.attempt, 62))
        self.attempt += 1
        return max(self.floor_s, self.rng.uniform(ceiling / 2.0, ceiling))

    def reset(self) -> None:
        """After a success: the next failure starts from ``base_s`` again."""
        self.attempt = 0
