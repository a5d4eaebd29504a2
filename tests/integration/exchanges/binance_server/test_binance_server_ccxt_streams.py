"""ccxt.pro's binance watches market streams and the user data stream of the venue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from conftest import fresh_key, make_ccxt
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    running_binance_server,
)

WAIT_S = 5.0


@pytest.fixture(scope="module")
def venue() -> Iterator[BinanceServerHandle]:
    with running_binance_server(BinanceServerConfig(speed=120, tick_ms=50)) as handle:
        yield handle


def with_pro(venue: BinanceServerHandle, key: str, body: Any) -> Any:
    async def main() -> Any:
        client = make_ccxt(venue, key, pro=True)
        try:
            await client.load_markets()
            return await asyncio.wait_for(body(client), WAIT_S)
        finally:
            await client.close()

    return asyncio.run(main())


def test_watch_ohlcv_gets_the_forming_minute(venue: BinanceServerHandle):
    candles = with_pro(venue, fresh_key(), lambda c: c.watch_ohlcv("BTC/USDT", "1m"))
    assert candles[-1][0] % 60_000 == 0
    assert candles[-1][2] >= candles[-1][3]  # high >= low


def test_watch_trades_gets_increasing_trade_ids(venue: BinanceServerHandle):
    async def body(c: Any) -> Any:
        first = await c.watch_trades("BTC/USDT")
        second = await c.watch_trades("BTC/USDT")
        return first + second

    trades = with_pro(venue, fresh_key(), body)
    ids = [int(t["id"]) for t in trades]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_watch_order_book_syncs_snapshot_and_diffs(venue: BinanceServerHandle):
    async def body(c: Any) -> Any:
        await c.watch_order_book("BTC/USDT")
        return await c.watch_order_book("BTC/USDT")

    book = with_pro(venue, fresh_key(), body)
    assert book["bids"][0][0] < book["asks"][0][0]
    assert len(book["bids"]) == 20


def test_watch_orders_and_my_trades_see_a_market_fill(venue: BinanceServerHandle):
    async def body(c: Any) -> Any:
        orders_task = asyncio.create_task(c.watch_orders("BTC/USDT"))
        trades_task = asyncio.create_task(c.watch_my_trades("BTC/USDT"))
        await asyncio.sleep(0.3)  # the WebSocket API subscription is in place
        placed = await c.create_order("BTC/USDT", "market", "buy", 0.001)
        return placed, await orders_task, await trades_task

    placed, orders, trades = with_pro(venue, fresh_key(), body)
    assert any(o["id"] == placed["id"] for o in orders)
    assert trades[-1]["order"] == placed["id"]
    assert trades[-1]["amount"] == 0.001


def test_listen_key_stream_sends_raw_execution_reports(venue: BinanceServerHandle):
    key = fresh_key()

    async def main() -> list[Any]:
        client = make_ccxt(venue, key)
        try:
            await client.load_markets()
            listen_key = (await client.publicPostUserDataStream())["listenKey"]
            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(f"{venue.ws_url}/ws/{listen_key}") as ws,
            ):
                await client.create_order("BTC/USDT", "market", "buy", 0.001)
                events = []
                while len(events) < 3:
                    events.append(json.loads((await ws.receive(timeout=WAIT_S)).data))
                return events
        finally:
            await client.close()

    events = asyncio.run(main())
    reports = [e for e in events if e["e"] == "executionReport"]
    assert [r["x"] for r in reports][:2] == ["NEW", "TRADE"]
    assert reports[1]["t"] > 0
    assert any(e["e"] == "outboundAccountPosition" for e in events)


def test_combined_stream_wraps_payloads_with_their_stream_name(venue: BinanceServerHandle):
    async def main() -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                f"{venue.ws_url}/stream?streams=btcusdt@bookTicker/btcusdt@depth5"
            ) as ws,
        ):
            seen: dict[str, Any] = {}
            while len(seen) < 2:
                message = json.loads((await ws.receive(timeout=WAIT_S)).data)
                seen[message["stream"]] = message["data"]
            return seen

    seen = asyncio.run(main())
    assert seen["btcusdt@bookTicker"]["s"] == "BTCUSDT"
    assert len(seen["btcusdt@depth5"]["bids"]) == 5


def test_disconnect_streams_closes_the_socket(venue: BinanceServerHandle):
    async def main() -> aiohttp.WSMsgType:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{venue.ws_url}/ws/btcusdt@trade") as ws,
        ):
            await ws.receive(timeout=WAIT_S)
            await asyncio.to_thread(venue.disconnect_streams)
            while True:
                message = await ws.receive(timeout=WAIT_S)
                if message.type is not aiohttp.WSMsgType.TEXT:
                    return message.type

    assert asyncio.run(main()) in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


def test_stalled_stream_sends_no_data_but_stays_open(venue: BinanceServerHandle):
    async def main() -> bool:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{venue.ws_url}/ws/btcusdt@bookTicker") as ws,
        ):
            await ws.receive(timeout=WAIT_S)
            await asyncio.to_thread(venue.stall_streams, 0.6)
            await asyncio.sleep(0.1)
            while not ws.closed:  # drain what was in flight before the stall
                try:
                    await ws.receive(timeout=0.3)
                except TimeoutError:
                    return not ws.closed
            return False

    assert asyncio.run(main()) is True
