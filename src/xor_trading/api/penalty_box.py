"""PenaltyBox: a client that keeps sending while refused is refused everything for a while.

A 429 carries ``Retry-After``, and a 429 is answered only after the tarpit delay (1 s), so
one connection that honours it, or even one that ignores it, collects at most about one
refusal a second. A client collecting more than :data:`PENALTY_STRIKES` refusals in
:data:`PENALTY_WINDOW_S` seconds (ten a second) is therefore sending on more than ten
connections at once and ignoring every answer: a flood, not a busy dashboard (a browser
opens at most six connections per host). Such a client (the user of a valid token, or
else the IP) is refused every request for :data:`PENALTY_S` seconds, renewed while the
refusals go on; its budget is neither spent nor consulted. The short window finds a
flood within its first second (a hundred connections refused at once); a window of ten
seconds took two to four, each letting another second's budget of lists through.
Binance treats clients that ignore its 429s the same way (a temporary ban, answered
418); here the answer stays 429, with a ``Retry-After`` of the penalty's remaining
seconds.

Why (S7): under a per-user budget alone, a flooding tenant still gets its whole budget of
heavy lists, a steady stream of multi-millisecond requests that other tenants' requests
collide with; in the box it gets none, and its refusals cost a timer each.

Per process and event loop, in memory (not thread-safe; no lock is needed on one loop):
with several workers each one boxes the flooder on its own, within a second or two of
the flood reaching it. Memory stays bounded: the strike counters evict themselves
(:class:`~xor_trading.sharedstate.memory_rate_limiter.MemoryRateLimiter`) and the box
forgets expired penalties once it holds :data:`MAX_BOXED` clients.
"""

from __future__ import annotations

from xor_trading.sharedstate.memory_rate_limiter import MemoryRateLimiter

PENALTY_STRIKES = 20
PENALTY_WINDOW_S = 2.0
PENALTY_S = 10.0
MAX_BOXED = 10_000


class PenaltyBox:
    """Strikes (refusals) per client and the penalties they earn; times are epoch ms."""

    def __init__(
        self,
        *,
        strikes: int = PENALTY_STRIKES,
        window_s: float = PENALTY_WINDOW_S,
        penalty_s: float = PENALTY_S,
        max_boxed: int = MAX_BOXED,
    ) -> None:
        if strikes < 1 or window_s <= 0 or penalty_s <= 0 or max_boxed < 1:
            raise ValueError(
                "strikes and max_boxed must be >= 1, window_s and penalty_s > 0; "
                f"got {strikes}, {max_boxed}, {window_s}, {penalty_s}"
            )
        self.strikes = strikes
        self.window_s = window_s
        self.penalty_ms = round(penalty_s * 1000)
        self.max_boxed = max_boxed
        self._counters = MemoryRateLimiter()
        self._until_ms: dict[str, int] = {}

    def remaining_ms(self, client: str, now_ms: int) -> int:
        """How long ``client`` is still boxed (0: not boxed)."""
        until = self._until_ms.get(client)
        if until is None:
            return 0
        if until <= now_ms:
            del self._until_ms[client]  # served: forgotten
            return 0
        return until - now_ms

    def strike(self, client: str, now_ms: int) -> bool:
        """Record one refusal of ``client``; True when it (re)boxed them for the penalty.

        The strikes are counted like a budget of ``strikes`` per ``window_s`` (GCRA: a
        burst of ``strikes``, then one every ``window_s / strikes`` seconds): only a client
        refused faster than that for a whole window is boxed.
        """
        decision = self._counters.hit(f"strike:{client}", self.strikes, self.window_s, now_ms)
        if decision.allowed:
            return False
        if len(self._until_ms) >= self.max_boxed and client not in self._until_ms:
            self._forget_expired(now_ms)
        self._until_ms[client] = now_ms + self.penalty_ms
        return True

    def __len__(self) -> int:
        """How many clients are remembered (boxed; served ones until asked about or swept)."""
        return len(self._until_ms)

    def _forget_expired(self, now_ms: int) -> None:
        expired = [client for client, until in self._until_ms.items() if until <= now_ms]
        for client in expired:
            del self._until_ms[client]
        if len(self._until_ms) >= self.max_boxed:
            # Still full of live penalties (a flood from many addresses): forget the one
            # ending soonest. It can only let that client in early.
            soonest = min(self._until_ms, key=self._until_ms.__getitem__)
            del self._until_ms[soonest]
