"""One request budget per (venue, egress), shared by every bot and key of the process.

Binance limits weight per IP, not per key ("The limits on the API are based on the IPs"),
and every bot of a self-hosted platform leaves through the same IP: so one
:class:`RequestLimiter` per (venue id, base URL), from :func:`shared_limiter`, paces them
all (R8). It enforces:

* a weight budget over any sliding 60 s window (weights per endpoint in
  :data:`BINANCE_SPOT_WEIGHTS`; the default budget keeps 20% of Binance's 6000/min in
  reserve), so the venue never answers 429, let alone 418;
* strict priority: a waiting order placement or cancel (:attr:`Priority.ORDER`) is
  admitted before any market-data or reconciliation read (:attr:`Priority.READ`); FIFO
  within a priority;
* ``Retry-After``: after a 429/418 no request of the process goes to that venue before
  the pause has elapsed (:meth:`RequestLimiter.note_response`);
* the venue's own count: ``X-MBX-USED-WEIGHT-1M`` above ours (another process on the same
  IP) is added to the budget as spent;
* per-key ordering of signed requests (:meth:`RequestLimiter.signing_lane`): two bots
  sharing one key sign one request at a time, so their timestamps go out in order (R9).
  The lane is held until a request is signed and handed to HTTP, not for its reply
  (Binance authenticates by timestamp + recvWindow, not by a nonce): a cancel starts
  while a create of the same key still waits for its answer.

Times are seconds from an injected monotonic clock; ``sleep`` is injected too, so tests
run on a fake clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from xor_trading.exchanges.ccxt_client.outcome import DEFAULT_RETRY_AFTER_S

__all__ = [
    "BINANCE_SPOT_WEIGHTS",
    "DEFAULT_BUDGET_PER_MINUTE",
    "LimiterRegistry",
    "Priority",
    "RequestLimiter",
    "shared_limiter",
]

WINDOW_S = 60.0
DEFAULT_BUDGET_PER_MINUTE = 4_800  # 80% of Binance spot's REQUEST_WEIGHT 6000 per minute

BINANCE_SPOT_WEIGHTS: Mapping[str, int] = {
    "POST /api/v3/order": 1,
    "DELETE /api/v3/order": 1,
    "POST /api/v3/orderList/oco": 1,
    "GET /api/v3/order": 4,
    "GET /api/v3/openOrders": 6,  # with a symbol (80 without: never used)
    "GET /api/v3/myTrades": 20,
    "GET /api/v3/account": 20,
    "GET /api/v3/time": 1,
    "GET /api/v3/exchangeInfo": 20,
    "POST /api/v3/userDataStream": 2,
}
"""Request weight of the Binance spot endpoints the live port calls (binance-spot-api-docs)."""


class Priority(IntEnum):
    ORDER = 0  # order placement and cancels
    READ = 1  # market data and reconciliation reads


@dataclass(order=True)
class _Ticket:
    priority: int
    seq: int
    weight: int = field(compare=False)


class RequestLimiter:
    """Admits requests of one venue and egress within its weight budget, by priority."""

    def __init__(
        self,
        budget_per_minute: int = DEFAULT_BUDGET_PER_MINUTE,
        *,
        now_s: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if budget_per_minute <= 0:
            raise ValueError(f"budget_per_minute must be positive, got {budget_per_minute}")
        self.budget_per_minute = budget_per_minute
        self._now = now_s
        self._sleep = sleep
        self._spent: deque[tuple[float, int]] = deque()  # (admitted at, weight), oldest first
        self._queue: list[_Ticket] = []
        self._seq = itertools.count()
        self._waiters: list[asyncio.Future[None]] = []
        self._paused_until = float("-inf")
        self._lanes: dict[str, asyncio.Lock] = {}

    # -- admission ------------------------------------------------------------------------

    async def acquire(self, weight: int, priority: Priority) -> None:
        """Wait until a request of ``weight`` may be sent now, then count it as sent."""
        if not 0 < weight <= self.budget_per_minute:
            raise ValueError(f"request weight {weight} outside 1..{self.budget_per_minute}")
        ticket = _Ticket(int(priority), next(self._seq), weight)
        heapq.heappush(self._queue, ticket)
        try:
            while True:
                if self._queue[0] is ticket:
                    delay = self._delay_for(weight)
                    if delay <= 0:
                        heapq.heappop(self._queue)
                        self._spent.append((self._now(), weight))
                        self._wake_all()
                        return
                    # A more urgent ticket arriving meanwhile takes the head; we re-check.
                    await self._sleep(delay)
                else:
                    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                    self._waiters.append(waiter)
                    await waiter
        except BaseException:
            if ticket in self._queue:
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
                self._wake_all()
            raise

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _delay_for(self, weight: int) -> float:
        now = self._now()
        while self._spent and self._spent[0][0] <= now - WINDOW_S:
            self._spent.popleft()
        delay = self._paused_until - now
        excess = self.spent_in_window() + weight - self.budget_per_minute
        for admitted_at, spent in self._spent:
            if excess <= 0:
                break
            excess -= spent
            delay = max(delay, admitted_at + WINDOW_S - now)
        return delay

    def spent_in_window(self) -> int:
        """Weight admitted over the last 60 s (including weight the venue says others used)."""
        return sum(weight for _, weight in self._spent)

    # -- what the venue says ----------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """No request to this venue for ``seconds`` (a 429/418's ``Retry-After``)."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    def retry_after_s(self) -> float | None:
        """Seconds left of the current pause, or ``None`` when not paused."""
        left = self._paused_until - self._now()
        return left if left > 0 else None

    def note_response(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from one response: ``Retry-After`` of a 429/418, the venue's used weight."""
        lowered = {k.lower(): v for k, v in headers.items()}
        if status in (418, 429):
            try:
                seconds = float(lowered["retry-after"])
            except (KeyError, ValueError):
                seconds = DEFAULT_RETRY_AFTER_S
            self.pause(seconds)
        used = lowered.get("x-mbx-used-weight-1m")
        if used is not None and used.isdigit():
            unseen = int(used) - self.spent_in_window()
            if unseen > 0:  # another process on this IP spent it
                self._spent.append((self._now(), unseen))

    # -- signed requests --------------------------------------------------------------------

    def signing_lane(self, key_id: str) -> asyncio.Lock:
        """The lock that orders the signed requests of one API key (hold it until the
        request is signed and sent, not while waiting for the reply)."""
        lane = self._lanes.get(key_id)
        if lane is None:
            lane = self._lanes[key_id] = asyncio.Lock()
        return lane


class LimiterRegistry:
    """The limiters of a process, one per (venue id, base URL)."""

    def __init__(self, budget_per_minute: int = DEFAULT_BUDGET_PER_MINUTE) -> None:
        self._budget = budget_per_minute
        self._by_egress: dict[tuple[str, str], RequestLimiter] = {}

    def get(self, venue_id: str, base_url: str | None) -> RequestLimiter:
        key = (venue_id, base_url or "")
        limiter = self._by_egress.get(key)
        if limiter is None:
            limiter = self._by_egress[key] = RequestLimiter(self._budget)
        return limiter


_PROCESS_LIMITERS = LimiterRegistry()


def shared_limiter(venue_id: str, base_url: str | None = None) -> RequestLimiter:
    """The process-wide limiter of ``venue_id`` reached at ``base_url`` (``None``: the
    venue's own URLs)."""
    return _PROCESS_LIMITERS.get(venue_id, base_url)
