"""GET /api/v1/trades and /trades/{id}: filters, numeric sorting of exact decimals,
pagination totals, exact strings, uniform 404 for another user's trade (S1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.persistence.types import new_id
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_bot

NOW = datetime(2025, 6, 1, tzinfo=UTC)
URL = "/api/v1/trades"

# (bot index, strategy, symbol, side, gross, fees, exit minute). Net PnL 9.9, 10, -2.6, 0.7:
# as text "9.9" > "10", so a text sort would misorder them.
SPECS = [
    (0, "sma_cross", "BTC/USDT", "long", D("10"), D("0.1"), 10),
    (0, "sma_cross", "ETH/USDT", "short", D("10.1"), D("0.1"), 20),
    (1, "breakout", "BTC/USDT", "long", D("-2.5"), D("0.1"), 30),
    (1, "breakout", "BTC/USDT", "long", D("0.700000000000000001"), D("0"), 40),
]


@pytest.fixture
def world(container: Container, make_user: Any) -> dict[str, Any]:
    a, b = make_user(role="viewer"), make_user(role="viewer")
    db = container.database
    bots = [seed_bot(db, owner_id=a.id, name=n, now=NOW) for n in ("one", "two")]
    ids = []
    with db.session() as session:
        for bot, strategy, symbol, side, gross, fees, minute in SPECS:
            row = TradeRow(
                id=new_id(), owner_id=a.id, bot_id=bots[bot], strategy=strategy,
                symbol=symbol, side=side, quantity=D("0.5"), entry_price=D("100"),
                exit_price=D("120.123456789"), entry_at=NOW,
                exit_at=NOW + timedelta(minutes=minute), gross_pnl=gross, fees=fees,
                net_pnl=gross - fees, exit_reason="stop_loss" if gross < 0 else "signal",
            )  # fmt: skip
            session.add(row)
            ids.append(row.id)
    return {"a": a, "b": b, "bots": bots, "ids": ids}


def _ids(client: TestClient, headers: dict[str, str], **params: Any) -> tuple[list[str], int]:
    response = client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return [item["id"] for item in body["items"]], body["total"]


def test_list_trades(client: TestClient, world: dict[str, Any]) -> None:
    h, ids, bots = world["a"].headers, world["ids"], world["bots"]
    assert _ids(client, h) == (ids[::-1], 4)
    assert _ids(client, h, limit=3, offset=2) == ([ids[1], ids[0]], 4)
    assert _ids(client, h, sort="-net_pnl") == ([ids[1], ids[0], ids[3], ids[2]], 4)
    assert _ids(client, h, sort="net_pnl", limit=1) == ([ids[2]], 4)
    assert _ids(client, h, bot_id=bots[1]) == ([ids[3], ids[2]], 2)
    assert _ids(client, h, strategy="sma_cross", side="short") == ([ids[1]], 1)
    assert _ids(client, h, symbol="BTC/USDT", sort="exit_at") == ([ids[0], ids[2], ids[3]], 3)
    assert _ids(client, h, since="2025-06-01T00:20:00Z", until="2025-06-01T00:40:00Z") == (
        [ids[2], ids[1]],
        2,
    )


def test_get_trade_with_exact_decimals(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get(f"{URL}/{world['ids'][3]}", headers=world["a"].headers)
    assert response.status_code == 200
    trade = response.json()
    assert trade == {
        "id": world["ids"][3],
        "bot_id": world["bots"][1],
        "strategy": "breakout",
        "symbol": "BTC/USDT",
        "side": "long",
        "quantity": "0.5",
        "entry_price": "100",
        "exit_price": "120.123456789",
        "entry_at": "2025-06-01T00:00:00Z",
        "exit_at": "2025-06-01T00:40:00Z",
        "gross_pnl": "0.700000000000000001",
        "fees": "0",
        "net_pnl": "0.700000000000000001",
        "exit_reason": "signal",
    }


def test_another_user_and_bad_input(client: TestClient, world: dict[str, Any]) -> None:
    b = world["b"].headers
    response = client.get(f"{URL}/{world['ids'][0]}", headers=b)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get(f"{URL}/{uuid.uuid4()}", headers=b).status_code == 404
    assert _ids(client, b) == ([], 0)
    assert _ids(client, b, bot_id=world["bots"][0]) == ([], 0)
    bad = client.get(URL, headers=world["a"].headers, params={"sort": "pnl"})
    assert bad.status_code == 422
    assert bad.json()["message"] == (
        "cannot sort by 'pnl'; sort by one of: exit_at, entry_at, symbol, net_pnl"
    )
