"""Platform risk caps over HTTP (api/routes/platform_risk.py), on SQLite and PostgreSQL.

Covers: everyone reads the caps, only admins change them and read the history; raising a
cap needs a step-up, lowering does not; out-of-range caps are refused with a sentence;
every change is a version with an audit entry holding old and new values; a bot above the
caps is refused at create, update and rollback with a sentence naming the cap and both
values; an update lists the bots above the new caps and rewrites none of them.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from xor_trading.domain.users import Role
from xor_trading.services.audit import list_audit_entries
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

MakeUser = Any
UserHandle = Any

LIMITS = "/api/v1/platform/risk-limits"
BOTS = "/api/v1/bots"
NO_CAPS: dict[str, Any] = {
    "max_position_pct": None,
    "max_risk_per_trade_pct": None,
    "max_leverage": None,
    "daily_loss_limit_pct": None,
    "max_drawdown_pct": None,
    "max_open_positions": None,
    "max_entries_per_day": None,
    "max_order_notional": None,
    "allow_risk_disabled": True,
}
BOT: dict[str, Any] = {
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30},
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
}


def put(client: TestClient, headers: dict[str, str], reason: str = "policy", **caps: Any) -> Any:
    return client.put(LIMITS, json={**NO_CAPS, **caps, "reason": reason}, headers=headers)


def create_bot(client: TestClient, user: UserHandle, name: str, **risk: Any) -> Any:
    return client.post(BOTS, json={**BOT, "name": name, "risk": risk}, headers=user.headers)


def test_anyone_reads_the_caps_and_none_are_set_at_first(
    client: TestClient, make_user: MakeUser
) -> None:
    viewer = make_user(role="viewer")
    response = client.get(LIMITS, headers=viewer.headers)
    assert response.status_code == 200
    assert response.json() == {
        **NO_CAPS,
        "version": 0,
        "created_at": None,
        "created_by": None,
        "reason": "",
    }
    assert client.get(LIMITS).status_code == 401


def test_only_an_admin_changes_the_caps_or_reads_their_history(
    client: TestClient, make_user: MakeUser
) -> None:
    trader = make_user(mfa=True)
    refused = put(client, trader.step_up_headers(), max_leverage="5")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert client.get(f"{LIMITS}/history", headers=trader.headers).status_code == 403
    assert client.get(LIMITS, headers=trader.headers).json()["version"] == 0


def test_lowering_needs_no_step_up_raising_does_and_history_keeps_every_version(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    admin = make_user(role="admin", mfa=True)
    # Setting a cap where there was none lowers the ceiling: no step-up.
    first = put(client, admin.headers, reason="launch", max_leverage="5", max_open_positions=3)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["raised"] == []
    limits = body["limits"]
    assert (limits["version"], limits["max_leverage"], limits["max_open_positions"]) == (1, "5", 3)
    assert (limits["created_by"], limits["reason"]) == (admin.id, "launch")
    lower = put(client, admin.headers, max_leverage="2.5", max_open_positions=3)
    assert lower.status_code == 200, lower.text

    for version, caps, raised in (
        (2, {"max_leverage": "4", "max_open_positions": 3}, ["max_leverage 2.5 -> 4"]),
        (3, {"max_leverage": "2.5"}, ["max_open_positions 3 -> none: no cap"]),
    ):
        plain = put(client, admin.headers, **caps)
        assert plain.status_code == 403, caps
        assert plain.json()["code"] == "mfa_required"
        assert client.get(LIMITS, headers=admin.headers).json()["version"] == version  # unchanged
        stepped = put(client, admin.step_up_headers(), **caps)
        assert stepped.status_code == 200, stepped.text
        assert stepped.json()["raised"] == raised

    forbid = put(client, admin.headers, max_leverage="2.5", allow_risk_disabled=False)
    assert forbid.status_code == 200
    allow = put(client, admin.headers, max_leverage="2.5")
    assert allow.status_code == 403
    assert allow.json()["code"] == "mfa_required"

    same = put(client, admin.step_up_headers(), max_leverage="2.5", allow_risk_disabled=False)
    assert same.status_code == 422
    assert same.json()["message"] == "the update changes nothing: every cap is already as given"

    history = client.get(f"{LIMITS}/history", headers=admin.headers).json()
    assert history["total"] == 5
    assert [(v["version"], v["max_leverage"]) for v in history["items"]] == [
        (5, "2.5"),
        (4, "2.5"),
        (3, "4"),
        (2, "2.5"),
        (1, "5"),
    ]
    page = client.get(f"{LIMITS}/history?limit=2&offset=3", headers=admin.headers).json()
    assert [v["version"] for v in page["items"]] == [2, 1]

    auditor = Principal(user_id="auditor", role=Role.ADMIN)
    entries, total = list_audit_entries(auditor, container, action="platform_risk.update")
    assert total == 5
    third = entries[2]  # newest first: the raise from 2.5 to 4
    assert third.actor_id == admin.id
    assert third.details == {
        "exceeding_bots": 0,
        "new_max_leverage": "4",
        "old_max_leverage": "2.5",
        "reason": "policy",
        "step_up": True,
        "version": 3,
    }


def test_caps_out_of_range_or_incomplete_are_refused_with_a_sentence(
    client: TestClient, make_user: MakeUser
) -> None:
    admin = make_user(role="admin")
    cases: dict[str, tuple[Any, str]] = {
        "max_leverage": (
            "500",
            "platform cap max_leverage (500) is out of range: it must be above 0 and at most "
            "125 (no venue lends more)",
        ),
        "max_open_positions": (
            0,
            "platform cap max_open_positions (0) is out of range: it must be a count from 1 "
            "to 10000",
        ),
        "daily_loss_limit_pct": (
            "100",
            "platform cap daily_loss_limit_pct (100) is out of range: it must be a percent "
            "above 0 and below 100",
        ),
        "max_order_notional": (
            "1e25",
            "platform cap max_order_notional (1E+25) cannot be stored exactly: at most 20 "
            "integer and 18 decimal digits",
        ),
    }
    for field, (value, message) in cases.items():
        response = put(client, admin.headers, **{field: value})
        assert response.status_code == 422, field
        assert response.json()["message"] == message
    missing = client.put(
        LIMITS, json={"max_leverage": "5", "reason": "partial"}, headers=admin.headers
    )
    assert missing.status_code == 422
    extra = put(client, admin.headers, max_leverage="5", max_correlation="0.5")
    assert extra.status_code == 422
    no_reason = put(client, admin.headers, reason="", max_leverage="5")
    assert no_reason.status_code == 422
    assert client.get(LIMITS, headers=admin.headers).json()["version"] == 0


def test_a_bot_above_the_caps_is_refused_at_create_update_and_rollback(
    client: TestClient, make_user: MakeUser
) -> None:
    admin, trader = make_user(role="admin"), make_user(mfa=True)
    old = create_bot(client, trader, "before the caps")  # default risk: leverage 10
    assert old.status_code == 201
    old_id = old.json()["id"]
    tightened = client.patch(
        f"{BOTS}/{old_id}", json={"risk": {"max_leverage": "3"}}, headers=trader.headers
    )
    assert tightened.status_code == 200  # version 2, under the coming caps
    assert put(client, admin.headers, max_leverage="5", max_order_notional="1000").status_code == (
        200
    )

    refused = create_bot(client, trader, "too big", max_leverage="20", max_order_notional="500")
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        "risk.max_leverage (20) exceeds the platform cap max_leverage (5)"
    )
    assert "GET /api/v1/platform/risk-limits" in refused.json()["hint"]
    no_notional = create_bot(client, trader, "no cap", max_leverage="5")
    assert no_notional.status_code == 422
    assert no_notional.json()["message"] == (
        "risk.max_order_notional (none: no cap) exceeds the platform cap max_order_notional (1000)"
    )
    ok = create_bot(client, trader, "fits", max_leverage="5", max_order_notional="1000")
    assert ok.status_code == 201, ok.text
    assert client.get(BOTS, headers=trader.headers).json()["total"] == 2

    update = client.patch(
        f"{BOTS}/{ok.json()['id']}",
        json={"risk": {"max_leverage": "6", "max_order_notional": "2000"}},
        headers=trader.step_up_headers(),  # loosening: stepped up, so the caps refuse it
    )
    assert update.status_code == 422
    assert update.json()["message"] == (
        "risk.max_leverage (6) exceeds the platform cap max_leverage (5); "
        "risk.max_order_notional (2000) exceeds the platform cap max_order_notional (1000)"
    )
    update = client.patch(
        f"{BOTS}/{old_id}",
        json={"risk": {"max_order_notional": "2000"}},  # a tightening: no step-up needed
        headers=trader.headers,
    )
    assert update.status_code == 422
    assert update.json()["message"] == (
        "risk.max_order_notional (2000) exceeds the platform cap max_order_notional (1000)"
    )
    rollback = client.post(f"{BOTS}/{old_id}/versions/1/rollback", headers=trader.step_up_headers())
    assert rollback.status_code == 422
    assert rollback.json()["message"] == (
        "risk.max_leverage (10) exceeds the platform cap max_leverage (5); "
        "risk.max_order_notional (none: no cap) exceeds the platform cap max_order_notional (1000)"
    )
    assert client.get(f"{BOTS}/{old_id}", headers=trader.headers).json()["config_version"] == 2


def test_disabled_risk_limits_are_refused_only_when_the_platform_forbids_them(
    client: TestClient, make_user: MakeUser
) -> None:
    admin, trader = make_user(role="admin"), make_user()
    assert put(client, admin.headers, max_leverage="5").status_code == 200
    allowed = create_bot(client, trader, "off allowed", enabled=False)
    assert allowed.status_code == 201, allowed.text  # the caps do not apply to limits turned off
    assert put(client, admin.headers, max_leverage="5", allow_risk_disabled=False).status_code == (
        200
    )
    refused = create_bot(client, trader, "off refused", enabled=False)
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        "risk limits are turned off (risk.enabled is false), but the platform requires them "
        "(allow_risk_disabled is false)"
    )


def test_an_update_lists_the_bots_above_the_new_caps_and_rewrites_none(
    client: TestClient, make_user: MakeUser
) -> None:
    admin, alice, bob = make_user(role="admin"), make_user(), make_user()
    above = create_bot(client, alice, "default risk").json()  # leverage 10, position 5
    below = create_bot(client, bob, "careful", max_leverage="2", max_position_pct="2").json()
    response = put(client, admin.headers, reason="tighten", max_leverage="4")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["exceeding_total"] == 1
    assert body["exceeding_bots"] == [
        {
            "bot_id": above["id"],
            "owner_id": alice.id,
            "name": "default risk",
            "state": "idle",
            "violations": ["risk.max_leverage (10) exceeds the platform cap max_leverage (4)"],
        }
    ]
    kept = client.get(f"{BOTS}/{above['id']}", headers=alice.headers).json()
    assert (kept["config_version"], kept["config"]["risk"]["max_leverage"]) == (1, "10")
    assert client.get(f"{BOTS}/{below['id']}", headers=bob.headers).json()["config_version"] == 1
    # The owner may still start it (the runtime clamps it), but must fix it to change it.
    assert client.post(f"{BOTS}/{above['id']}/start", headers=alice.headers).status_code == 200
    rename = client.patch(f"{BOTS}/{above['id']}", json={"name": "x"}, headers=alice.headers)
    assert rename.status_code == 422
    assert rename.json()["message"].startswith("risk.max_leverage (10) exceeds")
