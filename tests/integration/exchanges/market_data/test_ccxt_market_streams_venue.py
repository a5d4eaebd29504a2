"""CcxtMarketStreams with the real ccxt.pro client against the simulated Binance server:
public trades once each, order books sorted and uncrossed, REST fallback for books."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from xor_trading.data.market_events import OrderBookSnapshot, PublicTrade
from xor_trading.exchanges.ccxt_client.async_client import make_async_client
from xor_trading.exchanges.ccxt_client.market_streams import CcxtMarketStreams
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    running_binance_server,
)


@pytest.fixture
def venue() -> Iterator[BinanceServerHandle]:
    with running_binance_server(BinanceServerConfig(speed=300.0, tick_ms=50)) as handle:
        yield handle


def test_trades_yield_each_public_trade_once_with_exact_decimals(
    venue: BinanceServerHandle,
) -> None:
    async def run() -> list[PublicTrade]:
        streams = CcxtMarketStreams.connect("binance", base_url=venue.url, ws_url=venue.ws_url)
        got: list[PublicTrade] = []
        try:
            async for trade in streams.trades("BTC/USDT"):
                got.append(trade)
                if len(got) == 15:
                    break
        finally:
            await streams.close()
        return got

    trades = asyncio.run(asyncio.wait_for(run(), 20.0))
    ids = [t.trade_id for t in trades]
    assert len(set(ids)) == 15
    assert all(t.price > 0 and t.amount > 0 for t in trades)
    assert [t.ts_ms for t in trades] == sorted(t.ts_ms for t in trades)


def test_order_books_are_sorted_uncrossed_and_fall_back_to_rest(
    venue: BinanceServerHandle,
) -> None:
    async def run() -> tuple[list[OrderBookSnapshot], int]:
        client = make_async_client("binance", None, base_url=venue.url, ws_url=venue.ws_url)
        streams = CcxtMarketStreams(client, rest_poll_s=0.05)
        got: list[OrderBookSnapshot] = []
        rest_calls = 0
        watch = client.watch_order_book
        fetch = client.fetch_order_book

        async def broken_watch(*args: object, **kwargs: object) -> object:
            if len(got) >= 3:  # the stream breaks after three books
                raise ConnectionError("stream lost")
            return await watch(*args, **kwargs)

        async def counted_fetch(*args: object, **kwargs: object) -> object:
            nonlocal rest_calls
            rest_calls += 1
            return await fetch(*args, **kwargs)

        client.watch_order_book = broken_watch
        client.fetch_order_book = counted_fetch
        try:
            async for book in streams.order_books("BTC/USDT", depth=5):
                got.append(book)
                if len(got) == 6:
                    break
        finally:
            await streams.close()
        return got, rest_calls

    books, rest_calls = asyncio.run(asyncio.wait_for(run(), 20.0))
    assert rest_calls >= 3  # books 4..6 came through REST while the stream was down
    for book in books:
        assert 0 < len(book.bids) <= 5
        assert 0 < len(book.asks) <= 5
        assert [b.price for b in book.bids] == sorted((b.price for b in book.bids), reverse=True)
        assert [a.price for a in book.asks] == sorted(a.price for a in book.asks)
        assert book.spread is not None
        assert book.spread > 0
