"""GET /api/v1/fills: the caller's fills across their bots (newest first), filters on bot,
symbol, side and fill time, the ``at`` sort, pagination totals, exact decimal strings,
nothing of another user's whatever the filters (S1), and 422 with the stable error JSON
for bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.api.rate_limit import HEAVY_READ_COST
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories.orders import client_order_id_for
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.types import new_id
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_bot

NOW = datetime(2025, 6, 1, tzinfo=UTC)
URL = "/api/v1/fills"

# (bot name, symbol, side, quantity, price, fee, fee currency, second) of A's fills. The
# last two share a time: the id breaks the tie, in the direction of the sort.
A_FILLS = [
    ("alpha", "BTC/USDT", "buy", D("0.000000000000000001"), D("98765432109876543.21"),
     D("0.00000001"), "BNB", 0),
    ("alpha", "BTC/USDT", "sell", D("0.25"), D("100"), D("0.025"), "USDT", 60),
    ("beta", "ETH/USDT", "buy", D("2"), D("3000.5"), D("0"), "USDT", 120),
    ("alpha", "ETH/USDT", "sell", D("1.5"), D("2999.99"), D("0.1"), "USDT", 180),
    ("beta", "BTC/USDT", "buy", D("0.5"), D("101.0000001"), D("0.05"), "USDT", 180),
]  # fmt: skip


def _add_fill(database: Database, owner: str, bot: str, n: int, spec: tuple[Any, ...]) -> str:
    _, symbol, side, quantity, price, fee, currency, second = spec
    at = NOW + timedelta(seconds=second)
    order_id, fill_id = new_id(), new_id()
    with database.session() as session:
        session.add(
            OrderRow(
                id=order_id, owner_id=owner, bot_id=bot,
                client_order_id=client_order_id_for(bot, f"O-{n}"), symbol=symbol, side=side,
                type="market", time_in_force="gtc", status="filled", quantity=quantity,
                filled_quantity=quantity, average_price=price, created_at=at, updated_at=at,
            )
        )  # fmt: skip
        session.flush()  # the order before its fill (no ORM relationship orders them)
        session.add(
            FillRow(
                id=fill_id, owner_id=owner, bot_id=bot, order_id=order_id,
                venue_trade_id=f"T-{n}", symbol=symbol, side=side, quantity=quantity,
                price=price, fee=fee, fee_currency=currency,
                liquidity="maker" if n % 2 == 0 else "taker", at=at,
            )
        )  # fmt: skip
    return fill_id


@pytest.fixture
def world(container: Container, make_user: Any) -> dict[str, Any]:
    db = container.database
    a, b, admin = make_user(role="viewer"), make_user(role="trader"), make_user(role="admin")
    bots = {name: seed_bot(db, owner_id=a.id, name=name, now=NOW) for name in ("alpha", "beta")}
    ids = [_add_fill(db, a.id, bots[spec[0]], n, spec) for n, spec in enumerate(A_FILLS)]
    gamma = seed_bot(db, owner_id=b.id, name="gamma", now=NOW)
    b_fill = _add_fill(db, b.id, gamma, 9, ("gamma", "BTC/USDT", "buy", D("1"), D("100"),
                                            D("0.1"), "USDT", 30))  # fmt: skip
    # The two fills at 00:03:00, newest first: the greater id first.
    tied_desc = sorted(ids[3:], reverse=True)
    return {
        "a": a, "b": b, "admin": admin, "bots": bots, "gamma": gamma, "ids": ids,
        "b_fill": b_fill, "newest_first": [*tied_desc, ids[2], ids[1], ids[0]],
    }  # fmt: skip


def _page(client: TestClient, headers: dict[str, str], **params: Any) -> tuple[list[str], int]:
    response = client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_exact"] is True
    return [item["id"] for item in body["items"]], body["total"]


def test_own_fills_newest_first_as_exact_strings(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get(URL, headers=world["a"].headers)
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == world["newest_first"]
    assert (body["total"], body["total_exact"], body["limit"], body["offset"]) == (5, True, 50, 0)
    oldest = body["items"][-1]
    ids = world["ids"]
    assert oldest == {
        "id": ids[0],
        "order_id": oldest["order_id"],
        "bot_id": world["bots"]["alpha"],
        "venue_trade_id": "T-0",
        "symbol": "BTC/USDT",
        "side": "buy",
        "quantity": "0.000000000000000001",
        "price": "98765432109876543.21",
        "fee": "0.00000001",
        "fee_currency": "BNB",
        "liquidity": "maker",
        "at": "2025-06-01T00:00:00Z",
    }
    # The order id is the fill's own order: its per-order list holds exactly this fill.
    per_order = client.get(f"/api/v1/orders/{oldest['order_id']}/fills", headers=world["a"].headers)
    assert [fill["id"] for fill in per_order.json()] == [ids[0]]


def test_filters_on_bot_symbol_side_and_time(client: TestClient, world: dict[str, Any]) -> None:
    h, ids, bots = world["a"].headers, world["ids"], world["bots"]
    assert _page(client, h, bot_id=bots["alpha"]) == ([ids[3], ids[1], ids[0]], 3)
    assert _page(client, h, bot_id=bots["beta"]) == ([ids[4], ids[2]], 2)
    assert _page(client, h, symbol="ETH/USDT") == ([ids[3], ids[2]], 2)
    assert _page(client, h, side="sell") == ([ids[3], ids[1]], 2)
    assert _page(client, h, bot_id=bots["beta"], symbol="BTC/USDT", side="buy") == ([ids[4]], 1)
    assert _page(client, h, symbol="SOL/USDT") == ([], 0)
    # Half open on the fill time: 00:01:00 included, 00:03:00 excluded.
    assert _page(client, h, since="2025-06-01T00:01:00Z", until="2025-06-01T00:03:00Z") == (
        [ids[2], ids[1]],
        2,
    )
    # Another zone names the same instant: 02:03 at +02:00 is 00:03 UTC.
    assert _page(client, h, since="2025-06-01T02:03:00+02:00") == (world["newest_first"][:2], 2)


def test_sort_by_time_both_ways_and_pages(client: TestClient, world: dict[str, Any]) -> None:
    h, newest_first = world["a"].headers, world["newest_first"]
    assert _page(client, h, sort="-at") == (newest_first, 5)
    assert _page(client, h, sort="at") == (newest_first[::-1], 5)
    # Pages neither overlap nor skip a row, the tie at 00:03:00 included.
    assert _page(client, h, limit=1) == (newest_first[:1], 5)
    assert _page(client, h, limit=1, offset=1) == (newest_first[1:2], 5)
    assert _page(client, h, limit=2, offset=2) == (newest_first[2:4], 5)
    assert _page(client, h, limit=2, offset=4) == (newest_first[4:], 5)
    assert _page(client, h, limit=2, offset=9) == ([], 5)
    assert _page(client, h, sort="at", limit=2, offset=3) == (newest_first[1::-1], 5)


def test_another_users_fills_are_never_listed(client: TestClient, world: dict[str, Any]) -> None:
    b, admin, bots = world["b"].headers, world["admin"].headers, world["bots"]
    # B sees their own fill only; filtering on A's bot finds nothing rather than a 404.
    assert _page(client, b) == ([world["b_fill"]], 1)
    assert _page(client, b, bot_id=bots["alpha"]) == ([], 0)
    # The admin role reads its own records too, not everyone's.
    assert _page(client, admin) == ([], 0)
    assert _page(client, admin, bot_id=bots["beta"]) == ([], 0)
    # And A never sees B's fill, even naming B's bot.
    assert _page(client, world["a"].headers, bot_id=world["gamma"]) == ([], 0)
    a_all = client.get(URL, headers=world["a"].headers, params={"limit": 500}).text
    assert world["b_fill"] not in a_all


BAD_INPUT: list[tuple[dict[str, Any], str, str]] = [
    ({"sort": "-price"}, "invalid_input", "cannot sort by 'price'; sort by one of: at"),
    ({"sort": "created_at"}, "invalid_input", "cannot sort by 'created_at'; sort by one of: at"),
    ({"since": "2025-06-01T00:00:00"}, "invalid_input", "since has no time zone"),
    (
        {"since": "2025-06-02T00:00:00Z", "until": "2025-06-01T00:00:00Z"},
        "invalid_input",
        "since (2025-06-02T00:00:00+00:00) is after until (2025-06-01T00:00:00+00:00)",
    ),
    ({"side": "long"}, "invalid_request", "query.side: "),
    ({"limit": 501}, "invalid_request", "query.limit: "),
    ({"limit": 0}, "invalid_request", "query.limit: "),
    ({"offset": -1}, "invalid_request", "query.offset: "),
    ({"since": "yesterday"}, "invalid_request", "query.since: "),
    ({"bot_id": "x" * 37}, "invalid_request", "query.bot_id: "),
]


@pytest.mark.parametrize(("params", "code", "message"), BAD_INPUT)
def test_bad_input_is_422_with_the_stable_error_json(
    client: TestClient, world: dict[str, Any], params: dict[str, Any], code: str, message: str
) -> None:
    response = client.get(URL, headers=world["a"].headers, params=params)
    assert response.status_code == 422, params
    body = response.json()
    assert set(body) == {"code", "message", "hint", "request_id", "details"}
    assert body["code"] == code
    if code == "invalid_input":
        # Our own sentence, whole.
        assert body["message"] == message
        assert body["hint"] != ""
    else:
        # FastAPI's validation, named by field.
        assert body["message"].startswith(message), body["message"]


def test_a_token_is_needed_and_the_list_is_a_heavy_read(client: TestClient, make_user: Any) -> None:
    response = client.get(URL)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    # S7: each list costs HEAVY_READ_COST of the 100 units a second (the test clock
    # stands still, so nothing refills): ten lists spend the budget, the eleventh is 429.
    assert HEAVY_READ_COST == 10
    carol = make_user(role="viewer")
    statuses = [client.get(URL, headers=carol.headers).status_code for _ in range(10)]
    assert statuses == [200] * 10
    refused = client.get(URL, headers=carol.headers)
    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")


def test_the_operation_is_documented_as_a_page_of_fills(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/fills"]["get"]
    assert operation["operationId"] == "fills-list"
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Page_FillPublic_"}
    parameters = {p["name"] for p in operation["parameters"]}
    assert parameters == {"bot_id", "symbol", "side", "since", "until", "sort", "limit", "offset"}
