"""Request weights, 429 then 418, order counters (Binance's rate-limit rules)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import aiohttp
import ccxt  # type: ignore[import-untyped]
import pytest

from conftest import fresh_key, make_ccxt, signed_query
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    FaultKind,
    ScriptedFault,
    running_binance_server,
)

WINDOW_MS = 1_000
BAN_MS = 300


@pytest.fixture(scope="module")
def venue() -> Iterator[BinanceServerHandle]:
    config = BinanceServerConfig(
        weight_limit_per_window=40, weight_window_ms=WINDOW_MS, ban_ms=BAN_MS
    )
    with running_binance_server(config) as handle:
        yield handle


@pytest.fixture(autouse=True)
def fresh_weight_window() -> None:
    """Start each test just after a window boundary, past any earlier ban.

    The 429 tests come last in this file: their Retry-After (1 s) outlives this pause.
    """
    earliest_ms = _now_ms() + BAN_MS
    time.sleep((WINDOW_MS - earliest_ms % WINDOW_MS + BAN_MS) / 1000 + 0.01)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_used_weight_header_counts_binance_weights(venue: BinanceServerHandle):
    async def main() -> list[str]:
        async with aiohttp.ClientSession() as session:
            used = []
            for path in ("/api/v3/ping", "/api/v3/klines?symbol=BTCUSDT&interval=1m"):
                async with session.get(venue.url + path) as response:
                    used.append(response.headers["X-MBX-USED-WEIGHT-1M"])
            return used

    assert asyncio.run(main()) == ["1", "3"]


def test_order_responses_carry_order_count_headers(venue: BinanceServerHandle):
    key = fresh_key()

    async def main() -> list[str]:
        counts = []
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                body = signed_query(
                    {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
                    "s",
                    _now_ms(),
                )
                async with session.post(
                    f"{venue.url}/api/v3/order",
                    data=body,
                    headers={
                        "X-MBX-APIKEY": key,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                ) as response:
                    assert response.status == 200, await response.text()
                    counts.append(response.headers["X-MBX-ORDER-COUNT-10S"])
        return counts

    assert asyncio.run(main()) == ["1", "2"]


def test_over_budget_is_429_with_retry_after_then_418_if_ignored(venue: BinanceServerHandle):
    async def main() -> list[tuple[int, str | None]]:
        answers = []
        async with aiohttp.ClientSession() as session:
            for _ in range(3):  # 20 + 20 = 40 (the budget), then 60: 429, then 418
                async with session.get(f"{venue.url}/api/v3/exchangeInfo") as response:
                    answers.append((response.status, response.headers.get("Retry-After")))
            async with session.get(f"{venue.url}/api/v3/ping") as response:
                answers.append((response.status, response.headers.get("Retry-After")))
        return answers

    answers = asyncio.run(main())
    assert [status for status, _ in answers] == [200, 200, 429, 418]
    assert answers[2][1] == "1"
    assert answers[3][1] is not None


def test_429_fault_is_ddos_protection_and_a_retry_inside_retry_after_is_418(
    venue: BinanceServerHandle,
):
    venue.script_fault(ScriptedFault(FaultKind.RATE_LIMIT_429, endpoint=None, retry_after_s=1))

    async def main() -> list[str]:
        client = make_ccxt(venue, fresh_key())
        errors = []
        try:
            for _ in range(2):
                with pytest.raises(ccxt.DDoSProtection) as caught:
                    await client.publicGetTime()
                errors.append(str(caught.value))
        finally:
            await client.close()
        return errors

    errors = asyncio.run(main())
    assert errors[0].startswith("binance 429")
    assert errors[1].startswith("binance 418")
    assert "IP banned until" in errors[1]
