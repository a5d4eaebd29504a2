"""Request weights, the per-IP weight budget with 429 -> 418 escalation, order counters.

Binance counts request weight per IP in a fixed window (``X-MBX-USED-WEIGHT-1M``). Past
the budget it answers 429 ``{-1003}`` with ``Retry-After`` (seconds to the window's end);
a client that keeps sending during that Retry-After is banned with 418 for ``ban_ms``
(real Binance: 2 minutes to 3 days). The weights are Binance's for the spot endpoints
served (``rest-api.md``, 2025). ``X-MBX-ORDER-COUNT-10S`` / ``-1D`` count orders placed
per account in 10-second and 1-day windows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError

_FIXED_WEIGHTS = {
    "GET /api/v3/ping": 1,
    "GET /api/v3/time": 1,
    "GET /api/v3/exchangeInfo": 20,
    "GET /api/v3/klines": 2,
    "GET /api/v3/avgPrice": 2,
    "GET /api/v3/account": 20,
    "POST /api/v3/order": 1,
    "GET /api/v3/order": 4,
    "DELETE /api/v3/order": 1,
    "DELETE /api/v3/openOrders": 1,
    "GET /api/v3/allOrders": 20,
    "GET /api/v3/myTrades": 20,
    "POST /api/v3/userDataStream": 2,
    "PUT /api/v3/userDataStream": 2,
    "DELETE /api/v3/userDataStream": 2,
}


def request_weight(endpoint: str, query: dict[str, str]) -> int:
    """Binance's weight of ``endpoint`` (``"METHOD /path"``) with these parameters."""
    if endpoint in _FIXED_WEIGHTS:
        return _FIXED_WEIGHTS[endpoint]
    has_symbol = "symbol" in query or "symbols" in query
    if endpoint == "GET /api/v3/depth":
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 100
        return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
    if endpoint == "GET /api/v3/ticker/24hr":
        return 2 if has_symbol else 80
    if endpoint in ("GET /api/v3/ticker/price", "GET /api/v3/ticker/bookTicker"):
        return 2 if has_symbol else 4
    if endpoint == "GET /api/v3/openOrders":
        return 6 if has_symbol else 80
    return 1


@dataclass
class _IpState:
    window_start_ms: int = 0
    used: int = 0
    retry_until_ms: int = 0  # after a 429: requests before this are "ignoring Retry-After"
    banned_until_ms: int = 0


class WeightLimiter:
    """The request-weight budget of each client IP (see the module docstring)."""

    def __init__(self, limit: int, window_ms: int, ban_ms: int) -> None:
        self._limit = limit
        self._window_ms = window_ms
        self._ban_ms = ban_ms
        self._ips: dict[str, _IpState] = {}

    @property
    def limit(self) -> int:
        return self._limit

    def used(self, ip: str, now_ms: int) -> int:
        state = self._state(ip, now_ms)
        return state.used

    def charge(self, ip: str, weight: int, now_ms: int) -> None:
        """Count ``weight``; raise 418 / 429 as Binance would (a refused request costs too)."""
        state = self._state(ip, now_ms)
        if now_ms < state.banned_until_ms:
            raise self._banned(state, now_ms)
        if now_ms < state.retry_until_ms:
            state.banned_until_ms = now_ms + self._ban_ms
            raise self._banned(state, now_ms)
        state.used += weight
        if state.used > self._limit:
            state.retry_until_ms = state.window_start_ms + self._window_ms
            raise self.too_many(self._retry_after_s(state.retry_until_ms, now_ms))

    def force_429(self, ip: str, now_ms: int, retry_after_s: int) -> BinanceApiError:
        """The rate-limit fault: a 429 whose Retry-After is enforced like a real one."""
        state = self._state(ip, now_ms)
        state.retry_until_ms = now_ms + retry_after_s * 1000
        return self.too_many(retry_after_s)

    def too_many(self, retry_after_s: int) -> BinanceApiError:
        return BinanceApiError(
            429,
            -1003,
            f"Too much request weight used; current limit is {self._limit} request weight "
            "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling "
            "the API.",
            retry_after_s,
        )

    def _banned(self, state: _IpState, now_ms: int) -> BinanceApiError:
        return BinanceApiError(
            418,
            -1003,
            f"Way too much request weight used; IP banned until {state.banned_until_ms}. "
            "Please use WebSocket Streams for live updates to avoid bans.",
            self._retry_after_s(state.banned_until_ms, now_ms),
        )

    @staticmethod
    def _retry_after_s(until_ms: int, now_ms: int) -> int:
        return max(1, -(-(until_ms - now_ms) // 1000))

    def _state(self, ip: str, now_ms: int) -> _IpState:
        state = self._ips.setdefault(ip, _IpState())
        window_start = now_ms // self._window_ms * self._window_ms
        if window_start != state.window_start_ms:
            state.window_start_ms = window_start
            state.used = 0
        return state


class OrderCounter:
    """Orders placed by one account in the last 10 seconds and the current UTC day."""

    def __init__(self) -> None:
        self._recent: deque[int] = deque()
        self._day = -1
        self._day_count = 0

    def record(self, now_ms: int) -> None:
        self._trim(now_ms)
        self._recent.append(now_ms)
        self._day_count += 1

    def counts(self, now_ms: int) -> tuple[int, int]:
        self._trim(now_ms)
        return len(self._recent), self._day_count

    def _trim(self, now_ms: int) -> None:
        while self._recent and self._recent[0] <= now_ms - 10_000:
            self._recent.popleft()
        day = now_ms // 86_400_000
        if day != self._day:
            self._day, self._day_count = day, 0
