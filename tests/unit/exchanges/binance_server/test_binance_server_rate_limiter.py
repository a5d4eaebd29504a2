"""Weights per endpoint, the 429 -> 418 escalation, order counters."""

from __future__ import annotations

import pytest

from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError
from xor_trading.exchanges.simulated.binance_server.rate_limits import (
    OrderCounter,
    WeightLimiter,
    request_weight,
)


@pytest.mark.parametrize(
    ("endpoint", "query", "weight"),
    [
        ("GET /api/v3/exchangeInfo", {}, 20),
        ("GET /api/v3/depth", {"limit": "100"}, 5),
        ("GET /api/v3/depth", {"limit": "1000"}, 50),
        ("GET /api/v3/openOrders", {}, 80),
        ("GET /api/v3/openOrders", {"symbol": "BTCUSDT"}, 6),
        ("GET /api/v3/ticker/24hr", {"symbol": "BTCUSDT"}, 2),
        ("POST /api/v3/order", {}, 1),
    ],
)
def test_request_weight_is_binances(endpoint: str, query: dict[str, str], weight: int):
    assert request_weight(endpoint, query) == weight


def test_over_budget_is_429_until_window_end_then_418_if_ignored_then_recovers():
    limiter = WeightLimiter(limit=10, window_ms=1_000, ban_ms=5_000)
    limiter.charge("ip", 10, now_ms=100)
    with pytest.raises(BinanceApiError) as too_many:
        limiter.charge("ip", 1, now_ms=200)
    assert (too_many.value.status, too_many.value.retry_after_s) == (429, 1)
    with pytest.raises(BinanceApiError) as banned:
        limiter.charge("ip", 1, now_ms=300)  # inside Retry-After
    assert banned.value.status == 418
    with pytest.raises(BinanceApiError):
        limiter.charge("ip", 1, now_ms=5_200)  # still banned (until 5,300)
    limiter.charge("ip", 1, now_ms=5_400)
    assert limiter.used("ip", 5_400) == 1


def test_other_ips_are_not_limited():
    limiter = WeightLimiter(limit=1, window_ms=1_000, ban_ms=1_000)
    limiter.charge("a", 1, now_ms=0)
    limiter.charge("b", 1, now_ms=0)
    assert limiter.used("b", 0) == 1


def test_order_counter_counts_ten_seconds_and_the_day():
    counter = OrderCounter()
    for t in (0, 5_000, 12_000):
        counter.record(t)
    assert counter.counts(12_000) == (2, 3)
    assert counter.counts(86_400_000) == (0, 0)
