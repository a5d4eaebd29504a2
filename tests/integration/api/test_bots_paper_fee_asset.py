"""A bot's ``paper_fee_asset`` over HTTP (ADR 0024): the exchange's convention when not
given (Binance: ``received``), written out in the stored configuration; ``quote`` on
request; a change is a new version; an unknown value is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

MakeUser = Any  # the fixture's type (tests/integration/api/conftest.py)

BOTS = "/api/v1/bots"
VALID: dict[str, Any] = {
    "name": "btc cross",
    "strategy": "sma_cross",
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
}


def test_paper_fee_asset_defaults_to_the_exchanges_and_can_be_chosen(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    default = client.post(BOTS, json=VALID, headers=user.headers)
    assert default.status_code == 201, default.text
    assert default.json()["config"]["paper_fee_asset"] == "received"
    quote = client.post(
        BOTS, json={**VALID, "name": "q", "paper_fee_asset": "quote"}, headers=user.headers
    )
    assert quote.json()["config"]["paper_fee_asset"] == "quote"

    url = f"{BOTS}/{default.json()['id']}"
    changed = client.patch(url, json={"paper_fee_asset": "quote"}, headers=user.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["config_version"] == 2
    diff = client.get(f"{url}/versions/2/diff", params={"against": 1}, headers=user.headers)
    assert diff.json()["changes"] == [{"key": "paper_fee_asset", "old": "received", "new": "quote"}]
    # null: the exchange's convention again.
    back = client.patch(url, json={"paper_fee_asset": None}, headers=user.headers)
    assert back.json()["config"]["paper_fee_asset"] == "received"


def test_an_unknown_paper_fee_asset_is_422_naming_the_field(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    response = client.post(BOTS, json={**VALID, "paper_fee_asset": "base"}, headers=user.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert response.json()["details"][0]["field"] == "paper_fee_asset"
    assert client.get(BOTS, headers=user.headers).json()["total"] == 0
