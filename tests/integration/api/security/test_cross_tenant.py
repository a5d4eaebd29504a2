"""S1: another user's objects do not exist for you, on every route, HTTP and WebSocket.

User A (Alice) owns one object of each kind: a bot with two configuration versions, a
backtest run, an exchange key, a deposit, orders, fills and trades. User B (Bob, a
trader with MFA and a fresh step-up, so that no role or step-up check stops him before
the ownership check) then calls **every route of the policy table with an id parameter**,
with Alice's ids substituted by parameter name and a valid body where the route takes
one. The routes come from the policy table and the OpenAPI document, so a route added
later is covered or the test says what to add.

Expected, per route:

* an id naming a user's object (:data:`TENANT_PARAMETERS`): 404 ``not_found``, the same
  answer as for an id that does not exist (apart from the id itself, if echoed), and no
  other byte of Alice's data (her other ids, her names, her email);
* routes above Bob's role (admin): 403, again the same for Alice's id and a random one;
* lists and list filters (``?bot_id=<Alice's bot>``): none of Alice's objects;
* WebSocket: subscribing to Alice's bot, pnl and alerts channels is refused ``not_found``.

Alice's own calls prove the ids were right (200 for her), and after Bob's attempts her
objects are unchanged.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.api.policy import ROLES, load_policy_table
from xor_trading.persistence.tables.backtest_runs import BacktestRunRow
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_records

MakeUser = Any  # tests/integration/api/conftest.py: make_user
UserHandle = Any

RANK = {role: index for index, role in enumerate(ROLES)}

# Path parameters naming something a user owns (keys of ``Tenant.ids``).
TENANT_PARAMETERS = frozenset(
    {"bot_id", "version", "run_id", "key_id", "order_id", "trade_id", "user_id", "switch_id",
     "channel_id"}
)  # fmt: skip
# Path parameters naming shared, non-tenant things (the exchange catalog, strategy and
# indicator names): the same for every user, so there is nothing of Alice's to reach.
GLOBAL_PARAMETERS = frozenset({"exchange_id", "name"})

# A valid body for every id route that takes one ("valid" apart from whose id it is).
VALID_BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/bots/{bot_id}": {"name": "taken over", "reason": "mine now"},
    "POST /api/v1/bots/{bot_id}/start": {"reason": "go"},
    "POST /api/v1/bots/{bot_id}/stop": {"reason": "halt"},
    "POST /api/v1/bots/{bot_id}/pause": {"reason": "wait"},
    "POST /api/v1/bots/{bot_id}/resume": {"reason": "again"},
    "POST /api/v1/bots/{bot_id}/versions/{version}/rollback": {"reason": "back"},
    "PUT /api/v1/funds/accounts/{user_id}/fee-plan": {"kind": "profit_share", "rate": "0.5"},
    "PATCH /api/v1/users/{user_id}": {"role": "viewer"},
    "POST /api/v1/kill-switch/{switch_id}/rearm": {"reason": "safe again"},
    "PATCH /api/v1/alert-channels/{channel_id}": {"label": "taken over"},
    "POST /api/v1/webhooks/signals/{bot_id}": {"action": "buy", "symbol": "BTC/USDT"},
}
# Where Bob's answer is not 404: routes above his role are 403 (by role, whatever the id),
# and the signal webhook authenticates by the bot's HMAC secret, not a token: every
# failure there is the same 401 ``invalid_signature``.
BOB_STATUS = {"POST /api/v1/webhooks/signals/{bot_id}": (401, "invalid_signature")}
# Valid values of required query parameters of id routes.
VALID_QUERIES: dict[str, dict[str, Any]] = {
    "GET /api/v1/bots/{bot_id}/versions/{version}/diff": {"against": 1},
}

# What Alice herself gets where it is not 200: her run row has no result files.
OWNER_STATUS = {
    "GET /api/v1/backtests/{run_id}/equity": 409,
    "GET /api/v1/backtests/{run_id}/trades": 409,
}

BOT_BODY: dict[str, Any] = {
    "name": "alice secret bot",
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30},
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
}
KEY_LABEL = "alice main key"
DEPOSIT_CARD = "4242424242424242"


@dataclass
class Tenant:
    """Alice's objects: ``ids`` by parameter name, plus every string that is hers."""

    user: UserHandle
    ids: dict[str, str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)  # every byte of hers to look for


def _ok(response: Any, status: int = 200) -> Any:
    """The JSON body of ``response`` after checking its status."""
    assert response.status_code == status, response.text
    return response.json()


def _insert_backtest_run(container: Container, owner_id: str) -> str:
    """A succeeded run row (running a real job is slow and beside the point here)."""
    now = datetime.fromtimestamp(container.clock.now_ms() / 1000, UTC)
    request = {
        "strategy": "sma_cross",
        "symbol": "BTC/USDT",
        "timeframe": "1h",
        "from": "2020-01-01",
        "to": "2020-06-01",
        "params": {"fast": 10, "slow": 30},
    }
    with container.database.session() as session:
        row = BacktestRunRow(
            owner_id=owner_id,
            status="succeeded",
            progress_per_mille=1000,
            request_json=json.dumps(request),
            strategy="sma_cross",
            exchange="binance",
            symbol="BTC/USDT",
            timeframe="1h",
            created_at=now,
            finished_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def alice(client: TestClient, container: Container, make_user: MakeUser) -> Tenant:
    user = make_user(role="trader", mfa=True, email="alice.owner@example.test")
    tenant = Tenant(user=user)
    bot = _ok(client.post("/api/v1/bots", json=BOT_BODY, headers=user.headers), 201)
    patched = client.patch(
        f"/api/v1/bots/{bot['id']}", json={"params": {"fast": 12}}, headers=user.headers
    )
    _ok(patched)
    key = _ok(
        client.post(
            "/api/v1/exchange-keys",
            json={"exchange": "binance", "label": KEY_LABEL,
                  "api_key": "aliceApiKey0123456789ABCDEFGH", "secret": "alice-secret-0001"},
            headers=user.step_up_headers(),
        ),
        201,
    )  # fmt: skip
    deposit = _ok(
        client.post(
            "/api/v1/funds/deposits",
            json={"amount": "123.45", "card_number": DEPOSIT_CARD},
            headers={**user.headers, "Idempotency-Key": "alice-deposit-1"},
        ),
        201,
    )
    switch = _ok(
        client.post(
            "/api/v1/kill-switch",
            json={"scope": "bot", "target": bot["id"], "reason": "alice stops her bot"},
            headers=user.headers,
        ),
        201,
    )["switch"]
    channel = _ok(
        client.post(
            "/api/v1/alert-channels",
            json={"kind": "telegram", "label": "alice alerts", "events": ["fills"],
                  "chat_id": "424242", "bot_token": "123456789:" + "A" * 35},
            headers=user.headers,
        ),
        201,
    )  # fmt: skip
    _ok(client.post(f"/api/v1/bots/{bot['id']}/webhook-secret", headers=user.headers), 201)
    start = datetime.fromtimestamp(container.clock.now_ms() / 1000, UTC) - timedelta(days=1)
    seed_records(
        container.database, owner_id=user.id, bot_id=bot["id"], orders=8, trades=3, start=start
    )
    orders = _ok(client.get("/api/v1/orders", headers=user.headers))["items"]
    trades = _ok(client.get("/api/v1/trades", headers=user.headers))["items"]
    filled = next(o for o in orders if o["status"] == "filled")
    fills = _ok(client.get(f"/api/v1/orders/{filled['id']}/fills", headers=user.headers))
    assert fills, "the seeded filled order has a fill"
    tenant.ids = {
        "bot_id": bot["id"],
        "version": "2",
        "run_id": _insert_backtest_run(container, user.id),
        "key_id": key["id"],
        "order_id": filled["id"],
        "trade_id": trades[0]["id"],
        "user_id": user.id,
        "switch_id": switch["id"],
        "channel_id": channel["id"],
    }
    tenant.secrets = {
        user.id, user.email, BOT_BODY["name"], KEY_LABEL, deposit["id"], key["id"],
        "alice stops her bot", "alice alerts", channel["id"],
        *(o["id"] for o in orders), *(o["client_order_id"] for o in orders),
        *(t["id"] for t in trades), *(f["id"] for f in fills),
        *(v for k, v in tenant.ids.items() if k != "version"),
    }  # fmt: skip
    return tenant


@pytest.fixture
def bob(make_user: MakeUser) -> UserHandle:
    return make_user(role="trader", mfa=True, email="bob.intruder@example.test")


def _parameters(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)


def _random_ids() -> dict[str, str]:
    ids = {name: str(uuid.uuid4()) for name in TENANT_PARAMETERS}
    ids["version"] = "7"  # a version of a bot that does not exist either
    return ids


def _id_routes() -> list[tuple[str, Any]]:
    table = load_policy_table()
    return [
        (key, row)
        for key, row in sorted(table.items())
        if row.method != "WS" and _parameters(row.path)
    ]


def _request_inputs(spec: dict[str, Any], key: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The body and query of ``key``: from the tables above; a route that needs one the
    tables lack fails here with what to add."""
    method, path = key.split(" ", 1)
    operation = spec["paths"][path][method.lower()]
    body = VALID_BODIES.get(key)
    if "requestBody" in operation:
        assert body is not None, f"add a valid body for {key} to VALID_BODIES"
    required = {
        p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p["required"]
    }
    query = VALID_QUERIES.get(key, {})
    assert required <= set(query), f"add {sorted(required - set(query))} of {key} to VALID_QUERIES"
    return body, query


def _leaks(text: str, tenant: Tenant, sent: set[str]) -> list[str]:
    """Alice's strings in ``text``, apart from those Bob sent himself."""
    return sorted(s for s in tenant.secrets - sent if s in text)


def test_every_id_route_answers_another_users_ids_with_not_found(
    client: TestClient, alice: Tenant, bob: UserHandle
) -> None:
    """Alice's ids on every id route, as Bob: 404 (403 above his role), identical to the
    answer for ids that do not exist, and none of Alice's data in it."""
    spec = client.get("/api/v1/openapi.json").json()
    headers = bob.step_up_headers()
    problems: list[str] = []
    checked = 0
    for key, row in _id_routes():
        names = _parameters(row.path)
        unknown = set(names) - set(TENANT_PARAMETERS) - GLOBAL_PARAMETERS
        assert not unknown, f"{key}: classify {sorted(unknown)} in TENANT_/GLOBAL_PARAMETERS"
        if not set(names) & set(TENANT_PARAMETERS):
            continue  # shared catalog objects only
        body, query = _request_inputs(spec, key)
        random_ids = _random_ids()
        answers = []
        for ids in (alice.ids, random_ids):
            response = client.request(
                row.method, _fill(row.path, ids), json=body, params=query, headers=headers
            )
            sent = {ids[n] for n in names if n in ids}
            text = re.sub(r'"request_id":"[^"]*"', '"request_id":""', response.text)
            for value in sent - {ids["version"]}:  # ids echoed back; not the bare version
                text = text.replace(value, "<id>")
            answers.append((response.status_code, text))
            leaked = _leaks(response.text + str(response.headers), alice, sent)
            if leaked:
                problems.append(f"{key}: leaks {leaked}")
        checked += 1
        expected, expected_code = (
            (403, "forbidden") if RANK[row.role] > RANK["trader"] else (404, "not_found")
        )
        expected, expected_code = BOB_STATUS.get(key, (expected, expected_code))
        (status, text), (random_status, random_text) = answers
        if status != expected:
            problems.append(f"{key}: {status}, expected {expected}: {text[:200]}")
            continue
        code = json.loads(text)["code"]
        if code != expected_code:
            problems.append(f"{key}: code {code}, expected {expected_code}")
        # Uniform: Alice's object and no object at all get the same answer (S1 oracle);
        # only the request id (removed above) may differ.
        if (status, text) != (random_status, random_text):
            problems.append(
                f"{key}: {status} {text} but for a missing id {random_status} {random_text}"
            )
    assert problems == []
    assert checked >= 20  # the id routes of bots, backtests, keys, orders, trades, users...


def test_alices_ids_are_real_and_her_objects_survive_bobs_attempts(
    client: TestClient, alice: Tenant, bob: UserHandle
) -> None:
    """The 404s above are about ownership: the same GETs answer Alice 200, and every
    change Bob tried (rename, start, rollback, delete...) left her objects as they were."""
    before = _snapshot(client, alice)
    spec = client.get("/api/v1/openapi.json").json()
    for key, row in _id_routes():
        if row.method != "GET" or set(_parameters(row.path)) & GLOBAL_PARAMETERS:
            continue
        if RANK[row.role] > RANK["trader"]:
            continue
        _, query = _request_inputs(spec, key)
        response = client.get(_fill(row.path, alice.ids), params=query, headers=alice.user.headers)
        expected = OWNER_STATUS.get(key, 200)
        assert response.status_code == expected, f"{key} for its owner: {response.text}"
    # Every mutating id route, as Bob, then Alice's view again.
    headers = bob.step_up_headers()
    for key, row in _id_routes():
        if row.method == "GET" or not set(_parameters(row.path)) & set(TENANT_PARAMETERS):
            continue
        body, query = _request_inputs(spec, key)
        client.request(
            row.method, _fill(row.path, alice.ids), json=body, params=query, headers=headers
        )
    assert _snapshot(client, alice) == before


def _snapshot(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    headers, ids = tenant.user.headers, tenant.ids
    return {
        "bot": _ok(client.get(f"/api/v1/bots/{ids['bot_id']}", headers=headers)),
        "versions": _ok(client.get(f"/api/v1/bots/{ids['bot_id']}/versions", headers=headers)),
        "key": _ok(client.get(f"/api/v1/exchange-keys/{ids['key_id']}", headers=headers)),
        "run": _ok(client.get(f"/api/v1/backtests/{ids['run_id']}", headers=headers)),
        "switch": _ok(client.get(f"/api/v1/kill-switch/{ids['switch_id']}", headers=headers)),
        "channel": _ok(client.get(f"/api/v1/alert-channels/{ids['channel_id']}", headers=headers)),
        "me": _ok(client.get("/api/v1/auth/me", headers=headers)),
        "account": _ok(client.get("/api/v1/funds/balance", headers=headers)),
    }


def _list_routes() -> list[str]:
    return [
        row.path
        for row in load_policy_table().values()
        if row.method == "GET" and not _parameters(row.path) and RANK[row.role] <= RANK["trader"]
    ]


def test_lists_and_list_filters_show_bob_none_of_alices_objects(
    client: TestClient, alice: Tenant, bob: UserHandle
) -> None:
    """Every list Bob may read, plain and filtered by each of Alice's ids it accepts as a
    query parameter: nothing of Alice's, and a filter by her id answers exactly as a
    filter by an id that does not exist (an empty page or the same 404)."""
    spec = client.get("/api/v1/openapi.json").json()
    problems = []
    filtered = 0
    for path in sorted(_list_routes()):
        parameters = spec["paths"][path]["get"].get("parameters", [])
        query_names = {p["name"] for p in parameters if p["in"] == "query"}
        required = {p["name"] for p in parameters if p["in"] == "query" and p["required"]}
        tenant_filters = sorted(query_names & set(TENANT_PARAMETERS))
        extra = {"ids": "run_id"} if path == "/api/v1/backtests/compare" else {}
        if required - set(extra):
            continue  # market data: every query needs a market, nothing user-owned
        response = client.get(path, headers=bob.headers) if not required else None
        if response is not None and _leaks(response.text, alice, set()):
            problems.append(f"GET {path}: leaks {_leaks(response.text, alice, set())}")
        for name, key in [*((n, n) for n in tenant_filters), *extra.items()]:
            filtered += 1
            answers = []
            for value in (alice.ids[key], _random_ids()[key]):
                response = client.get(path, params={name: value}, headers=bob.headers)
                if _leaks(response.text, alice, {value}):
                    problems.append(
                        f"GET {path}?{name}=: leaks {_leaks(response.text, alice, {value})}"
                    )
                text = re.sub(r'"request_id":"[^"]*"', '"request_id":""', response.text)
                answers.append((response.status_code, text.replace(value, "<id>")))
            if answers[0] != answers[1] or answers[0][0] not in (200, 404):
                problems.append(
                    f"GET {path}?{name}=<Alice's>: {answers[0]}; missing id: {answers[1]}"
                )
    assert problems == []
    assert filtered >= 4  # orders, trades by bot_id; kill-switch status; backtest compare


def test_alices_lists_do_show_her_objects(client: TestClient, alice: Tenant) -> None:
    """The list check above could pass on empty lists: here they are not empty for Alice."""
    for path, expected in (
        ("/api/v1/bots", alice.ids["bot_id"]),
        ("/api/v1/exchange-keys", alice.ids["key_id"]),
        ("/api/v1/backtests", alice.ids["run_id"]),
        ("/api/v1/orders", alice.ids["order_id"]),
        ("/api/v1/fills", alice.ids["order_id"]),  # the fill of her filled order
        ("/api/v1/trades", alice.ids["trade_id"]),
    ):
        assert expected in client.get(path, headers=alice.user.headers).text, path
    assert "123.45" in client.get("/api/v1/funds/deposits", headers=alice.user.headers).text


def test_bob_cannot_subscribe_to_alices_channels(
    client: TestClient, alice: Tenant, bob: UserHandle
) -> None:
    bot = alice.ids["bot_id"]
    theirs = [f"bots.{bot}.{topic}" for topic in ("status", "orders", "fills")]
    theirs += [f"pnl.{alice.user.id}", f"alerts.{alice.user.id}"]
    token = bob.headers["Authorization"].split(" ", 1)[1]
    with client.websocket_connect("/api/v1/stream") as ws:
        ws.send_json({"type": "auth", "token": token})
        assert ws.receive_json()["type"] == "authenticated"
        ws.send_json({"type": "subscribe", "channels": [*theirs, f"pnl.{bob.id}"]})
        frames: list[dict[str, Any]] = []
        while not frames or frames[-1]["type"] != "subscribed":
            frames.append(ws.receive_json())
    refused = frames[:-1]
    assert [(f["type"], f["code"], f["channel"]) for f in refused] == [
        ("error", "not_found", channel) for channel in theirs
    ]
    assert frames[-1] == {"type": "subscribed", "channels": [f"pnl.{bob.id}"]}
    text = json.dumps(frames)
    assert _leaks(text, alice, {bot, alice.user.id}) == []
