"""GET /api/v1/positions: the caller's positions only, exact decimals, open_only, sorting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

from fastapi.testclient import TestClient

from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_bot

NOW = datetime(2025, 6, 1, tzinfo=UTC)
URL = "/api/v1/positions"


def test_positions(client: TestClient, container: Container, make_user: Any) -> None:
    a, b = make_user(role="viewer"), make_user(role="viewer")
    db = container.database
    bot = seed_bot(db, owner_id=a.id, name="one", now=NOW)
    other = seed_bot(db, owner_id=b.id, name="other", now=NOW)
    rows = [
        (a.id, bot, "ETH/USDT", D("-1.25"), D("3000.123456789012345678"), D("-4.5"), 2),
        (a.id, bot, "BTC/USDT", D("0.001"), D("65000.5"), D("12.000000000001"), 1),
        (a.id, bot, "SOL/USDT", D("0"), D("0"), D("3"), 3),
        (b.id, other, "BTC/USDT", D("7"), D("1"), D("0"), 0),
    ]
    with db.session() as session:
        for owner, bot_id, symbol, qty, avg, pnl, minute in rows:
            session.add(
                PositionRow(
                    owner_id=owner, bot_id=bot_id, symbol=symbol, quantity=qty,
                    average_price=avg, realised_pnl=pnl,
                    updated_at=NOW + timedelta(minutes=minute),
                )
            )  # fmt: skip

    body = client.get(URL, headers=a.headers).json()
    assert body["total"] == 3
    assert [
        (p["symbol"], p["quantity"], p["average_price"], p["realised_pnl"], p["bot_id"])
        for p in body["items"]
    ] == [
        ("BTC/USDT", "0.001", "65000.5", "12.000000000001", bot),
        ("ETH/USDT", "-1.25", "3000.123456789012345678", "-4.5", bot),
        ("SOL/USDT", "0", "0", "3", bot),
    ]
    open_only = client.get(URL, headers=a.headers, params={"open_only": True}).json()
    assert [p["symbol"] for p in open_only["items"]] == ["BTC/USDT", "ETH/USDT"]
    by_quantity = client.get(URL, headers=a.headers, params={"sort": "-quantity"}).json()
    assert [p["symbol"] for p in by_quantity["items"]] == ["BTC/USDT", "SOL/USDT", "ETH/USDT"]
    page = client.get(URL, headers=a.headers, params={"sort": "-updated_at", "limit": 1})
    assert [p["symbol"] for p in page.json()["items"]] == ["SOL/USDT"]
    assert page.json()["total"] == 3
    # B sees only B's position, even when asking for A's bot.
    assert [p["bot_id"] for p in client.get(URL, headers=b.headers).json()["items"]] == [other]
    assert client.get(URL, headers=b.headers, params={"bot_id": bot}).json()["total"] == 0
    bad = client.get(URL, headers=a.headers, params={"sort": "price"})
    assert (bad.status_code, bad.json()["message"]) == (
        422,
        "cannot sort by 'price'; sort by one of: symbol, updated_at, quantity",
    )
