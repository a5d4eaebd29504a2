"""User administration: admins only (S5, S8), and never without an active admin."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.domain.users import Role
from xor_trading.services.audit import list_audit_entries
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

API = "/api/v1"
PASSWORD = "a perfectly fine passphrase"


@pytest.mark.parametrize("role", ["viewer", "trader"])
def test_non_admins_get_403_on_every_user_route(
    client: TestClient, make_user: Any, role: str
) -> None:
    caller = make_user(role=role)
    target = make_user()
    calls = [
        ("GET", f"{API}/users", None),
        ("POST", f"{API}/users", {"email": "new@example.test", "password": PASSWORD}),
        ("GET", f"{API}/users/{target.id}", None),
        ("PATCH", f"{API}/users/{target.id}", {"role": "admin"}),
        ("PATCH", f"{API}/users/{caller.id}", {"role": "admin"}),  # self-promotion
    ]
    for method, path, body in calls:
        response = client.request(method, path, json=body, headers=caller.headers)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "forbidden"
    for method, path, body in calls:
        assert client.request(method, path, json=body).status_code == 401
    me = client.get(f"{API}/auth/me", headers=caller.headers).json()
    assert me["role"] == role


def test_admin_lists_filters_and_sorts_users(client: TestClient, make_user: Any) -> None:
    admin = make_user(role="admin", email="zed@example.test")
    make_user(role="viewer", email="amy@example.test")
    make_user(role="trader", email="bob@example.test")
    page = client.get(f"{API}/users", params={"sort": "email"}, headers=admin.headers).json()
    assert [u["email"] for u in page["items"]] == [
        "amy@example.test", "bob@example.test", "zed@example.test"
    ]  # fmt: skip
    assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)
    assert "password_hash" not in str(page)
    viewers = client.get(f"{API}/users", params={"role": "viewer"}, headers=admin.headers).json()
    assert [u["email"] for u in viewers["items"]] == ["amy@example.test"]
    second = client.get(
        f"{API}/users",
        params={"sort": "email", "order": "desc", "limit": 1, "offset": 1},
        headers=admin.headers,
    ).json()
    assert [u["email"] for u in second["items"]] == ["bob@example.test"]
    assert second["total"] == 3
    too_big = client.get(f"{API}/users", params={"limit": 501}, headers=admin.headers)
    assert too_big.status_code == 422


def test_admin_creates_reads_and_changes_users(
    client: TestClient, container: Container, make_user: Any
) -> None:
    admin = make_user(role="admin")
    created = client.post(
        f"{API}/users",
        json={"email": "New@Example.test", "password": PASSWORD, "role": "viewer"},
        headers=admin.headers,
    )
    assert created.status_code == 201
    user = created.json()
    assert (user["email"], user["role"], user["is_active"]) == ("new@example.test", "viewer", True)
    got = client.get(f"{API}/users/{user['id']}", headers=admin.headers)
    assert got.status_code == 200
    assert got.json() == user
    promoted = client.patch(
        f"{API}/users/{user['id']}", json={"role": "trader"}, headers=admin.headers
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "trader"
    duplicate = client.post(
        f"{API}/users", json={"email": "new@example.test", "password": PASSWORD},
        headers=admin.headers,
    )  # fmt: skip
    assert duplicate.status_code == 409
    entries, _ = list_audit_entries(
        Principal("auditor", Role.ADMIN), container, target_id=user["id"]
    )
    actions = {(e.action, e.actor_id) for e in entries}
    assert ("user.create", admin.id) in actions
    assert ("user.role_change", admin.id) in actions


def test_unknown_user_is_404(client: TestClient, make_user: Any) -> None:
    admin = make_user(role="admin")
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"{API}/users/{missing}", headers=admin.headers).status_code == 404
    patch = client.patch(f"{API}/users/{missing}", json={"is_active": False}, headers=admin.headers)
    assert patch.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"role": "superuser"},
        {"role": "admin", "owner_id": "x"},
        {"email": "other@example.test"},
        {"password_hash": "x"},
    ],
)
def test_patch_rejects_empty_unknown_and_mass_assigned_fields(
    client: TestClient, make_user: Any, body: dict[str, Any]
) -> None:
    admin = make_user(role="admin")
    target = make_user(role="viewer")
    response = client.patch(f"{API}/users/{target.id}", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert client.get(f"{API}/users/{target.id}", headers=admin.headers).json()["role"] == "viewer"


def test_role_change_applies_to_existing_tokens_at_once(client: TestClient, make_user: Any) -> None:
    admin = make_user(role="admin")
    other = make_user(role="trader")
    assert client.get(f"{API}/users", headers=other.headers).status_code == 403
    client.patch(f"{API}/users/{other.id}", json={"role": "admin"}, headers=admin.headers)
    assert client.get(f"{API}/users", headers=other.headers).status_code == 200
    client.patch(f"{API}/users/{other.id}", json={"role": "viewer"}, headers=admin.headers)
    assert client.get(f"{API}/users", headers=other.headers).status_code == 403
    assert client.get(f"{API}/auth/me", headers=other.headers).json()["role"] == "viewer"


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    client: TestClient, make_user: Any
) -> None:
    admin = make_user(role="admin")
    for body in ({"role": "trader"}, {"is_active": False}, {"role": "viewer", "is_active": False}):
        response = client.patch(f"{API}/users/{admin.id}", json=body, headers=admin.headers)
        assert response.status_code == 409
        assert "last active admin" in response.json()["message"]
    assert client.get(f"{API}/auth/me", headers=admin.headers).json()["role"] == "admin"

    second = make_user(role="admin")
    demoted = client.patch(
        f"{API}/users/{admin.id}", json={"role": "trader"}, headers=second.headers
    )
    assert demoted.status_code == 200
    # Now ``second`` is the last one.
    response = client.patch(
        f"{API}/users/{second.id}", json={"is_active": False}, headers=second.headers
    )
    assert response.status_code == 409
    # A deactivated admin does not count as an admin left.
    third = make_user(role="admin")
    client.patch(f"{API}/users/{third.id}", json={"is_active": False}, headers=second.headers)
    response = client.patch(
        f"{API}/users/{second.id}", json={"role": "viewer"}, headers=second.headers
    )
    assert response.status_code == 409


def test_deactivation_ends_sessions_and_reactivation_restores_login(
    client: TestClient, make_user: Any
) -> None:
    admin = make_user(role="admin")
    user = make_user()
    login = client.post(f"{API}/auth/login", json={"email": user.email, "password": user.password})
    refresh_token = login.json()["tokens"]["refresh_token"]
    off = client.patch(f"{API}/users/{user.id}", json={"is_active": False}, headers=admin.headers)
    assert off.status_code == 200
    assert off.json()["is_active"] is False
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 401
    assert (
        client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token}).status_code == 401
    )
    on = client.patch(f"{API}/users/{user.id}", json={"is_active": True}, headers=admin.headers)
    assert on.status_code == 200
    # The old session stays revoked; a new login works.
    assert (
        client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token}).status_code == 401
    )
    again = client.post(f"{API}/auth/login", json={"email": user.email, "password": user.password})
    assert again.status_code == 200


def test_cli_creates_the_first_admin_who_can_then_log_in(
    client: TestClient, database: Any, tmp_path: Any, clock: Any
) -> None:
    env = {
        "XOR_DATABASE_URL": database.url,
        "XOR_DATA_DIR": str(tmp_path / "cli"),
        "XOR_PASSWORD_HASH_PROFILE": "test",
        "XOR_CONFIG_FILE": str(tmp_path / "none.toml"),
    }
    runner = CliRunner()
    created = runner.invoke(
        app, ["users", "create", "Root@Example.test", "--admin", "--password-stdin"],
        input=PASSWORD + "\n", env=env,
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    user_id = created.stdout.strip()
    # The CLI ran on the wall clock; the API's test clock must not be behind it, or the
    # new account's tokens would predate its password.
    clock.set_time(time.time_ns() // 1_000_000 + 1000)
    login = client.post(
        f"{API}/auth/login", json={"email": "root@example.test", "password": PASSWORD}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['tokens']['access_token']}"}
    me = client.get(f"{API}/auth/me", headers=headers).json()
    assert (me["id"], me["role"]) == (user_id, "admin")

    weak = runner.invoke(
        app, ["users", "create", "x@example.test", "--password-stdin"], input="short\n", env=env
    )
    assert weak.exit_code == 2
    assert "at least 12" in weak.output
    clash = runner.invoke(
        app, ["users", "create", "y@example.test", "--admin", "--role", "viewer",
              "--password-stdin"], input=PASSWORD + "\n", env=env,
    )  # fmt: skip
    assert clash.exit_code == 2
    assert "--admin contradicts --role viewer" in clash.output
