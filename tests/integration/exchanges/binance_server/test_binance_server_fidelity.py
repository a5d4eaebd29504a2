"""Field names and JSON types of the venue's answers match real Binance fixtures.

For every fixture (tests/fixtures/binance, copied from shared/data), each field the
fixture has must be in our answer with the same JSON type (string, number, bool, list,
object, null). Our answers may carry more fields (newer API versions), never fewer.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp

from conftest import fresh_key, signed_query
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle

FIXTURES = Path(__file__).parents[3] / "fixtures" / "binance"
# Fields of old fixtures that Binance has since retired or that this spot venue omits.
RETIRED = {"exchangeInfo_symbol": frozenset({"permissions"})}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def missing_or_mistyped(ours: Any, theirs: Any, skip: frozenset[str] = frozenset()) -> list[str]:
    """Fixture fields absent from ``ours`` or of another JSON type (a null matches any)."""
    if isinstance(theirs, list):
        return [f"[{i}]" for i, v in enumerate(theirs) if json_type(ours[i]) != json_type(v)]
    problems = []
    for key, value in theirs.items():
        if key in skip:
            continue
        if key not in ours:
            problems.append(f"{key}: missing")
        elif value is not None and json_type(ours[key]) != json_type(value):
            problems.append(f"{key}: {json_type(ours[key])} != {json_type(value)}")
    return problems


def fetch_all(venue: BinanceServerHandle) -> dict[str, Any]:
    key = fresh_key()
    headers = {"X-MBX-APIKEY": key}

    async def main() -> dict[str, Any]:
        answers: dict[str, Any] = {}
        async with aiohttp.ClientSession(venue.url) as http:

            async def get(
                path: str, signed: dict[str, Any] | None = None, method: str = "GET"
            ) -> Any:
                if signed is not None:
                    path += "?" + signed_query(signed, "s", time.time_ns() // 1_000_000)
                async with http.request(method, path, headers=headers) as response:
                    assert response.status == 200, await response.text()
                    return await response.json()

            for name, path in [
                ("ping", "/api/v3/ping"),
                ("time", "/api/v3/time"),
                ("exchangeInfo", "/api/v3/exchangeInfo?symbol=BTCUSDT"),
                ("klines", "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2"),
                ("depth", "/api/v3/depth?symbol=BTCUSDT&limit=10"),
                ("price", "/api/v3/ticker/price?symbol=BTCUSDT"),
                ("bookTicker", "/api/v3/ticker/bookTicker?symbol=BTCUSDT"),
                ("24hr", "/api/v3/ticker/24hr?symbol=BTCUSDT"),
            ]:
                answers[name] = await get(path)
            order = {"symbol": "BTCUSDT", "side": "BUY", "newOrderRespType": "FULL"}
            answers["order_full"] = await get(
                "/api/v3/order", {**order, "type": "MARKET", "quantity": "0.001"}, "POST"
            )
            limit = {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.02", "price": "1000"}
            resting = await get("/api/v3/order", {**order, **limit}, "POST")
            answers["order"] = await get(
                "/api/v3/order", {"symbol": "BTCUSDT", "orderId": resting["orderId"]}
            )
            answers["openOrders"] = await get("/api/v3/openOrders", {"symbol": "BTCUSDT"})
            answers["allOrders"] = await get("/api/v3/allOrders", {"symbol": "BTCUSDT"})
            answers["myTrades"] = await get("/api/v3/myTrades", {"symbol": "BTCUSDT"})
            answers["account"] = await get("/api/v3/account", {})
            answers["cancel"] = await get(
                "/api/v3/order", {"symbol": "BTCUSDT", "orderId": resting["orderId"]}, "DELETE"
            )
        return answers

    return asyncio.run(main())


def test_rest_answers_have_every_fixture_field_with_its_json_type(venue: BinanceServerHandle):
    ours = fetch_all(venue)
    pairs = [
        ("ping", "spot_rest_GET_api_v3_ping.json"),
        ("time", "spot_rest_GET_api_v3_time.json"),
        ("depth", "spot_rest_GET_api_v3_depth.json"),
        ("price", "spot_rest_GET_api_v3_ticker_price.json"),
        ("bookTicker", "spot_rest_GET_api_v3_ticker_bookTicker.json"),
        ("24hr", "spot_rest_GET_api_v3_ticker_24hr.json"),
        ("order_full", "spot_rest_POST_api_v3_order_FULL.json"),
        ("order", "spot_rest_GET_api_v3_order.json"),
        ("account", "spot_rest_GET_api_v3_account_docs_example.json"),
        ("cancel", "spot_rest_DELETE_api_v3_order.json"),
    ]
    problems = {name: missing_or_mistyped(ours[name], fixture(f)) for name, f in pairs}
    for name, f in [("openOrders", "spot_rest_GET_api_v3_openOrders.json"),
                    ("allOrders", "spot_rest_GET_api_v3_allOrders.json"),
                    ("myTrades", "spot_rest_GET_api_v3_myTrades.json")]:  # fmt: skip
        problems[name] = missing_or_mistyped(ours[name][0], fixture(f)[0])
    problems["fills"] = missing_or_mistyped(
        ours["order_full"]["fills"][0], fixture("spot_rest_POST_api_v3_order_FULL.json")["fills"][0]
    )
    problems["balance"] = missing_or_mistyped(
        ours["account"]["balances"][0],
        fixture("spot_rest_GET_api_v3_account_docs_example.json")["balances"][0],
    )
    problems["kline"] = missing_or_mistyped(
        ours["klines"][0], fixture("spot_rest_GET_api_v3_klines.json")[0]
    )
    info = fixture("spot_rest_GET_api_v3_exchangeInfo.json")
    problems["exchangeInfo"] = missing_or_mistyped(ours["exchangeInfo"], info)
    problems["exchangeInfo_symbol"] = missing_or_mistyped(
        ours["exchangeInfo"]["symbols"][0], info["symbols"][0], RETIRED["exchangeInfo_symbol"]
    )
    assert {k: v for k, v in problems.items() if v} == {}


def test_exchange_info_filters_carry_catalog_tick_lot_and_notional(venue: BinanceServerHandle):
    filters = {
        f["filterType"]: f for f in fetch_all(venue)["exchangeInfo"]["symbols"][0]["filters"]
    }
    assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert filters["LOT_SIZE"]["stepSize"] == "0.00001000"
    assert filters["NOTIONAL"]["minNotional"] == "10.00000000"


def test_stream_events_have_every_fixture_field_with_its_json_type(venue: BinanceServerHandle):
    key = fresh_key()

    async def main() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        async with aiohttp.ClientSession(venue.url) as http:
            async with http.post("/api/v3/userDataStream", headers={"X-MBX-APIKEY": key}) as r:
                listen_key = (await r.json())["listenKey"]
            async with (
                http.ws_connect(
                    f"{venue.ws_url}/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@ticker"
                ) as market,
                http.ws_connect(f"{venue.ws_url}/ws/{listen_key}") as user,
            ):
                venue.resume_replay()
                try:
                    while len(seen) < 3:
                        message = json.loads((await market.receive(timeout=5)).data)
                        seen[message["stream"].split("@")[1]] = message["data"]
                finally:
                    venue.pause_replay()
                order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                         "quantity": "0.02", "price": "1000"}  # fmt: skip
                query = signed_query(order, "s", time.time_ns() // 1_000_000)
                async with http.post(f"/api/v3/order?{query}", headers={"X-MBX-APIKEY": key}) as r:
                    order_id = (await r.json())["orderId"]
                query = signed_query({"symbol": "BTCUSDT", "orderId": order_id}, "s",
                                     time.time_ns() // 1_000_000)  # fmt: skip
                async with http.delete(f"/api/v3/order?{query}", headers={"X-MBX-APIKEY": key}):
                    pass
                while "CANCELED" not in seen:
                    event = json.loads((await user.receive(timeout=5)).data)
                    if event["e"] == "executionReport":
                        seen[event["x"]] = event
        return seen

    seen = asyncio.run(main())
    problems = {
        "trade": missing_or_mistyped(seen["trade"], fixture("spot_ws_spot_trade.json")["data"]),
        "bookTicker": missing_or_mistyped(
            seen["bookTicker"], fixture("spot_ws_spot_ticker_book.json")["data"]
        ),
        "ticker": missing_or_mistyped(seen["ticker"], fixture("spot_ws_spot_ticker_24hr.json")),
        "NEW": missing_or_mistyped(
            seen["NEW"], fixture("spot_ws_spot_execution_report_new.json")["data"]
        ),
        "CANCELED": missing_or_mistyped(
            seen["CANCELED"], fixture("spot_ws_spot_execution_report_canceled.json")["data"]
        ),
    }
    assert {k: v for k, v in problems.items() if v} == {}
