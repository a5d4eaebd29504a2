"""OhlcvRequester: pacing, Retry-After, backoff, bad rows fetched again, clear give-up errors."""

from __future__ import annotations

import asyncio
import math
import random

import ccxt  # type: ignore[import-untyped]
import pytest
from scripted_ohlcv_venue import MINUTE, T0, ScriptedOhlcvVenue, rows

from xor_trading.core.errors import (
    DataError,
    RateLimitedError,
    RetryableError,
    UnknownSymbolError,
)
from xor_trading.core.timeframes import Timeframe
from xor_trading.exchanges.ccxt_client.ohlcv_requests import (
    DEFAULT_PAGE_LIMIT,
    OhlcvRequester,
    RetryPolicy,
    page_limit_of,
)

TF = Timeframe.parse("1m")


class FakeTime:
    """Monotonic time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _requester(venue: ScriptedOhlcvVenue, time: FakeTime, attempts: int = 4) -> OhlcvRequester:
    return OhlcvRequester(
        venue,
        retry=RetryPolicy(max_attempts=attempts, base_delay_s=1.0, max_delay_s=8.0),
        sleep=time.sleep,
        monotonic=time.monotonic,
        rng=random.Random(7),
    )


def test_fetch_clean_page_returns_candles_in_one_request() -> None:
    venue, time = ScriptedOhlcvVenue(rows(3)), FakeTime()
    requester = _requester(venue, time)
    candles = asyncio.run(requester.fetch("BTC/USDT", TF, T0))
    assert [c.ts_ms for c in candles] == [T0, T0 + MINUTE, T0 + 2 * MINUTE]
    assert venue.fetch_calls == [T0]
    assert time.sleeps == []


def test_fetch_consecutive_requests_are_paced_by_the_rate_limit() -> None:
    venue, time = ScriptedOhlcvVenue(rows(3), rate_limit_ms=250), FakeTime()
    requester = _requester(venue, time)

    async def twice() -> None:
        await requester.fetch("BTC/USDT", TF, T0)
        time.now += 0.05  # the caller spent 50 ms in between
        await requester.fetch("BTC/USDT", TF, T0)

    asyncio.run(twice())
    assert time.sleeps == [pytest.approx(0.2)]
    assert requester.requests_made == 2


def test_fetch_rate_limited_waits_the_retry_after_then_succeeds() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [(ccxt.DDoSProtection("429"), {"Retry-After": "7"})]
    candles = asyncio.run(_requester(venue, time).fetch("BTC/USDT", TF, T0))
    assert len(candles) == 2
    assert time.sleeps == [7.0]
    assert len(venue.fetch_calls) == 2


def test_fetch_rate_limit_exceeded_without_header_backs_off() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [(ccxt.RateLimitExceeded("slow down"), {})]
    asyncio.run(_requester(venue, time).fetch("BTC/USDT", TF, T0))
    assert len(time.sleeps) == 1
    assert 0.5 <= time.sleeps[0] <= 1.0


def test_fetch_retry_after_beyond_the_limit_gives_up_at_once() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [(ccxt.DDoSProtection("418 banned"), {"retry-after": "3600"})]
    with pytest.raises(RateLimitedError) as caught:
        asyncio.run(_requester(venue, time).fetch("BTC/USDT", TF, T0))
    assert caught.value.retry_after_s == 3600.0
    assert "for 3600 s" in caught.value.message
    assert time.sleeps == []
    assert len(venue.fetch_calls) == 1


def test_fetch_network_errors_back_off_exponentially_then_succeed() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [
        (ccxt.RequestTimeout("t"), {}),
        (ccxt.ExchangeNotAvailable("502"), {}),
        (ccxt.NetworkError("reset"), {}),
    ]
    candles = asyncio.run(_requester(venue, time).fetch("BTC/USDT", TF, T0))
    assert len(candles) == 2
    assert len(time.sleeps) == 3
    for n, delay in enumerate(time.sleeps):  # jittered within [d/2, d], d = 1, 2, 4
        assert 2.0**n / 2 <= delay <= 2.0**n


def test_fetch_network_errors_every_attempt_raise_retryable_error() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [(ccxt.RequestTimeout("timed out"), {})] * 4
    with pytest.raises(RetryableError) as caught:
        asyncio.run(_requester(venue, time, attempts=4).fetch("BTC/USDT", TF, T0))
    assert not isinstance(caught.value, RateLimitedError)
    assert "after 4 attempts (RequestTimeout: timed out)" in caught.value.message
    assert "binance BTC/USDT 1m candles from 2024-01-01T00:00:00Z" in caught.value.message
    assert caught.value.hint
    assert len(time.sleeps) == 3


def test_fetch_rate_limited_every_attempt_raises_rate_limited_error() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [(ccxt.DDoSProtection("429"), {"Retry-After": "2"})] * 3
    with pytest.raises(RateLimitedError) as caught:
        asyncio.run(_requester(venue, time, attempts=3).fetch("BTC/USDT", TF, T0))
    assert caught.value.retry_after_s == 2.0
    assert time.sleeps == [2.0, 2.0]


def test_fetch_unknown_market_raises_unknown_symbol_error_without_retry() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [(ccxt.BadSymbol("binance does not have market symbol XX/YY"), {})]
    with pytest.raises(UnknownSymbolError, match="binance does not list the market XX/YY"):
        asyncio.run(_requester(venue, time).fetch("XX/YY", TF, T0))
    assert len(venue.fetch_calls) == 1


def test_fetch_other_venue_refusal_raises_data_error_without_retry() -> None:
    venue, time = ScriptedOhlcvVenue(rows(2)), FakeTime()
    venue.fetch_failures = [(ccxt.BadRequest("Invalid interval."), {})]
    with pytest.raises(DataError, match=r"refused the request .*Invalid interval"):
        asyncio.run(_requester(venue, time).fetch("BTC/USDT", TF, T0))
    assert len(venue.fetch_calls) == 1


def test_fetch_page_with_invalid_row_is_fetched_again_and_not_returned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    venue, time = ScriptedOhlcvVenue(rows(3)), FakeTime()
    good = [list(r) for r in venue.rows]
    venue.rows[1][2] = math.nan

    calls = 0
    original = venue.fetch_ohlcv

    async def repaired_after_first(*args: object, **kwargs: object) -> list[list[object]]:
        nonlocal calls
        calls += 1
        result = await original(*args, **kwargs)  # type: ignore[arg-type]
        venue.rows = good  # the venue serves a clean page next time
        return result

    venue.fetch_ohlcv = repaired_after_first  # type: ignore[method-assign]
    with caplog.at_level("WARNING", logger="xor.market_data"):
        candles = asyncio.run(_requester(venue, time).fetch("BTC/USDT", TF, T0))
    assert calls == 2
    assert [c.high for c in candles] == [101.0, 102.0, 103.0]
    assert "rejected a row from the venue (high is nan)" in caplog.text


def test_fetch_invalid_row_every_attempt_raises_data_error() -> None:
    venue, time = ScriptedOhlcvVenue(rows(3)), FakeTime()
    venue.rows[2][5] = -3.0
    with pytest.raises(DataError, match=r"invalid row \(volume -3\.0 is negative\)"):
        asyncio.run(_requester(venue, time, attempts=3).fetch("BTC/USDT", TF, T0))
    assert len(venue.fetch_calls) == 3


def test_page_limit_comes_from_ccxt_features_else_the_default() -> None:
    assert page_limit_of(ScriptedOhlcvVenue([], page_limit=720)) == 720
    assert page_limit_of(object()) == DEFAULT_PAGE_LIMIT
