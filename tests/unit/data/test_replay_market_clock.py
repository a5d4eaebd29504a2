"""ReplayMarketClock and the replay feed that moves it: a bot trading replayed candles
lives at their close times, and a replay at speed 0 leaves the event loop to others."""

from __future__ import annotations

import asyncio

from candle_rows import MINUTE, T0, flat_rows, frame_of, minutes

from xor_trading.core.timeframes import Timeframe
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.data.replay_market_clock import ReplayMarketClock

TF = Timeframe.parse("1m")


def test_replay_market_clock_starts_at_its_start() -> None:
    assert ReplayMarketClock(T0).now_ms() == T0


def test_replay_market_clock_candle_closed_moves_to_the_close() -> None:
    clock = ReplayMarketClock(T0)
    clock.candle_closed(T0 + 3 * MINUTE)
    assert clock.now_ms() == T0 + 3 * MINUTE


def test_replay_market_clock_earlier_close_leaves_the_time() -> None:
    clock = ReplayMarketClock(T0 + 5 * MINUTE)
    clock.candle_closed(T0 + 2 * MINUTE)
    assert clock.now_ms() == T0 + 5 * MINUTE


def test_replay_feed_with_clock_moves_it_to_each_candle_close_before_yielding() -> None:
    clock = ReplayMarketClock(T0)
    feed = ReplayCandleFeed.over_frames(
        {"BTC/USDT": frame_of(flat_rows(minutes(0, 1, 4)))}, clock=clock
    )

    async def run() -> list[tuple[int, int]]:
        return [(c.ts_ms, clock.now_ms()) async for c in feed.closed_candles("BTC/USDT", TF, T0)]

    assert asyncio.run(run()) == [
        (T0, T0 + MINUTE),
        (T0 + MINUTE, T0 + 2 * MINUTE),
        (T0 + 4 * MINUTE, T0 + 5 * MINUTE),
    ]


def test_replay_feed_speed_zero_lets_another_task_run_between_candles() -> None:
    feed = ReplayCandleFeed.over_frames({"BTC/USDT": frame_of(flat_rows(minutes(0, 1, 2)))})
    events: list[str] = []

    async def other() -> None:
        for _ in range(2):
            events.append("other")
            await asyncio.sleep(0)

    async def run() -> None:
        task = asyncio.create_task(other())
        async for candle in feed.closed_candles("BTC/USDT", TF, T0):
            events.append(f"candle {(candle.ts_ms - T0) // MINUTE}")
        await task

    asyncio.run(run())
    assert events == ["candle 0", "other", "candle 1", "other", "candle 2"]
