"""Venue clock offset by round-trip midpoint, handed to CCXT as ``timeDifference``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from xor_trading.core.errors import RetryableError
from xor_trading.exchanges.ccxt_client.time_sync import TimeSync


class FakeClient:
    """Local clock ticks 40 ms per reading; the venue answers ``server``."""

    id = "binance"

    def __init__(self, server: Any) -> None:
        self.local_ms = 1_000_000
        self.server = server
        self.options: dict[str, Any] = {"timeDifference": 0}

    def milliseconds(self) -> int:
        self.local_ms += 40
        return self.local_ms

    async def fetch_time(self) -> Any:
        return self.server


def test_offset_is_server_minus_round_trip_midpoint_and_goes_to_ccxt() -> None:
    client = FakeClient(server=1_010_060)  # readings 1_000_040 and 1_000_080: midpoint 1_000_060
    sync = TimeSync(client)

    assert asyncio.run(sync.sync()) == 10_000
    assert client.options["timeDifference"] == -10_000
    assert (sync.offset_ms, sync.round_trip_ms) == (10_000, 40)


def test_ccxt_nonce_then_equals_the_venue_clock() -> None:
    client = FakeClient(server=999_000)
    asyncio.run(TimeSync(client).sync())

    local_now = client.milliseconds()  # 1_000_120; the venue is 1_060 ms behind
    assert local_now - client.options["timeDifference"] == 999_000 + 120 - 60


def test_non_timestamp_reply_raises_retryable_and_keeps_the_old_offset() -> None:
    client = FakeClient(server="<html>")
    client.options["timeDifference"] = 123
    with pytest.raises(RetryableError, match="not a timestamp"):
        asyncio.run(TimeSync(client).sync())
    assert client.options["timeDifference"] == 123


def test_resync_is_due_after_the_interval() -> None:
    now = [0.0]
    sync = TimeSync(FakeClient(server=2_000_000), resync_interval_s=300, now_s=lambda: now[0])
    assert sync.due
    asyncio.run(sync.sync())
    now[0] = 299.0
    assert not sync.due
    now[0] = 300.0
    assert sync.due
