"""When "the venue has no such order" becomes final for an order whose submission is UNKNOWN.

Reliability spec, section 3.2 point 3. A venue answers order queries from a store that lags
its matching engine (Binance: "Memory => Database"), so "not found" right after a
submission is inconclusive. An order that was never acknowledged becomes
``REJECTED(inflight_timeout)`` only when *both* hold:

(a) at least :attr:`UnknownResolutionConfig.min_not_found_answers` "not found" answers,
    the first and the last at least :attr:`~UnknownResolutionConfig.min_not_found_span_ms`
    apart (the span must exceed the venue's query lag: Binance shows a new order within a
    few seconds, the default span is 10 s);
(b) the signed request can no longer be accepted: the clock has passed
    ``request timestamp + recv_window_ms + max_clock_offset_ms`` (Binance refuses a
    request whose timestamp is older than ``recvWindow`` by the server's clock, and the
    server's clock may lag ours by up to the offset).

Before that the order stays UNKNOWN. One "found" answer forgets the count (the venue has
the order; what it did with it is reconciliation's business). All times are UTC epoch
milliseconds of the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import OrderId

INFLIGHT_TIMEOUT_REASON = "inflight_timeout"


@dataclass(frozen=True, slots=True)
class UnknownResolutionConfig:
    """How long an unacknowledged order stays UNKNOWN while the venue does not show it."""

    min_not_found_answers: int = 3
    min_not_found_span_ms: int = 10_000
    recv_window_ms: int = 5_000  # the recvWindow sent with signed requests (Binance default)
    max_clock_offset_ms: int = 1_000  # how far the venue's clock may lag ours

    def __post_init__(self) -> None:
        if self.min_not_found_answers < 1:
            raise ConfigError(
                f"min_not_found_answers must be at least 1, got {self.min_not_found_answers}.",
                "use 3 or more (the reliability spec asks for at least 3 queries)",
            )
        for name in ("min_not_found_span_ms", "recv_window_ms", "max_clock_offset_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(
                    f"{name} cannot be negative, got {getattr(self, name)}.",
                    "give a duration in milliseconds, zero or more",
                )


@dataclass(frozen=True, slots=True)
class NotFoundRecord:
    """The "not found" answers seen so far for one order."""

    count: int
    first_ms: int
    last_ms: int


class UnknownResolver:
    """Counts "not found" answers per order and says when they are final (rules above)."""

    def __init__(self, config: UnknownResolutionConfig) -> None:
        self._config = config
        self._records: dict[OrderId, NotFoundRecord] = {}

    def record(self, order_id: OrderId) -> NotFoundRecord | None:
        return self._records.get(order_id)

    def observe_found(self, order_id: OrderId) -> None:
        self._records.pop(order_id, None)

    def observe_not_found(self, order_id: OrderId, request_ts_ms: int, now_ms: int) -> bool:
        """Count one "not found" answer at ``now_ms``; True when the order is final (REJECTED)."""
        seen = self._records.get(order_id)
        if seen is None:
            seen = NotFoundRecord(1, now_ms, now_ms)
        else:
            seen = NotFoundRecord(seen.count + 1, seen.first_ms, max(seen.last_ms, now_ms))
        self._records[order_id] = seen
        cfg = self._config
        enough_answers = seen.count >= cfg.min_not_found_answers
        long_enough = seen.last_ms - seen.first_ms >= cfg.min_not_found_span_ms
        request_dead = now_ms >= request_ts_ms + cfg.recv_window_ms + cfg.max_clock_offset_ms
        if enough_answers and long_enough and request_dead:
            del self._records[order_id]
            return True
        return False
