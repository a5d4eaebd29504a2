"""Bots over HTTP (api/routes/bots.py), on SQLite and PostgreSQL.

Covers: creation and its 422 sentences, versions and rollback, step-up for going live and
for loosening risk limits, lifecycle commands and history, soft delete, S1 (another user's
bot is 404 on every route), S5 (no mass assignment), RBAC (viewer cannot change) and
"a failed request changes nothing".
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from xor_trading.core.errors import ConflictError
from xor_trading.domain.bot_lifecycle import BotState
from xor_trading.domain.users import Role
from xor_trading.persistence.tables.exchange_credentials import ExchangeCredentialRow
from xor_trading.services.audit import list_audit_entries
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal
from xor_trading.strategy.registry import get_strategy

# The fixtures' types (tests/integration/api/conftest.py; conftest modules are not imported).
MakeUser = Any
UserHandle = Any

BOTS = "/api/v1/bots"
VALID: dict[str, Any] = {
    "name": "btc cross",
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30},
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
}


def create(client: TestClient, user: UserHandle, **changes: Any) -> dict[str, Any]:
    response = client.post(BOTS, json={**VALID, **changes}, headers=user.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def add_credential(container: Container, owner_id: str, exchange: str = "binance") -> str:
    """A stored exchange key row for ``owner_id``. The exchange-keys service owns the real
    rows; only the id, owner and exchange matter here, so every other required column gets
    a placeholder of its type (the row never reaches an exchange)."""
    credential_id = str(uuid.uuid4())
    values: dict[str, Any] = {"id": credential_id, "owner_id": owner_id, "exchange": exchange}
    for column in ExchangeCredentialRow.__table__.columns:
        if column.key in values or column.nullable or column.default is not None:
            continue
        # Custom column types (UtcDateTime) report the python_type of their implementation.
        kind = getattr(column.type, "impl", column.type).python_type
        placeholders: dict[type, Any] = {
            datetime: datetime(2025, 6, 1, tzinfo=UTC),
            bool: False,
            int: 0,
            Decimal: Decimal(0),
            bytes: b"placeholder",
        }
        values[column.key] = placeholders.get(kind, "x")  # "x" fits every String length
    with container.database.session() as session:
        session.execute(insert(ExchangeCredentialRow).values(**values))
    return credential_id


def runtime_moves(container: Container, owner_id: str, bot_id: str, *states: BotState) -> None:
    service = BotService(container)
    for state in states:
        service.record_runtime_transition(owner_id, bot_id, state, reason=f"runtime: {state}")


def versions(client: TestClient, user: UserHandle, bot_id: str) -> dict[str, Any]:
    response = client.get(f"{BOTS}/{bot_id}/versions", headers=user.headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def audit_actions(container: Container, bot_id: str) -> list[str]:
    admin = Principal(user_id="auditor", role=Role.ADMIN)
    entries, _ = list_audit_entries(admin, container, target_id=bot_id, limit=100)
    return [e.action for e in reversed(entries)]  # oldest first


# -- creation ---------------------------------------------------------------------------------


def test_create_stores_the_complete_configuration_as_version_1(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    bot = create(client, user, symbols=["btc/usdt", "ETH/USDT"])
    assert bot["state"] == "idle"
    assert bot["config_version"] == 1
    assert bot["mode"] == "paper"
    assert bot["exchange"] == "binance"
    assert bot["symbols"] == ["BTC/USDT", "ETH/USDT"]  # normalised to the catalog spelling
    assert bot["risk_profile"] == "default"
    config = bot["config"]
    assert config["params"] == {"fast": 10, "slow": 30}
    # Every default written out, Decimals as exact strings.
    assert config["risk"]["max_position_pct"] == "5"
    assert config["risk"]["max_order_notional"] is None
    assert config["sizing"]["mode"] == "fixed_stake"
    assert config["exits"]["enabled"] is False
    assert client.get(f"{BOTS}/{bot['id']}", headers=user.headers).json() == bot
    listed = client.get(BOTS, headers=user.headers).json()
    assert listed["total"] == 1
    assert listed["items"] == [bot]
    assert versions(client, user, bot["id"])["items"][0]["config"] == config
    assert audit_actions(container, bot["id"]) == ["bot.create"]


def test_params_missing_take_the_strategy_defaults(client: TestClient, make_user: MakeUser) -> None:
    user = make_user()
    bot = create(client, user, params={"slow": 50})
    assert bot["config"]["params"] == {"fast": 10, "slow": 50}
    without = {k: v for k, v in VALID.items() if k != "params"} | {"name": "defaults"}
    response = client.post(BOTS, json=without, headers=user.headers)
    assert response.status_code == 201, response.text
    assert response.json()["config"]["params"] == {"fast": 10, "slow": 30}


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [  # (case, body changes, message)
    (
        "params-contradict",
        {"params": {"fast": 40, "slow": 30}},
        "invalid parameter 'parameters' for strategy sma_cross: "
        "Value error, fast (40) must be smaller than slow (30)",
    ),
    (
        "params-unknown",
        {"params": {"speed": 3}},
        "unknown parameter 'speed' for strategy sma_cross",
    ),
    (
        "params-type",
        {"params": {"fast": "quick"}},
        "invalid parameter 'fast' for strategy sma_cross: "
        "Input should be a valid integer, unable to parse string as an integer",
    ),
    ("strategy", {"strategy": "nope"}, "unknown strategy 'nope'"),
    ("symbol", {"symbols": ["ETH/USDX"]}, "symbol 'ETH/USDX' is not listed on binance"),
    ("symbol-twice", {"symbols": ["BTC/USDT", "btc/usdt"]}, "symbol BTC/USDT is given twice"),
    ("tf", {"timeframe": "7m"}, "timeframe '7m' is not offered by the exchange"),
    ("tf-garbage", {"timeframe": "hourly"}, "unknown timeframe 'hourly'"),
    (
        "risk-contradiction",
        {"risk": {"max_risk_per_trade_pct": 3, "max_position_pct": 2}},
        "max_risk_per_trade_pct (3) cannot exceed max_position_pct (2): "
        "a trade cannot risk more than the position it opens",
    ),
    (
        "risk-absurd",
        {"risk": {"max_leverage": -1}},
        "max_leverage (-1) is out of range: it must be above 0 and at most 125 "
        "(no venue lends more)",
    ),
    ("sizing", {"sizing": {"risk_pct": 0}}, "sizing.risk_pct: Input should be greater than 0"),
    (
        "exits",
        {"exits": {"take_profit": [["1", "60"]]}},
        "exits: Value error, take-profit shares must add up to 100 %, not 60",
    ),
    ("exch", {"exchange": "kraken"}, "unknown exchange 'kraken': no market catalog for it"),
    (
        "live-without-key",
        {"mode": "live"},
        "a live bot needs exchange_credential_id: the key it trades with",
    ),
    ("name", {"name": "tab\there"}, "bot name contains control characters"),
]


def test_create_refuses_bad_configuration_with_a_sentence_and_creates_nothing(
    client: TestClient, make_user: MakeUser
) -> None:
    # One test over every case (not parametrised): each case is one cheap request, and a
    # fresh database per case would cost more than all the requests together.
    user = make_user()
    for case, changes, message in BAD_INPUT:
        response = client.post(BOTS, json={**VALID, **changes}, headers=user.headers)
        assert response.status_code == 422, (case, response.text)
        assert response.json()["message"] == message, case
        assert response.json()["hint"], case
    assert client.get(BOTS, headers=user.headers).json()["total"] == 0


def test_unknown_symbol_hint_lists_known_symbols(client: TestClient, make_user: MakeUser) -> None:
    user = make_user()
    response = client.post(BOTS, json={**VALID, "symbols": ["ETH/USDX"]}, headers=user.headers)
    assert response.json()["hint"] == (
        "use CCXT spelling BASE/QUOTE; listed symbols include BTC/USDT, ETH/USDT, BNB/USDT, "
        "SOL/USDT, XRP/USDT (9 in all)"
    )


def test_duplicate_name_is_409_but_another_users_name_is_free(
    client: TestClient, make_user: MakeUser
) -> None:
    alice, bob = make_user(), make_user()
    create(client, alice)
    response = client.post(BOTS, json=VALID, headers=alice.headers)
    assert response.status_code == 409
    assert response.json()["message"] == "you already have a bot called 'btc cross'"
    create(client, bob)  # names are per owner


def test_server_fields_in_a_body_are_422_and_change_nothing(
    client: TestClient, make_user: MakeUser
) -> None:
    """S5: mass assignment is refused, on create and on update."""
    alice, bob = make_user(), make_user()
    bot = create(client, alice)
    for field in ("owner_id", "id", "state", "config_version", "created_at", "deleted_at"):
        response = client.post(
            BOTS, json={**VALID, "name": "x", field: bob.id}, headers=alice.headers
        )
        assert response.status_code == 422, field
        assert response.json()["code"] == "invalid_request"
        assert response.json()["details"][0]["field"] == field
        response = client.patch(f"{BOTS}/{bot['id']}", json={field: bob.id}, headers=alice.headers)
        assert response.status_code == 422, field
        assert response.json()["details"][0]["field"] == field
    assert client.get(BOTS, headers=alice.headers).json()["items"] == [bot]
    assert client.get(BOTS, headers=bob.headers).json()["total"] == 0
    assert versions(client, alice, bot["id"])["total"] == 1


# -- versions and rollback --------------------------------------------------------------------


def test_updates_add_versions_and_rollback_restores_the_exact_configuration(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    v1 = create(client, user)
    bot_id = v1["id"]
    url = f"{BOTS}/{bot_id}"

    v2 = client.patch(url, json={"params": {"fast": 5}, "reason": "faster"}, headers=user.headers)
    assert v2.status_code == 200, v2.text
    assert v2.json()["config_version"] == 2
    assert v2.json()["config"]["params"] == {"fast": 5, "slow": 30}  # merged key by key

    v3 = client.patch(
        url,
        json={"symbols": ["ETH/USDT"], "timeframe": "4h", "exits": {"enabled": True}},
        headers=user.headers,
    ).json()
    assert v3["config_version"] == 3
    assert v3["symbols"] == ["ETH/USDT"]
    assert v3["timeframe"] == "4h"
    assert v3["config"]["exits"]["enabled"] is True
    assert v3["config"]["exits"]["stop_pct"] == "2"  # untouched keys of a section kept

    listing = versions(client, user, bot_id)
    assert listing["total"] == 3
    assert [v["version"] for v in listing["items"]] == [3, 2, 1]
    assert [v["reason"] for v in listing["items"]] == ["updated", "faster", "created"]
    assert {v["created_by"] for v in listing["items"]} == {user.id}

    first = client.get(f"{url}/versions/1", headers=user.headers).json()
    assert first["config"] == v1["config"]

    diff = client.get(f"{url}/versions/2/diff", params={"against": 1}, headers=user.headers)
    assert diff.json() == {
        "bot_id": bot_id,
        "version": 2,
        "against": 1,
        "changes": [{"key": "params.fast", "old": 10, "new": 5}],
    }

    rolled = client.post(f"{url}/versions/1/rollback", headers=user.headers)
    assert rolled.status_code == 200, rolled.text
    v4 = rolled.json()
    assert v4["config_version"] == 4
    assert v4["config"] == v1["config"]
    assert (v4["symbols"], v4["timeframe"], v4["risk_profile"]) == (["BTC/USDT"], "1h", "default")
    latest = client.get(f"{url}/versions/4", headers=user.headers).json()
    assert latest["reason"] == "rollback to version 1"
    assert latest["config"] == v1["config"]
    assert (
        client.get(f"{url}/versions/4/diff?against=1", headers=user.headers).json()["changes"] == []
    )
    assert audit_actions(container, bot_id) == [
        "bot.create",
        "bot.update",
        "bot.update",
        "bot.rollback",
    ]


def test_missing_version_is_404(client: TestClient, make_user: MakeUser) -> None:
    user = make_user()
    bot = create(client, user)
    for path in ("/versions/2", "/versions/2/diff?against=1", "/versions/1/diff?against=9"):
        response = client.get(f"{BOTS}/{bot['id']}{path}", headers=user.headers)
        assert response.status_code == 404, path
    response = client.post(f"{BOTS}/{bot['id']}/versions/7/rollback", headers=user.headers)
    assert response.status_code == 404
    assert response.json()["message"] == f"bot {bot['id']} has no configuration version 7"
    assert versions(client, user, bot["id"])["total"] == 1


def test_changing_strategy_starts_params_afresh(client: TestClient, make_user: MakeUser) -> None:
    user = make_user()
    bot = create(client, user)
    response = client.patch(
        f"{BOTS}/{bot['id']}", json={"strategy": "trend_following"}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["strategy"] == "trend_following"
    defaults = get_strategy("trend_following").config_class().model_dump(mode="json")
    assert response.json()["config"]["params"] == defaults
    # Parameters of the old strategy are not carried over: they would be refused.
    mixed = client.patch(
        f"{BOTS}/{bot['id']}",
        json={"strategy": "sma_cross", "params": {"fast": 3}},
        headers=user.headers,
    )
    assert mixed.json()["config"]["params"] == {"fast": 3, "slow": 30}


FAILED_UPDATES: list[tuple[dict[str, Any], int, str | None]] = [
    ({"symbols": ["ETH/USDX"]}, 422, "symbol 'ETH/USDX' is not listed on binance"),
    ({"params": {"slow": 5}}, 422, None),  # fast (10) would not be below slow
    ({"risk": {"max_drawdown_pct": 1}}, 422, None),  # below the daily loss limit
    ({"name": "taken"}, 409, "you already have a bot called 'taken'"),
    ({}, 422, "the update changes nothing"),
    ({"name": None}, 422, "name: Input should be a valid string"),
    ({"mode": "live"}, 422, "a live bot needs exchange_credential_id: the key it trades with"),
]


def test_failed_update_changes_nothing(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    create(client, user, name="taken")
    bot = create(client, user)
    for body, status, message in FAILED_UPDATES:
        response = client.patch(f"{BOTS}/{bot['id']}", json=body, headers=user.headers)
        assert response.status_code == status, (body, response.text)
        if message is not None:
            assert response.json()["message"] == message
    assert client.get(f"{BOTS}/{bot['id']}", headers=user.headers).json() == bot
    assert versions(client, user, bot["id"])["total"] == 1
    assert audit_actions(container, bot["id"]) == ["bot.create"]


def test_rename_is_a_version_and_frees_nothing_else(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user()
    bot = create(client, user)
    renamed = client.patch(f"{BOTS}/{bot['id']}", json={"name": "eth"}, headers=user.headers)
    assert renamed.json()["name"] == "eth"
    assert renamed.json()["config"]["name"] == "eth"
    assert renamed.json()["config_version"] == 2
    create(client, user)  # the old name is free again


# -- step-up ----------------------------------------------------------------------------------


def test_going_live_needs_a_fresh_mfa_verification(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user(mfa=True)
    key = add_credential(container, user.id)
    bot = create(client, user, exchange_credential_id=key)
    url = f"{BOTS}/{bot['id']}"

    refused = client.patch(url, json={"mode": "live"}, headers=user.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    unchanged = client.get(url, headers=user.headers).json()
    assert (unchanged["mode"], unchanged["config_version"]) == ("paper", 1)

    allowed = client.patch(url, json={"mode": "live"}, headers=user.step_up_headers())
    assert allowed.status_code == 200, allowed.text
    assert (allowed.json()["mode"], allowed.json()["config_version"]) == ("live", 2)

    # Already live: an unrelated change needs no step-up.
    renamed = client.patch(url, json={"name": "live one"}, headers=user.headers)
    assert renamed.status_code == 200, renamed.text


def test_a_step_up_older_than_the_window_is_refused(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user(mfa=True)
    key = add_credential(container, user.id)
    bot = create(client, user, exchange_credential_id=key)
    stale = user.access_headers(mfa_at_ms=container.clock.now_ms() - 3600_000)
    response = client.patch(f"{BOTS}/{bot['id']}", json={"mode": "live"}, headers=stale)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_creating_a_live_bot_needs_step_up_and_mfa(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    with_mfa, without_mfa = make_user(mfa=True), make_user()
    for user in (with_mfa, without_mfa):
        key = add_credential(container, user.id)
        body = {**VALID, "mode": "live", "exchange_credential_id": key}
        response = client.post(BOTS, json=body, headers=user.headers)
        assert response.status_code == 403
        assert response.json()["code"] == "mfa_required"
        assert client.get(BOTS, headers=user.headers).json()["total"] == 0
    key = add_credential(container, with_mfa.id)
    body = {**VALID, "mode": "live", "exchange_credential_id": key}
    response = client.post(BOTS, json=body, headers=with_mfa.step_up_headers())
    assert response.status_code == 201, response.text
    assert response.json()["mode"] == "live"
    assert response.json()["exchange_credential_id"] == key


def test_another_users_key_or_a_key_of_another_exchange_is_refused(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob = make_user(mfa=True), make_user(mfa=True)
    bobs_key = add_credential(container, bob.id)
    body = {**VALID, "mode": "live", "exchange_credential_id": bobs_key}
    response = client.post(BOTS, json=body, headers=alice.step_up_headers())
    assert response.status_code == 404
    assert response.json()["message"] == f"exchange key {bobs_key} not found"
    missing = str(uuid.uuid4())
    response = client.post(
        BOTS, json={**body, "exchange_credential_id": missing}, headers=alice.step_up_headers()
    )
    assert response.json()["message"] == f"exchange key {missing} not found"  # same answer

    kraken_key = add_credential(container, alice.id, exchange="kraken")
    response = client.post(
        BOTS, json={**body, "exchange_credential_id": kraken_key}, headers=alice.step_up_headers()
    )
    assert response.status_code == 422
    assert response.json()["message"] == (
        f"exchange key {kraken_key} is for kraken, but the bot trades on binance"
    )
    assert client.get(BOTS, headers=alice.headers).json()["total"] == 0


LOOSER_RISK: list[dict[str, Any]] = [
    {"max_leverage": 20},
    {"max_position_pct": 6},
    {"max_risk_per_trade_pct": 3},
    {"daily_loss_limit_pct": 4},
    {"max_drawdown_pct": 15},
    {"max_open_positions": 6},
    {"max_entries_per_day": 11},
    {"max_correlation": 0.8},
    {"max_positions_per_cluster": 3},
    {"stop_loss_streak": 4},
    {"cooldown_minutes": 60},
    {"enabled": False},
]


def test_loosening_any_risk_limit_needs_step_up(client: TestClient, make_user: MakeUser) -> None:
    user = make_user(mfa=True)
    bot = create(client, user)
    url = f"{BOTS}/{bot['id']}"
    version = 1
    for risk in LOOSER_RISK:
        refused = client.patch(url, json={"risk": risk}, headers=user.headers)
        assert refused.status_code == 403, (risk, refused.text)
        assert refused.json()["code"] == "mfa_required"
        assert client.get(url, headers=user.headers).json()["config_version"] == version
        allowed = client.patch(url, json={"risk": risk}, headers=user.step_up_headers())
        assert allowed.status_code == 200, (risk, allowed.text)
        version += 1
        assert allowed.json()["config_version"] == version
        # Back to the defaults (tightening needs no step-up) for the next case.
        back = client.patch(url, json={"risk": bot["config"]["risk"]}, headers=user.headers)
        assert back.status_code == 200, (risk, back.text)
        version += 1
        assert back.json()["risk_profile"] == "default"


def test_tightening_risk_needs_no_step_up(client: TestClient, make_user: MakeUser) -> None:
    user = make_user()  # no MFA at all
    bot = create(client, user)
    response = client.patch(
        f"{BOTS}/{bot['id']}",
        json={
            "risk": {
                "max_leverage": 5,
                "max_position_pct": 4,
                "max_drawdown_pct": 8,
                "cooldown_minutes": 600,
                "max_order_notional": "1000",
            }
        },
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    risk = response.json()["config"]["risk"]
    assert (risk["max_leverage"], risk["max_order_notional"]) == ("5", "1000")
    # Removing the notional cap again loosens it.
    again = client.patch(
        f"{BOTS}/{bot['id']}", json={"risk": {"max_order_notional": None}}, headers=user.headers
    )
    assert again.status_code == 403
    assert again.json()["code"] == "mfa_required"


def test_rollback_that_loosens_risk_needs_step_up(client: TestClient, make_user: MakeUser) -> None:
    user = make_user(mfa=True)
    bot = create(client, user)
    url = f"{BOTS}/{bot['id']}"
    lowered = client.patch(url, json={"risk": {"max_leverage": 5}}, headers=user.headers)
    assert lowered.status_code == 200
    refused = client.post(f"{url}/versions/1/rollback", headers=user.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    assert versions(client, user, bot["id"])["total"] == 2
    allowed = client.post(f"{url}/versions/1/rollback", headers=user.step_up_headers())
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["config"]["risk"]["max_leverage"] == "10"
    assert allowed.json()["config_version"] == 3


# -- lifecycle --------------------------------------------------------------------------------


def test_lifecycle_commands_history_and_delete(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    bot = create(client, user)
    bot_id = bot["id"]
    url = f"{BOTS}/{bot_id}"

    def post(command: str, **body: str) -> Any:
        return client.post(f"{url}/{command}", json=body or None, headers=user.headers)

    for refused in ("stop", "pause", "resume"):
        response = post(refused)
        assert response.status_code == 409, refused
        assert response.json()["code"] == "conflict"
        assert response.json()["message"].startswith(f"cannot {refused} a bot that is idle;")

    assert post("start").json()["state"] == "starting"
    again = post("start")
    assert again.status_code == 409
    assert again.json()["message"] == (
        "cannot start a bot that is starting; start applies to a bot that is: idle, stopped"
    )
    assert post("pause", reason="news at 14:30").json()["state"] == "paused"
    assert post("resume").json()["state"] == "starting"
    runtime_moves(container, user.id, bot_id, BotState.MONITORING, BotState.SIGNAL_DETECTED)
    assert client.get(url, headers=user.headers).json()["state"] == "signal_detected"

    refused_delete = client.delete(url, headers=user.headers)
    assert refused_delete.status_code == 409
    assert refused_delete.json()["message"] == (
        f"bot {bot_id} is signal_detected; only an idle or stopped bot can be deleted"
    )
    assert post("stop").json()["state"] == "stopped"

    history = client.get(f"{url}/state-history", headers=user.headers).json()
    assert history["total"] == 6
    assert [
        (h["sequence"], h["from_state"], h["to_state"], h["actor_id"]) for h in history["items"]
    ] == [
        (6, "signal_detected", "stopped", user.id),
        (5, "monitoring", "signal_detected", None),
        (4, "starting", "monitoring", None),
        (3, "paused", "starting", user.id),
        (2, "starting", "paused", user.id),
        (1, "idle", "starting", user.id),
    ]
    assert [h["reason"] for h in history["items"]][::-1] == [
        "start requested",
        "news at 14:30",
        "resume requested",
        "runtime: monitoring",
        "runtime: signal_detected",
        "stop requested",
    ]
    page = client.get(f"{url}/state-history?limit=2&offset=1", headers=user.headers).json()
    assert [h["sequence"] for h in page["items"]] == [5, 4]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 1)

    deleted = client.delete(url, headers=user.headers)
    assert deleted.status_code == 200
    assert client.get(url, headers=user.headers).status_code == 404
    assert client.get(BOTS, headers=user.headers).json()["total"] == 0
    assert audit_actions(container, bot_id) == [
        "bot.create",
        "bot.start",
        "bot.pause",
        "bot.resume",
        "bot.stop",
        "bot.delete",
    ]


def test_runtime_transition_outside_the_table_is_refused(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    bot = create(client, user)
    with pytest.raises(ConflictError, match="a bot in state idle cannot move to monitoring"):
        runtime_moves(container, user.id, bot["id"], BotState.MONITORING)
    history = client.get(f"{BOTS}/{bot['id']}/state-history", headers=user.headers).json()
    assert history["total"] == 0


def test_halted_bot_must_be_stopped_before_it_starts_again(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    bot = create(client, user)
    url = f"{BOTS}/{bot['id']}"
    client.post(f"{url}/start", headers=user.headers)
    runtime_moves(container, user.id, bot["id"], BotState.MONITORING, BotState.HALTED)
    for refused in ("start", "pause", "resume"):
        assert client.post(f"{url}/{refused}", headers=user.headers).status_code == 409
    assert client.delete(url, headers=user.headers).status_code == 409
    assert client.post(f"{url}/stop", headers=user.headers).json()["state"] == "stopped"
    assert client.post(f"{url}/start", headers=user.headers).json()["state"] == "starting"


# -- who may do what --------------------------------------------------------------------------


def _bot_routes(bot_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    url = f"{BOTS}/{bot_id}"
    return [
        ("GET", url, None),
        ("PATCH", url, {"name": "mine now"}),
        ("DELETE", url, None),
        ("POST", f"{url}/start", None),
        ("POST", f"{url}/stop", None),
        ("POST", f"{url}/pause", None),
        ("POST", f"{url}/resume", None),
        ("GET", f"{url}/versions", None),
        ("GET", f"{url}/versions/1", None),
        ("GET", f"{url}/versions/2/diff?against=1", None),
        ("POST", f"{url}/versions/1/rollback", None),
        ("GET", f"{url}/state-history", None),
    ]


def test_another_user_gets_404_on_every_bot_route(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    """S1: no route reveals, reads or changes another user's bot, and the answer is the
    same as for an id that does not exist."""
    alice, mallory = make_user(), make_user(role="admin")
    bot = create(client, alice)
    client.patch(f"{BOTS}/{bot['id']}", json={"params": {"fast": 5}}, headers=alice.headers)
    before = client.get(f"{BOTS}/{bot['id']}", headers=alice.headers).json()
    missing = str(uuid.uuid4())
    routes = _bot_routes(bot["id"])
    assert len(routes) == 12
    for (method, path, body), (_, missing_path, _) in zip(
        routes, _bot_routes(missing), strict=True
    ):
        response = client.request(method, path, json=body, headers=mallory.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "not_found"
        assert bot["name"] not in response.text
        other = client.request(method, missing_path, json=body, headers=mallory.headers)
        assert response.json()["message"].replace(bot["id"], "X") == other.json()[
            "message"
        ].replace(missing, "X"), (method, path)
    assert client.get(BOTS, headers=mallory.headers).json()["total"] == 0
    assert client.get(f"{BOTS}/{bot['id']}", headers=alice.headers).json() == before
    assert versions(client, alice, bot["id"])["total"] == 2


def test_viewer_reads_but_cannot_change(client: TestClient, make_user: MakeUser) -> None:
    viewer = make_user(role="viewer")
    assert client.get(BOTS, headers=viewer.headers).status_code == 200
    response = client.post(BOTS, json=VALID, headers=viewer.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert client.get(BOTS, headers=viewer.headers).json()["total"] == 0
    missing = str(uuid.uuid4())
    for method, path, body in _bot_routes(missing):
        response = client.request(method, path, json=body, headers=viewer.headers)
        expected = 404 if method == "GET" else 403  # reads find nothing; changes are refused
        assert response.status_code == expected, (method, path)


def test_anonymous_is_401(client: TestClient) -> None:
    assert client.get(BOTS).status_code == 401
    assert client.post(BOTS, json=VALID).status_code == 401


def test_list_filters_sorts_and_pages(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    a = create(client, user, name="a")
    container.clock.advance(1000)  # type: ignore[attr-defined]
    b = create(client, user, name="b", strategy="trend_following", params={})
    container.clock.advance(1000)  # type: ignore[attr-defined]
    c = create(client, user, name="c")
    client.post(f"{BOTS}/{c['id']}/start", headers=user.headers)

    def names(**params: Any) -> tuple[list[str], int]:
        body = client.get(BOTS, params=params, headers=user.headers).json()
        return [i["name"] for i in body["items"]], body["total"]

    assert names() == (["a", "b", "c"], 3)
    assert names(sort="name", direction="desc") == (["c", "b", "a"], 3)
    assert names(limit=1, offset=1) == (["b"], 3)
    assert names(strategy="sma_cross") == (["a", "c"], 2)
    assert names(state="starting") == (["c"], 1)
    assert names(mode="live") == ([], 0)
    assert {a["id"], b["id"]} < {
        i["id"] for i in client.get(BOTS, headers=user.headers).json()["items"]
    }
    assert client.get(BOTS, params={"limit": 501}, headers=user.headers).status_code == 422
    assert client.get(BOTS, params={"sort": "owner_id"}, headers=user.headers).status_code == 422
