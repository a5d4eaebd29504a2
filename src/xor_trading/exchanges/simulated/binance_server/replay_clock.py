"""The market clock of the replay: wall time sped up, pausable, movable by tests.

``market_now_ms = anchor_market_ms + (wall_ms - anchor_wall_ms) * speed`` while running;
frozen while paused. The server's own time (``/api/v3/time``, the signing rule, order
and trade times) stays the wall clock; only market data follows this clock.
"""

from __future__ import annotations

from xor_trading.core.clock import Clock


class ReplayClock:
    """Market time in UTC ms, ``speed`` market-ms per wall-ms, starting at ``start_market_ms``."""

    def __init__(self, wall: Clock, start_market_ms: int, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"replay speed must be positive, got {speed}")
        self._wall = wall
        self._speed = speed
        self._anchor_wall_ms = wall.now_ms()
        self._anchor_market_ms = start_market_ms
        self._paused = False

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def now_ms(self) -> int:
        if self._paused:
            return self._anchor_market_ms
        elapsed = self._wall.now_ms() - self._anchor_wall_ms
        return self._anchor_market_ms + int(elapsed * self._speed)

    def pause(self) -> None:
        self._rebase()
        self._paused = True

    def resume(self) -> None:
        self._rebase()
        self._paused = False

    def advance(self, delta_ms: int) -> None:
        """Move market time forward by ``delta_ms`` (paused or not)."""
        if delta_ms < 0:
            raise ValueError(f"the replay cannot go backwards ({delta_ms} ms)")
        self._rebase()
        self._anchor_market_ms += delta_ms

    def _rebase(self) -> None:
        self._anchor_market_ms = self.now_ms()
        self._anchor_wall_ms = self._wall.now_ms()
