"""ClosedCandlePager: pagination arithmetic, closure from the venue's data, stop rules."""

from __future__ import annotations

import asyncio

from scripted_ohlcv_venue import MINUTE, T0, ScriptedOhlcvVenue, rows

from xor_trading.core.timeframes import Timeframe
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.ohlcv_pages import ClosedCandlePager, ceil_to_grid
from xor_trading.exchanges.ccxt_client.ohlcv_requests import OhlcvRequester

TF = Timeframe.parse("1m")


def _collect(pager: ClosedCandlePager) -> list[list[Candle]]:
    async def run() -> list[list[Candle]]:
        return [page async for page in pager.pages()]

    return asyncio.run(run())


def test_pages_step_from_the_newest_candle_and_hold_back_the_forming_one() -> None:
    venue = ScriptedOhlcvVenue(rows(10), page_limit=4)  # T0 .. T0+9m, the last one forming
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0)
    pages = _collect(pager)
    assert [[c.ts_ms for c in p] for p in pages] == [
        [T0, T0 + MINUTE, T0 + 2 * MINUTE],
        [T0 + 3 * MINUTE, T0 + 4 * MINUTE, T0 + 5 * MINUTE],
        [T0 + 6 * MINUTE, T0 + 7 * MINUTE, T0 + 8 * MINUTE],
    ]
    # each request starts at the previous page's newest candle; the last page is short
    assert venue.fetch_calls == [T0, T0 + 3 * MINUTE, T0 + 6 * MINUTE, T0 + 9 * MINUTE]
    assert pager.venue_open_ms == T0 + 9 * MINUTE


def test_pages_full_last_page_needs_one_more_request_to_know_the_forming_candle() -> None:
    venue = ScriptedOhlcvVenue(rows(4), page_limit=4)
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0)
    pages = _collect(pager)
    assert [c.ts_ms for p in pages for c in p] == [T0, T0 + MINUTE, T0 + 2 * MINUTE]
    assert venue.fetch_calls == [T0, T0 + 3 * MINUTE]
    assert pager.venue_open_ms == T0 + 3 * MINUTE


def test_pages_stop_once_a_candle_at_or_after_until_is_seen() -> None:
    venue = ScriptedOhlcvVenue(rows(100), page_limit=5)
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0, T0 + 6 * MINUTE)
    got = [c.ts_ms for p in _collect(pager) for c in p]
    assert got == [T0 + i * MINUTE for i in range(6)]
    assert venue.fetch_calls == [T0, T0 + 4 * MINUTE]


def test_pages_since_off_grid_starts_at_the_next_open_time() -> None:
    venue = ScriptedOhlcvVenue(rows(5))
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0 + 1)
    got = [c.ts_ms for p in _collect(pager) for c in p]
    assert got == [T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]
    assert venue.fetch_calls == [T0 + MINUTE]


def test_pages_venue_hole_is_skipped_not_invented() -> None:
    history = rows(3) + rows(3, start_ms=T0 + 10 * MINUTE)
    venue = ScriptedOhlcvVenue(history, page_limit=2)
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0)
    got = [c.ts_ms for p in _collect(pager) for c in p]
    assert got == [T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 10 * MINUTE, T0 + 11 * MINUTE]


def test_pages_nothing_at_the_venue_yields_nothing() -> None:
    venue = ScriptedOhlcvVenue([])
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0)
    assert _collect(pager) == []
    assert pager.venue_open_ms is None


def test_pages_only_the_forming_candle_yields_nothing() -> None:
    venue = ScriptedOhlcvVenue(rows(1))
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0)
    assert _collect(pager) == []
    assert pager.venue_open_ms == T0
    assert venue.fetch_calls == [T0]


def test_pages_rows_older_than_since_are_dropped() -> None:
    venue = ScriptedOhlcvVenue(rows(6), page_limit=3)

    async def ignores_since(
        symbol: str, tf: str, since: int | None = None, limit: int | None = None
    ):  # type: ignore[no-untyped-def]
        venue.fetch_calls.append(since)
        older = [r for r in venue.rows if since is not None and r[0] < since][-1:]
        newer = [r for r in venue.rows if since is None or r[0] >= since]
        return (older + newer)[: limit or 500]

    venue.fetch_ohlcv = ignores_since  # type: ignore[method-assign]
    pager = ClosedCandlePager(OhlcvRequester(venue), "BTC/USDT", TF, T0 + 2 * MINUTE)
    got = [c.ts_ms for p in _collect(pager) for c in p]
    assert got == [T0 + 2 * MINUTE, T0 + 3 * MINUTE, T0 + 4 * MINUTE]


def test_ceil_to_grid_rounds_up_only_off_grid_times() -> None:
    assert ceil_to_grid(T0, MINUTE) == T0
    assert ceil_to_grid(T0 + 1, MINUTE) == T0 + MINUTE
    assert ceil_to_grid(T0 - 1, MINUTE) == T0
