"""ReplayCandleFeed: every stored candle once, in order, at the speed factor; history."""

from __future__ import annotations

import asyncio

import pytest
from candle_rows import MINUTE, T0, flat_rows, frame_of, minutes

from xor_trading.core.errors import ConfigError, UnknownSymbolError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.domain.candles import Candle
from xor_trading.timeseries.candle_frame import CandleFrame

TF = Timeframe.parse("1m")


def _frames() -> dict[str, CandleFrame]:
    return {"BTC/USDT": frame_of(flat_rows(minutes(0, 1, 2, 5, 6)))}


def _drain(feed: ReplayCandleFeed, since_ms: int, symbol: str = "BTC/USDT") -> list[Candle]:
    async def run() -> list[Candle]:
        return [c async for c in feed.closed_candles(symbol, TF, since_ms)]

    return asyncio.run(run())


class SleepLog:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def test_replay_is_a_candle_feed() -> None:
    feed: CandleFeed = ReplayCandleFeed.over_frames(_frames())
    assert feed is not None


def test_replay_yields_every_candle_from_since_in_order_then_ends() -> None:
    feed = ReplayCandleFeed.over_frames(_frames())
    got = _drain(feed, T0 + MINUTE)
    assert [c.ts_ms for c in got] == minutes(1, 2, 5, 6)
    assert got[0] == Candle(T0 + MINUTE, 100.0, 101.0, 99.0, 100.0, 1.0, MINUTE)


def test_replay_speed_zero_never_sleeps() -> None:
    sleep = SleepLog()
    feed = ReplayCandleFeed.over_frames(_frames(), speed=0, sleep=sleep)
    assert len(_drain(feed, T0)) == 5
    assert sleep.seconds == []


def test_replay_speed_sixty_sleeps_each_step_over_sixty_holes_included() -> None:
    sleep = SleepLog()
    feed = ReplayCandleFeed.over_frames(_frames(), speed=60, sleep=sleep)
    _drain(feed, T0)
    assert sleep.seconds == [1.0, 1.0, 3.0, 1.0]


def test_replay_history_returns_the_half_open_range() -> None:
    feed = ReplayCandleFeed.over_frames(_frames())
    got = asyncio.run(feed.history("BTC/USDT", TF, T0 + MINUTE, T0 + 6 * MINUTE))
    assert [c.ts_ms for c in got] == minutes(1, 2, 5)


def test_replay_over_store_reads_the_stored_series(store: ParquetCandleStore) -> None:
    store.write("binance", "ETH/USDT", "1m", frame_of(flat_rows(minutes(0, 1, 2, 3))))
    feed = ReplayCandleFeed.over_store(store, "binance")
    assert [c.ts_ms for c in _drain(feed, T0 + 2 * MINUTE, "ETH/USDT")] == minutes(2, 3)
    history = asyncio.run(feed.history("ETH/USDT", TF, T0, T0 + 2 * MINUTE))
    assert [c.ts_ms for c in history] == minutes(0, 1)


def test_replay_unknown_symbol_raises_unknown_symbol_error() -> None:
    feed = ReplayCandleFeed.over_frames(_frames())
    with pytest.raises(UnknownSymbolError, match="no candles for XRP/USDT") as caught:
        _drain(feed, T0, "XRP/USDT")
    assert "BTC/USDT" in caught.value.hint


def test_replay_other_timeframe_raises_config_error() -> None:
    feed = ReplayCandleFeed.over_frames(_frames())
    with pytest.raises(ConfigError, match="holds 1m candles of BTC/USDT, not 1h"):
        asyncio.run(feed.history("BTC/USDT", Timeframe.parse("1h"), T0, T0 + MINUTE))


@pytest.mark.parametrize("speed", [-1.0, float("nan")])
def test_replay_negative_or_nan_speed_is_refused(speed: float) -> None:
    with pytest.raises(ConfigError, match="replay speed"):
        ReplayCandleFeed.over_frames(_frames(), speed=speed)


def test_replay_wait_at_end_keeps_running_until_cancelled() -> None:
    feed = ReplayCandleFeed.over_frames(_frames(), wait_at_end=True)
    got: list[int] = []

    async def run() -> None:
        async def consume() -> None:
            async for c in feed.closed_candles("BTC/USDT", TF, T0):
                got.append(c.ts_ms)

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert got == minutes(0, 1, 2, 5, 6)


def test_replay_closed_feed_refuses_further_use() -> None:
    feed = ReplayCandleFeed.over_frames(_frames())
    asyncio.run(feed.close())
    with pytest.raises(ConfigError, match="closed"):
        asyncio.run(feed.history("BTC/USDT", TF, T0, T0 + MINUTE))
