"""The real CCXT binance client against the simulated server: markets, data, orders."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import ccxt  # type: ignore[import-untyped]
import pytest

from conftest import fresh_key, make_ccxt
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle, OrderStatus


def run_with(venue: BinanceServerHandle, key: str, body: Callable[[Any], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        client = make_ccxt(venue, key)
        try:
            await client.load_markets()
            return await body(client)
        finally:
            await client.close()

    return asyncio.run(main())


def test_load_markets_replayed_symbol_active_with_catalog_precision(venue: BinanceServerHandle):
    markets = run_with(venue, fresh_key(), lambda c: c.load_markets())
    btc = markets["BTC/USDT"]
    assert btc["active"] is True
    assert btc["precision"]["price"] == 0.01
    assert btc["precision"]["amount"] == 0.00001
    assert btc["limits"]["cost"]["min"] == 10.0
    assert markets["ETH/USDT"]["active"] is False  # in the catalog, not replayed


def test_fetch_ticker_and_book_agree_with_replay_price(venue: BinanceServerHandle):
    price = float(venue.price())

    async def body(c: Any) -> Any:
        return await c.fetch_ticker("BTC/USDT"), await c.fetch_order_book("BTC/USDT", 5)

    ticker, book = run_with(venue, fresh_key(), body)
    assert ticker["last"] == price
    assert book["bids"][0][0] == price  # spread 0: bid at the price, ask one tick above
    assert book["asks"][0][0] == pytest.approx(price + 0.01)
    assert len(book["bids"]) == 5


def test_fetch_ohlcv_pages_by_since_and_last_candle_is_forming(venue: BinanceServerHandle):
    now = venue.market_time_ms()

    async def body(c: Any) -> Any:
        latest = await c.fetch_ohlcv("BTC/USDT", "1m", limit=3)
        return latest, await c.fetch_ohlcv("BTC/USDT", "1m", since=latest[0][0], limit=2)

    latest, paged = run_with(venue, fresh_key(), body)
    assert latest[-1][0] == now // 60_000 * 60_000
    assert [row[0] for row in paged] == [latest[0][0], latest[1][0]]
    assert latest[-1][4] == float(venue.price())  # the forming candle closes at "now"


def test_fetch_balance_new_key_has_default_ten_thousand_usdt(venue: BinanceServerHandle):
    balance = run_with(venue, fresh_key(), lambda c: c.fetch_balance())
    assert balance["USDT"] == {"free": 10000.0, "used": 0.0, "total": 10000.0}
    assert balance["BTC"]["total"] == 0.0


def test_market_buy_fills_at_replay_price_and_ledger_is_exact(venue: BinanceServerHandle):
    key = fresh_key()
    price = venue.price()

    async def body(c: Any) -> Any:
        return await c.create_order(
            "BTC/USDT", "market", "buy", 0.01, params={"clientOrderId": "mkt-1"}
        )

    order = run_with(venue, key, body)
    assert order["status"] == "closed"
    assert order["clientOrderId"] == "mkt-1"
    assert order["average"] == float(price)
    assert order["fee"] == {"currency": "BTC", "cost": 0.00001}
    ledger = venue.account(key)
    assert ledger.free("USDT") == Decimal(10_000) - Decimal("0.01") * price
    assert ledger.free("BTC") == Decimal("0.00999")
    assert [t.trade_id for t in ledger.trades] == [ledger.trades[0].trade_id]
    assert ledger.orders[0].status is OrderStatus.FILLED


def test_limit_buy_rests_locks_quote_then_cancel_releases_it(venue: BinanceServerHandle):
    key = fresh_key()
    limit = (venue.price() * Decimal("0.9")).quantize(Decimal("0.01"))

    async def body(c: Any) -> Any:
        placed = await c.create_order(
            "BTC/USDT", "limit", "buy", 0.01, float(limit), params={"clientOrderId": "lim-1"}
        )
        by_client = await c.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "lim-1"})
        open_orders = await c.fetch_open_orders("BTC/USDT")
        locked = venue.account(key).locked("USDT")
        canceled = await c.cancel_order(placed["id"], "BTC/USDT")
        return placed, by_client, open_orders, locked, canceled

    placed, by_client, open_orders, locked, canceled = run_with(venue, key, body)
    assert placed["status"] == "open"
    assert by_client["id"] == placed["id"]
    assert [o["id"] for o in open_orders] == [placed["id"]]
    assert locked == Decimal("0.01") * limit
    assert canceled["status"] == "canceled"
    assert venue.account(key).free("USDT") == Decimal(10_000)
    assert venue.account(key).locked("USDT") == 0


def test_resting_limit_fills_at_limit_as_maker_when_price_trades_through(
    venue: BinanceServerHandle,
):
    key = fresh_key()
    limit = venue.price() + Decimal(1)  # a sell above the price: rests

    async def setup(c: Any) -> Any:
        await c.create_order("BTC/USDT", "market", "buy", 0.01)
        return await c.create_order("BTC/USDT", "limit", "sell", 0.005, float(limit))

    placed = run_with(venue, key, setup)
    assert placed["status"] == "open"
    # Walk the replay until the price has traded above the limit (at most 2 hours).
    for _ in range(120):
        venue.advance_replay(60_000)
        if venue.account(key).orders[-1].status is OrderStatus.FILLED:
            break
    trades = run_with(venue, key, lambda c: c.fetch_my_trades("BTC/USDT"))
    sell = trades[-1]
    assert sell["side"] == "sell"
    assert sell["price"] == float(limit)
    assert sell["takerOrMaker"] == "maker"
    assert trades[0]["id"] < sell["id"]


def test_duplicate_client_id_while_open_is_invalid_order(venue: BinanceServerHandle):
    key = fresh_key()
    limit = float((venue.price() * Decimal("0.8")).quantize(Decimal("0.01")))

    async def body(c: Any) -> Any:
        params = {"clientOrderId": "dup-1"}
        await c.create_order("BTC/USDT", "limit", "buy", 0.001, limit, params=params)
        with pytest.raises(ccxt.InvalidOrder, match="Duplicate order sent"):
            await c.create_order("BTC/USDT", "limit", "buy", 0.001, limit, params=params)

    run_with(venue, key, body)
    assert len(venue.account(key).orders) == 1


def test_client_id_reusable_after_the_first_order_filled(venue: BinanceServerHandle):
    key = fresh_key()

    async def body(c: Any) -> Any:
        params = {"clientOrderId": "again-1"}
        await c.create_order("BTC/USDT", "market", "buy", 0.001, params=params)
        return await c.create_order("BTC/USDT", "market", "buy", 0.001, params=params)

    second = run_with(venue, key, body)
    assert second["status"] == "closed"
    assert [o.client_order_id for o in venue.account(key).orders] == ["again-1", "again-1"]


def test_insufficient_balance_is_insufficient_funds_and_books_nothing(venue: BinanceServerHandle):
    key = fresh_key()

    async def body(c: Any) -> Any:
        with pytest.raises(ccxt.InsufficientFunds):
            await c.create_order("BTC/USDT", "market", "buy", 1.0)

    run_with(venue, key, body)
    assert venue.account(key).orders == []
    assert venue.account(key).free("USDT") == Decimal(10_000)


def test_quantity_off_lot_size_is_invalid_order_filter_failure(venue: BinanceServerHandle):
    async def body(c: Any) -> Any:
        request = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "MARKET",
            "quantity": "0.000015",
        }
        with pytest.raises(ccxt.InvalidOrder, match="LOT_SIZE"):
            await c.privatePostOrder(request)

    run_with(venue, fresh_key(), body)


def test_fetch_unknown_order_is_order_not_found(venue: BinanceServerHandle):
    async def body(c: Any) -> Any:
        with pytest.raises(ccxt.OrderNotFound):
            await c.fetch_order("999999", "BTC/USDT")

    run_with(venue, fresh_key(), body)
