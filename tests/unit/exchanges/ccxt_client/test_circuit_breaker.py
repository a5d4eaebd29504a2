"""The per-venue circuit breaker: opens after K faults, probes once, closes on success."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import RejectedError, RetryableError
from xor_trading.exchanges.ccxt_client.circuit_breaker import (
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
)


class Now:
    def __init__(self) -> None:
        self.s = 0.0

    def __call__(self) -> float:
        return self.s


def breaker() -> tuple[CircuitBreaker, Now]:
    now = Now()
    return CircuitBreaker("binance", failure_threshold=5, cool_down_s=30.0, now_s=now), now


def test_breaker_opens_after_five_consecutive_failures_not_four() -> None:
    cb, _ = breaker()
    for _ in range(4):
        cb.record_failure()
    assert cb.state is BreakerState.CLOSED
    cb.record_failure()
    assert cb.state is BreakerState.OPEN


def test_success_resets_the_consecutive_count() -> None:
    cb, _ = breaker()
    for _ in range(4):
        cb.record_failure()
    cb.record_success()
    for _ in range(4):
        cb.record_failure()

    assert cb.state is BreakerState.CLOSED


def test_open_breaker_fails_reads_fast_and_refuses_orders() -> None:
    cb, _ = breaker()
    for _ in range(5):
        cb.record_failure()

    with pytest.raises(CircuitOpenError, match="request was not sent") as caught:
        cb.before_read()
    assert isinstance(caught.value, RetryableError)
    refusal = cb.order_refusal()
    assert isinstance(refusal, RejectedError)
    assert refusal.message.startswith("order not sent: binance circuit breaker is open")


def test_half_open_lets_exactly_one_probe_and_success_closes() -> None:
    cb, now = breaker()
    for _ in range(5):
        cb.record_failure()
    now.s = 30.0

    assert cb.state is BreakerState.HALF_OPEN
    cb.before_read()  # the probe
    with pytest.raises(CircuitOpenError):
        cb.before_read()
    assert cb.order_refusal() is not None
    cb.record_success()
    assert (cb.state, cb.order_refusal()) == (BreakerState.CLOSED, None)


def test_failed_probe_reopens_for_another_cool_down() -> None:
    cb, now = breaker()
    for _ in range(5):
        cb.record_failure()
    now.s = 30.0
    cb.before_read()
    cb.record_failure()

    assert cb.state is BreakerState.OPEN
    now.s = 59.0
    assert cb.state is BreakerState.OPEN
    now.s = 60.0
    assert cb.state is BreakerState.HALF_OPEN


def test_abandoned_probe_frees_the_probe_slot() -> None:
    cb, now = breaker()
    for _ in range(5):
        cb.record_failure()
    now.s = 30.0
    cb.before_read()
    cb.record_abandoned()

    cb.before_read()  # a new probe may go
