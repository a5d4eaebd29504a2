"""FailoverCandleFeed: switch to the second venue without a gap or a repeat, and back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from xor_trading.core.timeframes import Timeframe
from xor_trading.data.failover_feed import FailoverCandleFeed, FailoverConfig, NamedFeed
from xor_trading.domain.candles import Candle

TF = Timeframe.parse("1m")
MIN = TF.ms


def candle(i: int, price: float = 100.0) -> Candle:
    return Candle(i * MIN, price, price + 1, price - 1, price, 1.0, MIN)


class ScriptedFeed:
    """Candles ``0..count-1`` of one venue; fails (raises or hangs) after ``fail_after``."""

    def __init__(
        self, price: float, count: int, *, fail_after: int | None = None, hang: bool = False
    ) -> None:
        self.price = price
        self.count = count
        self.fail_after = fail_after
        self.hang = hang
        self.starts: list[int] = []
        self.closed = False

    async def history(
        self, symbol: str, timeframe: Timeframe, since_ms: int, until_ms: int
    ) -> list[Candle]:
        if self.fail_after is not None:
            raise ConnectionError("venue down")
        return [candle(i, self.price) for i in range(self.count) if since_ms <= i * MIN < until_ms]

    async def closed_candles(
        self, symbol: str, timeframe: Timeframe, since_ms: int
    ) -> AsyncIterator[Candle]:
        self.starts.append(since_ms // MIN)
        for yielded, i in enumerate(range(since_ms // MIN, self.count)):
            if self.fail_after is not None and yielded >= self.fail_after:
                if self.hang:
                    await asyncio.sleep(3600)
                raise ConnectionError("stream lost")
            yield candle(i, self.price)

    async def close(self) -> None:
        self.closed = True


async def collect(feed: FailoverCandleFeed, since: int = 0) -> list[Candle]:
    return [c async for c in feed.closed_candles("BTC/USDT", TF, since * MIN)]


def test_primary_fails_secondary_continues_from_the_next_candle_no_gap_no_repeat() -> None:
    primary = ScriptedFeed(100.0, 10, fail_after=4)
    secondary = ScriptedFeed(200.0, 10)
    switches: list[tuple[str, str]] = []
    feed = FailoverCandleFeed(
        NamedFeed("binance", primary),
        NamedFeed("okx", secondary),
        FailoverConfig(retry_primary_after_s=3600),
        on_switch=lambda to, why: switches.append((to, why)),
    )
    got = asyncio.run(collect(feed))
    assert [c.ts_ms // MIN for c in got] == list(range(10))
    assert [c.open for c in got] == [100.0] * 4 + [200.0] * 6
    assert secondary.starts == [4]
    assert switches == [("okx", "binance failed: ConnectionError('stream lost')")]
    assert feed.active == "okx"


def test_silent_primary_counts_as_failed_after_the_stall_timeout() -> None:
    primary = ScriptedFeed(100.0, 10, fail_after=3, hang=True)
    secondary = ScriptedFeed(200.0, 10)
    switches: list[str] = []
    feed = FailoverCandleFeed(
        NamedFeed("binance", primary),
        NamedFeed("okx", secondary),
        FailoverConfig(stall_timeout_s=0.05, retry_primary_after_s=3600),
        on_switch=lambda to, why: switches.append(why),
    )
    got = asyncio.run(collect(feed))
    assert [c.ts_ms // MIN for c in got] == list(range(10))
    assert switches == ["no candle from binance for 0.05 s"]


def test_goes_back_to_the_primary_after_the_retry_delay_from_the_next_candle() -> None:
    primary = ScriptedFeed(100.0, 8)
    primary.fail_after = 2  # the first stream fails after 2 candles
    secondary = ScriptedFeed(200.0, 8)
    now = [0.0]

    def monotonic() -> float:
        now[0] += 1.0  # one second per reading
        return now[0]

    feed = FailoverCandleFeed(
        NamedFeed("binance", primary),
        NamedFeed("okx", secondary),
        FailoverConfig(retry_primary_after_s=2.5),
        monotonic=monotonic,
    )

    async def run() -> list[Candle]:
        out = []
        async for c in feed.closed_candles("BTC/USDT", TF, 0):
            out.append(c)
            if len(out) == 4:
                primary.fail_after = None  # the primary has recovered
        return out

    got = asyncio.run(run())
    assert [c.ts_ms // MIN for c in got] == list(range(8))
    assert [c.open for c in got] == [100.0, 100.0, 200.0, 200.0, 200.0, 100.0, 100.0, 100.0]
    assert primary.starts == [0, 5]


def test_both_venues_failing_raises_instead_of_inventing_candles() -> None:
    feed = FailoverCandleFeed(
        NamedFeed("binance", ScriptedFeed(100.0, 10, fail_after=0)),
        NamedFeed("okx", ScriptedFeed(200.0, 10, fail_after=0)),
        FailoverConfig(max_consecutive_failures=4),
    )
    with pytest.raises(ConnectionError, match="stream lost"):
        asyncio.run(collect(feed))


def test_history_falls_back_to_the_secondary_and_close_closes_both() -> None:
    primary = ScriptedFeed(100.0, 10, fail_after=0)
    secondary = ScriptedFeed(200.0, 10)
    feed = FailoverCandleFeed(NamedFeed("binance", primary), NamedFeed("okx", secondary))
    got = asyncio.run(feed.history("BTC/USDT", TF, 2 * MIN, 5 * MIN))
    assert [(c.ts_ms // MIN, c.open) for c in got] == [(2, 200.0), (3, 200.0), (4, 200.0)]
    asyncio.run(feed.close())
    assert primary.closed
    assert secondary.closed
