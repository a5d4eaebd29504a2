"""Kill switches over HTTP and from the console (api/routes/kill_switch.py,
cli/kill_switch_commands.py), on SQLite and PostgreSQL.

Covers: each scope halts exactly the running bots it covers (state history, risk events,
stream), stopped and idle bots and other accounts are untouched; starting or resuming is
refused while a covering switch is engaged; re-arming needs a step-up and restarts
nothing; who may engage and re-arm what (403 for global, 404 for another user's bot or
account); visibility of lists; audit entries; the CLI as the system actor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from xor_trading.cli.main import app as cli_app
from xor_trading.core.clock import TestClock
from xor_trading.domain.bot_lifecycle import BotState
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database
from xor_trading.services.audit import list_audit_entries
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import Container
from xor_trading.services.kill_switch_service import is_trading_allowed
from xor_trading.services.principal import Principal

MakeUser = Any
UserHandle = Any

BOTS = "/api/v1/bots"
KILL = "/api/v1/kill-switch"
RISK_EVENTS = "/api/v1/risk-events"
VALID: dict[str, Any] = {
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30},
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
}
# How each state is reached: user commands, then runtime transitions.
_PATHS: dict[str, tuple[tuple[str, ...], tuple[BotState, ...]]] = {
    "idle": ((), ()),
    "starting": (("start",), ()),
    "monitoring": (("start",), (BotState.MONITORING,)),
    "position_open": (
        ("start",),
        (BotState.MONITORING, BotState.SIGNAL_DETECTED, BotState.POSITION_OPEN),
    ),
    "paused": (("start", "pause"), ()),
    "stopped": (("start", "stop"), ()),
}


def bot_in(
    client: TestClient, container: Container, user: UserHandle, state: str, name: str = ""
) -> str:
    """A new bot of ``user`` brought to ``state``; returns its id."""
    response = client.post(
        BOTS, json={**VALID, "name": name or f"bot {state}"}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    bot_id: str = response.json()["id"]
    commands, moves = _PATHS[state]
    for command in commands:
        moved = client.post(f"{BOTS}/{bot_id}/{command}", headers=user.headers)
        assert moved.status_code == 200, moved.text
    for target in moves:
        BotService(container).record_runtime_transition(user.id, bot_id, target, reason="runtime")
    assert state_of(client, user, bot_id) == state
    return bot_id


def state_of(client: TestClient, user: UserHandle, bot_id: str) -> str:
    state: str = client.get(f"{BOTS}/{bot_id}", headers=user.headers).json()["state"]
    return state


def last_change(client: TestClient, user: UserHandle, bot_id: str) -> dict[str, Any]:
    history = client.get(f"{BOTS}/{bot_id}/state-history", headers=user.headers).json()
    latest: dict[str, Any] = history["items"][0]
    return latest


def engage(client: TestClient, user: UserHandle, **body: Any) -> Any:
    return client.post(KILL, json=body, headers=user.headers)


def kill_events(client: TestClient, user: UserHandle, kind: str) -> list[dict[str, Any]]:
    page = client.get(RISK_EVENTS, params={"kind": kind, "sort": "at"}, headers=user.headers)
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def audit_of(container: Container, switch_id: str) -> list[tuple[str, str | None, Any]]:
    admin = Principal(user_id="auditor", role=Role.ADMIN)
    entries, _ = list_audit_entries(admin, container, target_id=switch_id, limit=100)
    return [(e.action, e.actor_id, e.details) for e in reversed(entries)]


@pytest.fixture
def published(container: Container, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every message the services publish on the stream, in order."""
    sent: list[tuple[str, Any]] = []
    monkeypatch.setattr(container.stream, "publish", lambda ch, msg: sent.append((ch, msg)))
    return sent


# -- each scope -----------------------------------------------------------------------------


def test_bot_switch_halts_that_bot_only_and_blocks_its_start(
    client: TestClient,
    make_user: MakeUser,
    container: Container,
    published: list[tuple[str, Any]],
) -> None:
    user = make_user()
    target = bot_in(client, container, user, "position_open", "target")
    other = bot_in(client, container, user, "monitoring", "other")
    published.clear()  # the moves above published too

    response = engage(client, user, scope="bot", target=target, reason="runaway orders")
    assert response.status_code == 201, response.text
    body = response.json()
    switch = body["switch"]
    assert body["newly_engaged"] is True
    assert body["halted_bot_ids"] == [target]
    assert (switch["scope"], switch["target_id"], switch["owner_id"]) == ("bot", target, user.id)
    assert (switch["engaged"], switch["engaged_by"], switch["halted_bots"]) == (True, user.id, 1)
    assert switch["flatten"] is False

    assert state_of(client, user, target) == "halted"
    assert state_of(client, user, other) == "monitoring"
    change = last_change(client, user, target)
    note = f"kill switch (bot) by {user.email}: runaway orders"
    assert (change["from_state"], change["to_state"]) == ("position_open", "halted")
    assert (change["reason"], change["actor_id"]) == (note, user.id)

    [event] = kill_events(client, user, "kill_switch_engaged")
    assert (event["bot_id"], event["rule"], event["sentence"]) == (target, "kill_switch", note)
    assert event["details"]["switch_id"] == switch["id"]
    assert event["details"]["from_state"] == "position_open"

    status_messages = [m for ch, m in published if ch == f"bots.{target}.status"]
    assert [(m["state"], m["reason"]) for m in status_messages] == [("halted", note)]
    alerts = [m for ch, m in published if ch == f"alerts.{user.id}"]
    assert [(m["level"], m["message"]) for m in alerts] == [
        ("critical", f"{note} (1 of your bots halted)")
    ]

    # Stopping is always allowed; starting again is refused, naming the switch.
    assert client.post(f"{BOTS}/{target}/stop", headers=user.headers).status_code == 200
    refused = client.post(f"{BOTS}/{target}/start", headers=user.headers)
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        f"bot {target} cannot start while the bot kill switch {switch['id']} is engaged since "
        "2025-06-01T00:00:00Z: runaway orders"
    )
    assert f"/api/v1/kill-switch/{switch['id']}/rearm" in refused.json()["hint"]
    assert state_of(client, user, target) == "stopped"  # the refused start changed nothing
    # The other bot is not covered: it pauses and resumes freely.
    assert client.post(f"{BOTS}/{other}/pause", headers=user.headers).status_code == 200
    assert client.post(f"{BOTS}/{other}/resume", headers=user.headers).status_code == 200


def test_account_switch_halts_every_running_bot_of_the_account_and_nothing_else(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user, neighbour = make_user(), make_user()
    running = {s: bot_in(client, container, user, s) for s in _PATHS}
    theirs = bot_in(client, container, neighbour, "monitoring")

    response = engage(client, user, scope="account", reason="going on holiday", flatten=True)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["switch"]["target_id"], body["switch"]["flatten"]) == (user.id, True)
    halted = {"starting", "monitoring", "position_open", "paused"}
    assert sorted(body["halted_bot_ids"]) == sorted(running[s] for s in halted)
    for state, bot_id in running.items():
        assert state_of(client, user, bot_id) == ("halted" if state in halted else state)
    assert state_of(client, neighbour, theirs) == "monitoring"

    events = kill_events(client, user, "kill_switch_engaged")
    assert sorted(e["bot_id"] for e in events) == sorted(running[s] for s in halted)
    assert kill_events(client, neighbour, "kill_switch_engaged") == []

    # Neither the idle nor the stopped bot may start; the paused one was halted.
    for state in ("idle", "stopped"):
        refused = client.post(f"{BOTS}/{running[state]}/start", headers=user.headers)
        assert refused.status_code == 409
        assert "the account kill switch" in refused.json()["message"]
    assert client.post(f"{BOTS}/{theirs}/pause", headers=neighbour.headers).status_code == 200
    assert client.post(f"{BOTS}/{theirs}/resume", headers=neighbour.headers).status_code == 200


def test_account_switch_with_nothing_running_still_records_one_event(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user()
    idle = bot_in(client, container, user, "idle")
    response = engage(client, user, scope="account", target=user.id, reason="precaution")
    assert response.status_code == 201
    assert response.json()["halted_bot_ids"] == []
    [event] = kill_events(client, user, "kill_switch_engaged")
    assert event["bot_id"] is None
    assert event["sentence"] == f"kill switch (account) by {user.email}: precaution"
    assert state_of(client, user, idle) == "idle"


def test_global_switch_halts_every_account_and_blocks_every_start(
    client: TestClient,
    make_user: MakeUser,
    container: Container,
    published: list[tuple[str, Any]],
) -> None:
    admin, alice, bob = make_user(role="admin"), make_user(), make_user()
    a_running = bot_in(client, container, alice, "monitoring")
    a_stopped = bot_in(client, container, alice, "stopped")
    b_running = bot_in(client, container, bob, "paused")
    published.clear()

    response = engage(client, admin, scope="global", reason="exchange outage")
    assert response.status_code == 201, response.text
    switch = response.json()["switch"]
    assert (switch["scope"], switch["target_id"], switch["owner_id"]) == ("global", None, None)
    assert sorted(response.json()["halted_bot_ids"]) == sorted([a_running, b_running])
    assert state_of(client, alice, a_running) == "halted"
    assert state_of(client, alice, a_stopped) == "stopped"
    assert state_of(client, bob, b_running) == "halted"
    note = f"kill switch (global) by {admin.email}: exchange outage"
    assert last_change(client, bob, b_running)["reason"] == note
    assert last_change(client, bob, b_running)["actor_id"] == admin.id
    assert [e["bot_id"] for e in kill_events(client, bob, "kill_switch_engaged")] == [b_running]

    # Everyone is told, including users with nothing halted.
    alerts = {ch: m["message"] for ch, m in published if ch.startswith("alerts.")}
    assert alerts == {
        f"alerts.{admin.id}": f"{note} (0 of your bots halted)",
        f"alerts.{alice.id}": f"{note} (1 of your bots halted)",
        f"alerts.{bob.id}": f"{note} (1 of your bots halted)",
    }

    refused = client.post(f"{BOTS}/{a_stopped}/start", headers=alice.headers)
    assert refused.status_code == 409
    assert refused.json()["message"].startswith(
        f"bot {a_stopped} cannot start while the global kill switch {switch['id']} is engaged"
    )
    assert "an administrator re-arms it" in refused.json()["hint"]
    with container.database.read_session() as session:
        allowed, why = is_trading_allowed(session, alice.id, a_stopped)
    assert allowed is False
    assert why == (
        f"the global kill switch {switch['id']} is engaged since 2025-06-01T00:00:00Z: "
        "exchange outage; no new orders until it is re-armed"
    )


def test_engaging_again_keeps_the_switch_and_a_flatten_once_asked(
    client: TestClient, make_user: MakeUser, container: Container, clock: TestClock
) -> None:
    user = make_user()
    first = engage(client, user, scope="account", reason="first", flatten=True).json()
    clock.advance(60_000)
    again = engage(client, user, scope="account", reason="second")
    assert again.status_code == 200
    body = again.json()
    assert body["newly_engaged"] is False
    assert body["switch"]["id"] == first["switch"]["id"]
    assert body["switch"]["engaged_at"] == first["switch"]["engaged_at"]
    assert (body["switch"]["reason"], body["switch"]["flatten"]) == ("second", True)
    listed = client.get(KILL, params={"engaged": True}, headers=user.headers).json()
    assert listed["total"] == 1
    assert [a for a, _, _ in audit_of(container, first["switch"]["id"])] == [
        "kill_switch.engage",
        "kill_switch.engage",
    ]


# -- re-arming ------------------------------------------------------------------------------


def test_rearm_needs_step_up_and_restarts_nothing(
    client: TestClient, make_user: MakeUser, container: Container, clock: TestClock
) -> None:
    user = make_user(mfa=True)
    running = bot_in(client, container, user, "monitoring")
    idle = bot_in(client, container, user, "idle")
    switch_id = engage(client, user, scope="account", reason="pause all").json()["switch"]["id"]
    url = f"{KILL}/{switch_id}/rearm"

    plain = client.post(url, json={"reason": "all clear"}, headers=user.headers)
    assert plain.status_code == 403
    assert plain.json()["code"] == "mfa_required"
    assert client.get(f"{KILL}/{switch_id}", headers=user.headers).json()["engaged"] is True

    stepped = user.step_up_headers()
    rearmed = client.post(url, json={"reason": "all clear"}, headers=stepped)
    assert rearmed.status_code == 200, rearmed.text
    view = rearmed.json()
    assert (view["engaged"], view["rearmed_by"], view["rearm_reason"]) == (
        False,
        user.id,
        "all clear",
    )
    assert view["rearmed_at"] is not None
    # Nothing restarts by itself; the owner stops and starts the halted bot.
    assert state_of(client, user, running) == "halted"
    assert client.post(f"{BOTS}/{idle}/start", headers=user.headers).status_code == 200
    assert client.post(f"{BOTS}/{running}/stop", headers=user.headers).status_code == 200
    assert client.post(f"{BOTS}/{running}/start", headers=user.headers).status_code == 200

    [event] = kill_events(client, user, "kill_switch_rearmed")
    assert event["sentence"].startswith(f"kill switch (account) re-armed by {user.email}: all")
    again = client.post(url, json={"reason": "twice"}, headers=stepped)
    assert again.status_code == 409
    assert again.json()["message"].startswith(f"kill switch {switch_id} was already re-armed")
    # The account can be stopped again: a new switch, the old one stays as history.
    clock.advance(1_000)
    assert engage(client, user, scope="account", reason="again").status_code == 201
    history = client.get(KILL, headers=user.headers).json()
    assert [s["engaged"] for s in history["items"]] == [True, False]

    assert [(a, actor, d.get("actor")) for a, actor, d in audit_of(container, switch_id)] == [
        ("kill_switch.engage", user.id, "user"),
        ("kill_switch.rearm", user.id, "user"),
    ]
    engaged_details = audit_of(container, switch_id)[0][2]
    assert engaged_details == {
        "actor": "user",
        "again": False,
        "flatten": False,
        "halted_bots": 1,
        "reason": "pause all",
        "scope": "account",
        "target": user.id,
    }


def test_a_reason_is_required_to_engage_and_rearm(client: TestClient, make_user: MakeUser) -> None:
    user = make_user(mfa=True)
    for body in ({"scope": "account"}, {"scope": "account", "reason": "   "}):
        response = engage(client, user, **body)
        assert response.status_code == 422
    switch_id = engage(client, user, scope="account", reason="x").json()["switch"]["id"]
    blank = client.post(
        f"{KILL}/{switch_id}/rearm", json={"reason": " "}, headers=user.step_up_headers()
    )
    assert blank.status_code == 422


# -- who may do what ------------------------------------------------------------------------


def test_trader_cannot_engage_global_nor_reach_another_users_bot_or_account(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    trader, other, viewer = make_user(), make_user(), make_user(role="viewer")
    theirs = bot_in(client, container, other, "monitoring")

    refused = engage(client, trader, scope="global", reason="no")
    assert refused.status_code == 403
    assert refused.json()["message"] == "only an administrator may engage the global kill switch"
    for body in (
        {"scope": "bot", "target": theirs},
        {"scope": "account", "target": other.id},
        {"scope": "bot", "target": "00000000-0000-4000-8000-000000000000"},
    ):
        response = engage(client, trader, reason="no", **body)
        assert response.status_code == 404, body
    assert engage(client, viewer, scope="account", reason="no").status_code == 403
    assert engage(client, trader, scope="bot", reason="no").status_code == 422  # no target
    assert engage(client, trader, scope="global", target=other.id, reason="no").status_code == 422
    assert state_of(client, other, theirs) == "monitoring"
    assert client.get(KILL, headers=other.headers).json()["total"] == 0


def test_admin_engages_any_account_or_bot_and_only_an_admin_rearms_it(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    admin, trader = make_user(role="admin", mfa=True), make_user(mfa=True)
    bot_id = bot_in(client, container, trader, "monitoring")
    by_admin = engage(client, admin, scope="bot", target=bot_id, reason="review")
    assert by_admin.status_code == 201
    assert state_of(client, trader, bot_id) == "halted"
    assert last_change(client, trader, bot_id)["actor_id"] == admin.id
    account = engage(client, admin, scope="account", target=trader.id, reason="kyc")
    assert account.status_code == 201
    global_id = engage(client, admin, scope="global", reason="upgrade").json()["switch"]["id"]

    # The trader sees all three (they affect them) but may re-arm none of them.
    listed = client.get(KILL, headers=trader.headers).json()
    assert listed["total"] == 3
    for switch_id in (by_admin.json()["switch"]["id"], account.json()["switch"]["id"], global_id):
        refused = client.post(
            f"{KILL}/{switch_id}/rearm",
            json={"reason": "mine"},
            headers=trader.step_up_headers(),
        )
        assert refused.status_code == 403, switch_id
        assert refused.json()["code"] == "forbidden"
        ok = client.post(
            f"{KILL}/{switch_id}/rearm", json={"reason": "done"}, headers=admin.step_up_headers()
        )
        assert ok.status_code == 200, ok.text


def test_lists_and_reads_show_only_what_affects_the_caller(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    admin, alice, bob = make_user(role="admin"), make_user(), make_user()
    bobs_bot = bot_in(client, container, bob, "idle")
    alice_switch = engage(client, alice, scope="account", reason="a").json()["switch"]["id"]
    bob_switch = engage(client, bob, scope="bot", target=bobs_bot, reason="b").json()["switch"]
    global_switch = engage(client, admin, scope="global", reason="g").json()["switch"]["id"]

    def ids(user: UserHandle, **params: Any) -> list[str]:
        page = client.get(KILL, params=params, headers=user.headers).json()
        return [s["id"] for s in page["items"]]

    assert sorted(ids(alice)) == sorted([alice_switch, global_switch])
    assert sorted(ids(bob)) == sorted([bob_switch["id"], global_switch])
    assert sorted(ids(admin)) == sorted([alice_switch, bob_switch["id"], global_switch])
    assert ids(admin, scope="bot") == [bob_switch["id"]]
    assert ids(admin, engaged=False) == []
    assert client.get(f"{KILL}/{bob_switch['id']}", headers=alice.headers).status_code == 404
    assert client.get(f"{KILL}/{bob_switch['id']}", headers=admin.headers).status_code == 200
    refused = client.post(
        f"{KILL}/{bob_switch['id']}/rearm",
        json={"reason": "x"},
        headers=make_user(mfa=True).step_up_headers(),
    )
    assert refused.status_code == 404

    status = client.get(f"{KILL}/status", params={"bot_id": bobs_bot}, headers=bob.headers)
    assert status.status_code == 200
    body = status.json()
    assert body["trading_allowed"] is False
    assert [s["scope"] for s in body["switches"]] == ["global", "bot"]
    assert body["reason"].startswith(f"the global kill switch {global_switch} is engaged")
    assert (
        client.get(f"{KILL}/status", params={"bot_id": bobs_bot}, headers=alice.headers).status_code
        == 404
    )
    mine = client.get(f"{KILL}/status", headers=alice.headers).json()
    assert [s["id"] for s in mine["switches"]] == [global_switch, alice_switch]


# -- the console ----------------------------------------------------------------------------


@pytest.fixture
def cli_env(container: Container, database: Database, tmp_path: Path) -> dict[str, str]:
    """The environment an operator's shell would have for this server."""
    return {
        "XOR_DATA_DIR": str(container.settings.data_dir),
        "XOR_DATABASE_URL": database.url,
        "XOR_CONFIG_FILE": str(tmp_path / "absent.toml"),
    }


def test_cli_engages_as_the_system_and_the_api_then_refuses_starts(
    client: TestClient, make_user: MakeUser, container: Container, cli_env: dict[str, str]
) -> None:
    runner = CliRunner()
    user = make_user()
    running = bot_in(client, container, user, "monitoring")
    idle = bot_in(client, container, user, "idle")

    result = runner.invoke(
        cli_app,
        ["kill-switch", "engage", "--user", user.email.upper(), "--reason", "margin call"],
        env=cli_env,
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("engaged: ")
    assert lines[1:] == ["halted 1 bot(s)", f"  {running}"]
    switch_id = lines[0].split()[1]

    assert state_of(client, user, running) == "halted"
    change = last_change(client, user, running)
    assert (change["reason"], change["actor_id"]) == (
        "kill switch (account) by system: margin call",
        None,
    )
    refused = client.post(f"{BOTS}/{idle}/start", headers=user.headers)
    assert refused.status_code == 409
    assert switch_id in refused.json()["message"]
    switch = client.get(f"{KILL}/{switch_id}", headers=user.headers).json()
    assert (switch["engaged_by"], switch["owner_id"]) == (None, user.id)
    # An operator's switch is not the user's to re-arm.
    assert (
        client.post(
            f"{KILL}/{switch_id}/rearm", json={"reason": "mine"}, headers=user.headers
        ).status_code
        == 403
    )

    listed = runner.invoke(cli_app, ["kill-switch", "list"], env=cli_env)
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[-1] == "1 switch(es)"
    rearmed = runner.invoke(
        cli_app, ["kill-switch", "rearm", switch_id, "--reason", "paid"], env=cli_env
    )
    assert rearmed.exit_code == 0, rearmed.output
    assert rearmed.output.startswith(f"re-armed: {switch_id} account {user.id} re-armed")
    assert client.post(f"{BOTS}/{idle}/start", headers=user.headers).status_code == 200

    entries = audit_of(container, switch_id)
    assert [(a, actor, d["actor"]) for a, actor, d in entries] == [
        ("kill_switch.engage", None, "system"),
        ("kill_switch.rearm", None, "system"),
    ]


def test_cli_global_and_bot_scopes_and_its_errors(
    client: TestClient, make_user: MakeUser, container: Container, cli_env: dict[str, str]
) -> None:
    runner = CliRunner()
    user = make_user()
    bot_id = bot_in(client, container, user, "paused")
    by_bot = runner.invoke(
        cli_app, ["kill-switch", "engage", "--bot", bot_id, "--reason", "r", "--flatten"],
        env=cli_env,
    )  # fmt: skip
    assert by_bot.exit_code == 0, by_bot.output
    assert " flatten: r" in by_bot.output
    assert state_of(client, user, bot_id) == "halted"
    everyone = runner.invoke(
        cli_app, ["kill-switch", "engage", "--global", "--reason", "outage"], env=cli_env
    )
    assert everyone.exit_code == 0, everyone.output
    assert "halted 0 bot(s)" in everyone.output
    assert client.get(KILL, params={"engaged": True}, headers=user.headers).json()["total"] == 2

    both = runner.invoke(
        cli_app, ["kill-switch", "engage", "--global", "--bot", bot_id, "--reason", "r"],
        env=cli_env,
    )  # fmt: skip
    assert both.exit_code == 2
    assert "give exactly one of --global, --user EMAIL, --bot ID (got --global, --bot)" in (
        both.output
    )
    nobody = runner.invoke(
        cli_app,
        ["kill-switch", "engage", "--user", "nobody@example.test", "--reason", "r"],
        env=cli_env,
    )
    assert nobody.exit_code == 2
    assert "no user has the email 'nobody@example.test'" in nobody.output
    missing = runner.invoke(
        cli_app, ["kill-switch", "rearm", "00000000-0000-4000-8000-000000000000"], env=cli_env
    )
    assert missing.exit_code == 2
    assert "not found" in missing.output
