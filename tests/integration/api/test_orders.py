"""GET /api/v1/orders, /orders/{id}, /orders/{id}/fills: filters, sorting, pagination totals,
exact decimal strings, uniform 404 across users (S1), and sentences for bad filters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories.orders import client_order_id_for
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.types import new_id
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_bot

NOW = datetime(2025, 6, 1, tzinfo=UTC)
URL = "/api/v1/orders"

# (symbol, side, status, quantity, price) of A's orders, created one minute apart.
SPECS = [
    ("BTC/USDT", "buy", "filled", D("0.000000000000000001"), D("98765432109876543.21")),
    ("ETH/USDT", "sell", "canceled", D("2"), D("3000.5")),
    ("BTC/USDT", "sell", "filled", D("0.25"), D("100")),
    ("SOL/USDT", "buy", "unknown", D("10"), None),
    ("ETH/USDT", "buy", "pending_submit", D("1.5"), D("2999.99")),
]


def _add_orders(database: Database, owner: str, bot: str) -> list[str]:
    ids = []
    with database.session() as session:
        for n, (symbol, side, status, qty, price) in enumerate(SPECS):
            row = OrderRow(
                id=new_id(), owner_id=owner, bot_id=bot,
                client_order_id=client_order_id_for(bot, f"O-{n}"), symbol=symbol, side=side,
                type="limit" if price is not None else "market", time_in_force="gtc",
                status=status, quantity=qty, price=price,
                filled_quantity=qty if status == "filled" else D(0),
                average_price=price if status == "filled" else None,
                created_at=NOW + timedelta(minutes=n), updated_at=NOW + timedelta(minutes=n),
            )  # fmt: skip
            session.add(row)
            ids.append(row.id)
        session.flush()  # orders before their fills (no ORM relationship orders them)
        session.add(
            FillRow(
                owner_id=owner, bot_id=bot, order_id=ids[2], venue_trade_id="T-1",
                symbol="BTC/USDT", side="sell", quantity=D("0.1"), price=D("100.0000001"),
                fee=D("0.00000001"), fee_currency="BNB", liquidity="maker", at=NOW,
            )
        )  # fmt: skip
        session.add(
            FillRow(
                owner_id=owner, bot_id=bot, order_id=ids[2], venue_trade_id="T-2",
                symbol="BTC/USDT", side="sell", quantity=D("0.15"), price=D("99.9999999333"),
                fee=D("0.015"), fee_currency="USDT", liquidity="taker",
                at=NOW + timedelta(seconds=5),
            )
        )  # fmt: skip
    return ids


@pytest.fixture
def world(container: Container, make_user: Any) -> dict[str, Any]:
    a = make_user(role="viewer")
    b = make_user(role="trader")
    bot = seed_bot(container.database, owner_id=a.id, name="alpha", now=NOW)
    seed_bot(container.database, owner_id=b.id, name="beta", now=NOW)
    return {"a": a, "b": b, "bot": bot, "ids": _add_orders(container.database, a.id, bot)}


def _ids(client: TestClient, headers: dict[str, str], **params: Any) -> tuple[list[str], int]:
    response = client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return [item["id"] for item in body["items"]], body["total"]


def test_list_filters_sorts_and_pages(client: TestClient, world: dict[str, Any]) -> None:
    headers, ids, bot = world["a"].headers, world["ids"], world["bot"]
    assert _ids(client, headers) == (ids[::-1], 5)
    assert _ids(client, headers, limit=2, offset=1) == ([ids[3], ids[2]], 5)
    assert _ids(client, headers, limit=2, offset=4) == ([ids[0]], 5)
    assert _ids(client, headers, sort="created_at") == (ids, 5)
    assert _ids(client, headers, status="filled") == ([ids[2], ids[0]], 2)
    assert _ids(client, headers, side="buy", symbol="ETH/USDT") == ([ids[4]], 1)
    assert _ids(client, headers, bot_id=bot, limit=1) == ([ids[4]], 5)
    assert _ids(client, headers, since="2025-06-01T00:01:00Z", until="2025-06-01T00:03:00Z") == (
        [ids[2], ids[1]],
        2,
    )
    # A zone other than UTC means the same instant: 02:02 in +02:00 is 00:02 UTC.
    assert _ids(client, headers, since="2025-06-01T02:02:00+02:00") == (ids[:1:-1], 3)
    assert _ids(client, headers, sort="symbol") == ([ids[0], ids[2], ids[1], ids[4], ids[3]], 5)


def test_decimals_are_exact_strings(client: TestClient, world: dict[str, Any]) -> None:
    first = client.get(f"{URL}/{world['ids'][0]}", headers=world["a"].headers).json()
    assert first["quantity"] == "0.000000000000000001"
    assert first["price"] == "98765432109876543.21"
    assert first["average_price"] == "98765432109876543.21"
    assert first["filled_quantity"] == "0.000000000000000001"
    assert first["stop_price"] is None
    assert first["created_at"] == "2025-06-01T00:00:00Z"
    assert first["client_order_id"] == client_order_id_for(world["bot"], "O-0")
    market = client.get(f"{URL}/{world['ids'][3]}", headers=world["a"].headers).json()
    assert (market["status"], market["price"], market["average_price"]) == ("unknown", None, None)
    assert market["filled_quantity"] == "0"


def test_fills_of_an_order(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get(f"{URL}/{world['ids'][2]}/fills", headers=world["a"].headers)
    assert response.status_code == 200
    fills = response.json()
    assert [
        (f["venue_trade_id"], f["quantity"], f["price"], f["fee"], f["fee_currency"], f["at"])
        for f in fills
    ] == [
        ("T-1", "0.1", "100.0000001", "0.00000001", "BNB", "2025-06-01T00:00:00Z"),
        ("T-2", "0.15", "99.9999999333", "0.015", "USDT", "2025-06-01T00:00:05Z"),
    ]
    assert {f["order_id"] for f in fills} == {world["ids"][2]}
    assert client.get(f"{URL}/{world['ids'][1]}/fills", headers=world["a"].headers).json() == []


def test_another_user_sees_nothing_of_a(client: TestClient, world: dict[str, Any]) -> None:
    b, ids = world["b"].headers, world["ids"]
    stranger = str(uuid.uuid4())
    missing = client.get(f"{URL}/{stranger}", headers=b)
    for path in (f"{URL}/{ids[0]}", f"{URL}/{ids[2]}/fills"):
        response = client.get(path, headers=b)
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "not_found"
        # The same answer as for an id that never existed, apart from the id itself.
        assert body["message"].replace(ids[0], "?").replace(ids[2], "?") == missing.json()[
            "message"
        ].replace(stranger, "?")
        assert "alpha" not in response.text
    assert _ids(client, b) == ([], 0)
    assert _ids(client, b, bot_id=world["bot"]) == ([], 0)


def test_unknown_sort_is_422_naming_the_allowed_columns(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.get(URL, headers=world["a"].headers, params={"sort": "-price"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["message"] == "cannot sort by 'price'; sort by one of: created_at, symbol, status"
    assert body["hint"] == "prefix the name with - for descending order, e.g. sort=-created_at"


BAD_FILTERS: list[tuple[dict[str, Any], str, str | None]] = [
    (
        {"since": "2025-06-02T00:00:00Z", "until": "2025-06-01T00:00:00Z"},
        "invalid_input",
        "since (2025-06-02T00:00:00+00:00) is after until (2025-06-01T00:00:00+00:00)",
    ),
    ({"since": "2025-06-01T00:00:00"}, "invalid_input", "since has no time zone"),
    ({"status": "lost"}, "invalid_request", None),
    ({"side": "long"}, "invalid_request", None),
    ({"limit": 501}, "invalid_request", None),
    ({"offset": -1}, "invalid_request", None),
]


def test_bad_filters_are_422_and_a_token_is_needed(
    client: TestClient, world: dict[str, Any]
) -> None:
    for params, code, message in BAD_FILTERS:
        response = client.get(URL, headers=world["a"].headers, params=params)
        assert response.status_code == 422, params
        body = response.json()
        assert body["code"] == code
        # FastAPI's own validation names the field; ours is a full sentence.
        assert body["message"] == message or (
            message is None and body["message"].startswith(f"query.{next(iter(params))}: ")
        )
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{world['ids'][0]}").status_code == 401
