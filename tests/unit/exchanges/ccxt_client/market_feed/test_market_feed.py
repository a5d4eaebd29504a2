"""CcxtCandleFeed over a scripted venue: warm-up, stream, fallback, backfill, no dup, no gap."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import ccxt  # type: ignore[import-untyped]
import pytest
from scripted_ohlcv_venue import MINUTE, STALL, T0, ScriptedOhlcvVenue, row, rows

from xor_trading.core.errors import ConfigError, UnknownSymbolError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.market_feed import CcxtCandleFeed, MarketFeedConfig
from xor_trading.exchanges.ccxt_client.ohlcv_requests import RetryPolicy

TF = Timeframe.parse("1m")


class FakeTime:
    """Monotonic time moved by the feed's own sleeps (stalls use real, short timeouts)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _feed(venue: ScriptedOhlcvVenue, time: FakeTime) -> CcxtCandleFeed:
    config = MarketFeedConfig(
        stall_timeout_s=0.05,
        rest_poll_interval_s=0.5,
        retry=RetryPolicy(max_attempts=2, base_delay_s=0.1),
    )
    return CcxtCandleFeed(venue, config=config, sleep=time.sleep, monotonic=time.monotonic)


def _take(feed: CcxtCandleFeed, count: int, since_ms: int = T0) -> list[Candle]:
    async def run() -> list[Candle]:
        got: list[Candle] = []
        async for candle in feed.closed_candles("BTC/USDT", TF, since_ms):
            got.append(candle)
            if len(got) == count:
                break
        return got

    return asyncio.run(asyncio.wait_for(run(), 5.0))


def _as_candle(r: list[Any]) -> Candle:
    return Candle(r[0], r[1], r[2], r[3], r[4], r[5], MINUTE)


def _minutes(*offsets: int) -> list[int]:
    return [T0 + k * MINUTE for k in offsets]


def test_feed_is_a_candle_feed() -> None:
    feed: CandleFeed = _feed(ScriptedOhlcvVenue([]), FakeTime())
    assert feed is not None


def test_feed_refuses_a_client_holding_a_key() -> None:
    venue = ScriptedOhlcvVenue([])
    venue.apiKey = "k"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="holding an API key"):
        CcxtCandleFeed(venue)


def test_history_returns_closed_candles_of_the_range_over_all_pages() -> None:
    venue = ScriptedOhlcvVenue(rows(30), page_limit=7)
    got = asyncio.run(
        _feed(venue, FakeTime()).history("BTC/USDT", TF, T0 + 2 * MINUTE, T0 + 20 * MINUTE)
    )
    assert [c.ts_ms for c in got] == _minutes(*range(2, 20))
    assert got[0] == _as_candle(venue.rows[2])


def test_feed_warms_up_from_rest_then_yields_streamed_closes() -> None:
    venue = ScriptedOhlcvVenue(rows(4))  # T0..T0+3, T0+3 forming
    final_3 = row(T0 + 3 * MINUTE, 500.0)
    venue.watch_script = [[row(T0 + 3 * MINUTE, 400.0)], [final_3, row(T0 + 4 * MINUTE)]]
    got = _take(_feed(venue, FakeTime()), 4)
    assert [c.ts_ms for c in got] == _minutes(0, 1, 2, 3)
    assert got[:3] == [_as_candle(r) for r in venue.rows[:3]]
    assert got[3] == _as_candle(final_3)  # the last update seen on the stream


def test_feed_after_disconnect_backfills_from_rest_before_the_next_live_candle() -> None:
    venue = ScriptedOhlcvVenue(rows(4))
    streamed_3 = row(T0 + 3 * MINUTE, 300.0)

    def venue_moves_to(count: int) -> Any:
        return lambda: setattr(venue, "rows", rows(count))

    venue.watch_script = [
        [streamed_3],
        [streamed_3, row(T0 + 4 * MINUTE)],  # closes 3 on the stream
        venue_moves_to(7),  # 4, 5 close while the stream is down; 6 forming
        ccxt.NetworkError("connection closed"),
        venue_moves_to(10),  # by the time the stream is back, 9 is forming
        [row(T0 + 9 * MINUTE, 900.0)],  # first batch of the new session
        [row(T0 + 9 * MINUTE, 901.0), row(T0 + 10 * MINUTE)],
    ]
    time = FakeTime()
    got = _take(_feed(venue, time), 10)
    assert [c.ts_ms for c in got] == _minutes(*range(10))
    assert got[3] == _as_candle(streamed_3)
    assert got[6:9] == [_as_candle(r) for r in rows(10)[6:9]]  # backfilled from REST
    assert got[9] == _as_candle(row(T0 + 9 * MINUTE, 901.0))
    assert venue.ws_closes == 1
    assert max(time.sleeps) <= 1.0
    assert sum(time.sleeps) >= 1.0  # at least 1 s before reconnecting


def test_feed_silent_reconnect_by_ccxt_starts_a_new_session_and_backfills() -> None:
    venue = ScriptedOhlcvVenue(rows(3))
    venue.clients = {"wss://x/ws/0": object()}  # type: ignore[attr-defined]

    def ccxt_reconnects() -> None:
        venue.clients = {"wss://x/ws/0": object()}  # type: ignore[attr-defined]
        venue.rows = rows(4)

    venue.watch_script = [
        [row(T0 + 2 * MINUTE, 250.0)],  # not final: the final update was lost
        ccxt_reconnects,
        [row(T0 + 3 * MINUTE)],
    ]
    got = _take(_feed(venue, FakeTime()), 3)
    assert got[2] == _as_candle(rows(4)[2])  # from REST, not the stale 250.0


def test_feed_stall_falls_back_to_rest_polling_and_reconnects() -> None:
    venue = ScriptedOhlcvVenue(rows(4))
    venue.watch_script = [
        [row(T0 + 3 * MINUTE)],
        lambda: setattr(venue, "rows", rows(6)),
        STALL,
        [row(T0 + 5 * MINUTE)],
        [row(T0 + 6 * MINUTE)],
    ]
    got = _take(_feed(venue, FakeTime()), 6)
    assert [c.ts_ms for c in got] == _minutes(0, 1, 2, 3, 4, 5)
    assert got[3:5] == [_as_candle(r) for r in rows(6)[3:5]]  # from the REST polls
    assert venue.ws_closes == 1
    assert venue.watch_calls >= 4


def test_feed_repeated_or_old_streamed_candles_are_not_yielded_twice() -> None:
    venue = ScriptedOhlcvVenue(rows(3))
    venue.watch_script = [
        [row(T0 + 2 * MINUTE)],
        [row(T0 + 1 * MINUTE), row(T0 + 3 * MINUTE)],  # an old candle again, then 3 starts
        [row(T0 + 2 * MINUTE), row(T0 + 4 * MINUTE)],
    ]
    got = _take(_feed(venue, FakeTime()), 4)
    assert [c.ts_ms for c in got] == _minutes(0, 1, 2, 3)


def test_feed_invalid_streamed_row_is_replaced_from_rest(caplog: pytest.LogCaptureFixture) -> None:
    venue = ScriptedOhlcvVenue(rows(3))
    broken = [T0 + 2 * MINUTE, 100.0, 90.0, 95.0, 92.0, 1.0]  # high below low
    venue.watch_script = [
        [row(T0 + 2 * MINUTE, 250.0)],
        [broken],
        lambda: setattr(venue, "rows", rows(4)),
        [row(T0 + 3 * MINUTE)],
    ]
    with caplog.at_level(logging.WARNING, logger="xor.market_data"):
        got = _take(_feed(venue, FakeTime()), 3)
    assert got[2] == _as_candle(rows(4)[2])
    assert "rejected a streamed row (high 90.0 is below low 95.0)" in caplog.text


def test_feed_venue_hole_is_passed_over_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    history = rows(2) + rows(3, start_ms=T0 + 5 * MINUTE)  # 2, 3, 4 never existed
    venue = ScriptedOhlcvVenue(history)
    with caplog.at_level(logging.WARNING, logger="xor.market_data"):
        got = _take(_feed(venue, FakeTime()), 4)
    assert [c.ts_ms for c in got] == _minutes(0, 1, 5, 6)
    assert "no candle for 3 open time(s)" in caplog.text


def test_feed_since_in_the_middle_starts_there() -> None:
    venue = ScriptedOhlcvVenue(rows(6))
    venue.watch_script = [[row(T0 + 5 * MINUTE)], [row(T0 + 6 * MINUTE)]]
    got = _take(_feed(venue, FakeTime()), 2, since_ms=T0 + 3 * MINUTE + 5)
    assert [c.ts_ms for c in got] == _minutes(4, 5)
    assert venue.fetch_calls[0] == T0 + 4 * MINUTE


def test_feed_unknown_market_ends_with_unknown_symbol_error() -> None:
    venue = ScriptedOhlcvVenue(rows(3))
    venue.fetch_failures = [(ccxt.BadSymbol("binance does not have market symbol XX/YY"), {})]
    with pytest.raises(UnknownSymbolError, match="does not list the market BTC/USDT"):
        _take(_feed(venue, FakeTime()), 1)


def test_feed_transient_rest_failure_during_fallback_is_polled_again() -> None:
    venue = ScriptedOhlcvVenue(rows(3))
    venue.fetch_failures = [(ccxt.RequestTimeout("t"), {})] * 2  # the first poll gives up
    venue.watch_script = [ccxt.NetworkError("down")]
    got = _take(_feed(venue, FakeTime()), 2)
    assert [c.ts_ms for c in got] == _minutes(0, 1)


def test_close_closes_the_client_and_the_feed_refuses_further_use() -> None:
    venue = ScriptedOhlcvVenue(rows(3))
    feed = _feed(venue, FakeTime())
    asyncio.run(feed.close())
    assert venue.closed
    with pytest.raises(ConfigError, match="closed"):
        asyncio.run(feed.history("BTC/USDT", TF, T0, T0 + MINUTE))
