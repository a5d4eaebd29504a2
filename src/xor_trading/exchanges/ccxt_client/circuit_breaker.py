"""A circuit breaker per venue: stop hammering a venue that is down (R10).

States: CLOSED (normal) -> OPEN after ``failure_threshold`` consecutive venue faults
(timeouts, resets, 5xx, unreadable replies: :attr:`~.outcome.Health.FAULT`; a clear
refusal such as insufficient funds is a healthy venue and resets the count) -> HALF_OPEN
once ``cool_down_s`` has passed: exactly one probe request (a read) may go out; its
success closes the breaker, its failure opens it again for another cool-down.

While the breaker is not CLOSED:

* reads fail fast with :class:`CircuitOpenError` (a :class:`RetryableError`: ask again
  later), except the one half-open probe;
* orders are refused before anything is sent: :meth:`CircuitBreaker.order_refusal` gives
  the :class:`~xor_trading.core.errors.RejectedError` the port raises from
  ``submit_order``, which the execution engine records as REJECTED with the breaker's
  reason. (DENIED is not reachable from SUBMITTED in the order state machine; REJECTED is
  truthful here: the venue does not have the order, and nothing was sent.)

Times are seconds from an injected monotonic clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum

from xor_trading.core.errors import RejectedError, RetryableError

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpenError"]


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(RetryableError):
    """A read was not sent because the venue's circuit breaker is open."""

    code = "venue_unavailable"


class CircuitBreaker:
    def __init__(
        self,
        venue_id: str,
        *,
        failure_threshold: int = 5,
        cool_down_s: float = 30.0,
        now_s: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, got {failure_threshold}")
        if cool_down_s <= 0:
            raise ValueError(f"cool_down_s must be positive, got {cool_down_s}")
        self.venue_id = venue_id
        self.failure_threshold = failure_threshold
        self.cool_down_s = cool_down_s
        self._now = now_s
        self._consecutive_failures = 0
        self._opened_at: float | None = None
        self._probe_out = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._now() - self._opened_at >= self.cool_down_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @property
    def consecutive_failures(self) -> int:
        return self._consecutive_failures

    def before_read(self) -> None:
        """Call before a read; raises :class:`CircuitOpenError` if it may not be sent.
        In HALF_OPEN the first caller becomes the probe and must report its result."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probe_out:
            self._probe_out = True
            return
        raise CircuitOpenError(
            f"{self.venue_id} is not answering properly "
            f"({self._consecutive_failures} failures in a row); the request was not sent",
            f"retry in {self.cool_down_s:g} s; the breaker probes the venue before reopening",
        )

    def order_refusal(self) -> RejectedError | None:
        """The error refusing a new order while the breaker is not closed, else ``None``."""
        if self.state is BreakerState.CLOSED:
            return None
        return RejectedError(
            f"order not sent: {self.venue_id} circuit breaker is open after "
            f"{self._consecutive_failures} failed requests in a row",
            "the venue looks down; send the order again once it answers",
        )

    def record_success(self) -> None:
        self._consecutive_failures = 0
        self._opened_at = None
        self._probe_out = False

    def record_abandoned(self) -> None:
        """A request ended without an answer either way (cancelled): free the probe slot."""
        self._probe_out = False

    def record_failure(self) -> None:
        self._consecutive_failures += 1
        if self._probe_out or self._consecutive_failures >= self.failure_threshold:
            self._opened_at = self._now()
        self._probe_out = False
