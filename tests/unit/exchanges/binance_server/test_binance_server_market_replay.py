"""The replayed price path, klines paging and aggregation."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from xor_trading.exchanges.simulated.binance_server.market_replay import MarketReplay
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.timeseries.candle_frame import CandleFrame

MIN = 60_000


def replay() -> MarketReplay:
    # Two rising candles then a falling one, on the 0.01 tick of BTC/USDT.
    frame = CandleFrame(
        ts_ms=np.array([0, MIN, 2 * MIN], dtype=np.int64),
        open=np.array([100.0, 103.0, 104.0]),
        high=np.array([105.0, 106.0, 104.5]),
        low=np.array([99.0, 102.0, 101.0]),
        close=np.array([104.0, 104.0, 102.0]),
        volume=np.array([6.0, 3.0, 3.0]),
        timeframe_ms=MIN,
    )
    return MarketReplay(load_instrument("binance", "BTC/USDT"), frame, shift_ms=10 * MIN)


def test_price_walks_open_low_high_close_in_thirds():
    r = replay()
    start = 10 * MIN
    assert [r.price(start + t) for t in (0, MIN // 3, 2 * MIN // 3, MIN - 1)] == [
        Decimal("100.00"),
        Decimal("99.00"),
        Decimal("105.00"),
        Decimal("104.00"),
    ]
    assert r.price(start + MIN // 6) == Decimal("99.50")  # halfway down the first segment


def test_path_between_includes_every_vertex_and_the_gap_open():
    r = replay()
    start = 10 * MIN
    ticks = r.path_between(start, start + MIN)
    # start price, low, high, close of candle 1, then candle 2's open (a jump), then now
    assert [r.to_price(t) for t in ticks] == [
        Decimal(p) for p in ("100.00", "99.00", "105.00", "104.00", "103.00", "103.00")
    ]


def test_klines_forming_candle_has_path_so_far_and_is_not_closed():
    r = replay()
    now = 10 * MIN + MIN + MIN // 2  # inside the second candle, after its low
    rows = r.klines(MIN, now, limit=10)
    assert [k.open_ms for k in rows] == [10 * MIN, 11 * MIN]
    forming = rows[-1]
    assert forming.closed is False
    assert r.to_price(forming.low_t) == Decimal("102.00")
    assert r.to_price(forming.high_t) == r.to_price(forming.close_t)


def test_klines_start_time_pages_forward_and_limit_cuts():
    r = replay()
    rows = r.klines(MIN, 20 * MIN, start_ms=11 * MIN, limit=1)
    assert [k.open_ms for k in rows] == [11 * MIN]
    assert rows[0].closed is True


def test_coarser_interval_aggregates_aligned_buckets():
    r = replay()
    rows = r.klines(3 * MIN, 20 * MIN, limit=5)
    # Shifted opens 10, 11, 12 min: the 3m buckets are [9, 12) and [12, 15).
    assert [k.open_ms for k in rows] == [9 * MIN, 12 * MIN]
    first = rows[0]
    assert r.to_price(first.high_t) == Decimal("106.00")
    assert first.volume == 9.0
