"""GET /api/v1/risk-events: the caller's events only, filters, sorting, details as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from xor_trading.persistence.tables.risk_events import RiskEventRow
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_bot

NOW = datetime(2025, 6, 1, tzinfo=UTC)
URL = "/api/v1/risk-events"


def test_risk_events(client: TestClient, container: Container, make_user: Any) -> None:
    a, b = make_user(role="viewer"), make_user(role="viewer")
    db = container.database
    bot = seed_bot(db, owner_id=a.id, name="one", now=NOW)
    events = [
        (a.id, bot, "denial", "min_notional", "order value 0.5 is below 1", {"symbol": "X"}, 0),
        (a.id, bot, "breaker_tripped", "daily_loss", "daily loss 5% reached", {"until_ms": 9}, 1),
        (a.id, None, "kill_switch_engaged", "kill_switch", "incident", {"scope": "global"}, 2),
        (b.id, None, "kill_switch_engaged", "kill_switch", "b's incident", {}, 3),
    ]
    with db.session() as session:
        for owner, bot_id, kind, rule, sentence, details, minute in events:
            session.add(
                RiskEventRow(
                    owner_id=owner, bot_id=bot_id, at=NOW + timedelta(minutes=minute),
                    kind=kind, rule=rule, sentence=sentence, details=json.dumps(details),
                )
            )  # fmt: skip

    body = client.get(URL, headers=a.headers).json()
    assert body["total"] == 3
    assert [(e["kind"], e["rule"], e["sentence"], e["details"]) for e in body["items"]] == [
        ("kill_switch_engaged", "kill_switch", "incident", {"scope": "global"}),
        ("breaker_tripped", "daily_loss", "daily loss 5% reached", {"until_ms": 9}),
        ("denial", "min_notional", "order value 0.5 is below 1", {"symbol": "X"}),
    ]
    assert body["items"][0]["bot_id"] is None
    assert body["items"][2]["at"] == "2025-06-01T00:00:00Z"

    def kinds(**params: Any) -> list[str]:
        response = client.get(URL, headers=a.headers, params=params)
        assert response.status_code == 200, response.text
        return [e["kind"] for e in response.json()["items"]]

    assert kinds(bot_id=bot) == ["breaker_tripped", "denial"]
    assert kinds(kind="denial") == ["denial"]
    assert kinds(rule="daily_loss") == ["breaker_tripped"]
    assert kinds(sort="kind") == ["breaker_tripped", "denial", "kill_switch_engaged"]
    assert kinds(since="2025-06-01T00:01:00Z", until="2025-06-01T00:02:00Z") == ["breaker_tripped"]
    assert [e["sentence"] for e in client.get(URL, headers=b.headers).json()["items"]] == [
        "b's incident"
    ]
    bad = client.get(URL, headers=a.headers, params={"sort": "-severity"})
    assert (bad.status_code, bad.json()["message"]) == (
        422,
        "cannot sort by 'severity'; sort by one of: at, kind, rule",
    )
    assert client.get(URL, headers=a.headers, params={"kind": "panic"}).status_code == 422
