"""Page totals stop counting 1,000 rows past the offset (ADR 0013): ``total_exact`` says
whether ``total`` is the exact count or "at least this many", and the next page is never
hidden by a bounded total."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.persistence.repositories.orders import COUNT_CAP
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import SEED_STATUSES, seed_bot, seed_records

NOW = datetime(2025, 6, 1, tzinfo=UTC)
URL = "/api/v1/orders"
ORDERS = COUNT_CAP + 50  # one full page of 50 past the cap
# seed_records cycles its statuses over the orders: how many of them are "filled".
FILLED = sum(1 for i in range(ORDERS) if SEED_STATUSES[i % len(SEED_STATUSES)] == "filled")


@pytest.fixture
def trader(container: Container, make_user: Any) -> Any:
    user = make_user(role="viewer")
    bot = seed_bot(container.database, owner_id=user.id, name="many", now=NOW)
    seed_records(container.database, owner_id=user.id, bot_id=bot, orders=ORDERS, start=NOW)
    return user


def _page(client: TestClient, headers: dict[str, str], **params: Any) -> tuple[int, int, bool]:
    response = client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return len(body["items"]), body["total"], body["total_exact"]


def test_order_totals_are_bounded_past_the_cap_and_exact_below_it(
    client: TestClient, trader: Any
) -> None:
    headers = trader.headers
    assert COUNT_CAP == 1_000
    # The first page: counting stopped at 1,000 ("1,000+"); more pages follow.
    assert _page(client, headers, limit=50) == (50, COUNT_CAP, False)
    # The bound is relative to the offset: 1,040 "at least", then exact once it covers all.
    assert _page(client, headers, limit=10, offset=40) == (10, 40 + COUNT_CAP, False)
    assert _page(client, headers, limit=100, offset=500) == (100, ORDERS, True)
    # Deep pages count 1,000 rows past their offset: here every remaining row.
    assert _page(client, headers, limit=50, offset=COUNT_CAP) == (50, ORDERS, True)
    # A short last page and an empty page past the end both know the exact total.
    assert _page(client, headers, limit=100, offset=COUNT_CAP) == (50, ORDERS, True)
    assert _page(client, headers, limit=50, offset=ORDERS + 50) == (0, ORDERS, True)
    # Filters narrow the count below the cap: exact again (the covering index counts it).
    assert FILLED == 395
    assert _page(client, headers, status="filled", limit=50) == (50, FILLED, True)
    assert _page(client, headers, status="filled", symbol="BTC/USDT", limit=10) == (
        10,
        sum(
            1
            for i in range(ORDERS)
            if SEED_STATUSES[i % len(SEED_STATUSES)] == "filled" and i % 3 == 0
        ),
        True,
    )


def test_short_lists_say_their_total_is_exact(client: TestClient, trader: Any) -> None:
    bots = client.get("/api/v1/bots", headers=trader.headers)
    assert bots.status_code == 200, bots.text
    assert (bots.json()["total"], bots.json()["total_exact"]) == (1, True)
    trades = client.get("/api/v1/trades", headers=trader.headers)
    assert trades.status_code == 200, trades.text
    assert (trades.json()["total"], trades.json()["total_exact"]) == (0, True)


def test_every_page_schema_requires_total_exact(client: TestClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    pages = {name: schema for name, schema in schemas.items() if name.startswith("Page_")}
    assert "Page_OrderPublic_" in pages
    missing = sorted(
        name for name, schema in pages.items() if "total_exact" not in schema["required"]
    )
    assert missing == []
    assert pages["Page_OrderPublic_"]["properties"]["total_exact"]["type"] == "boolean"
