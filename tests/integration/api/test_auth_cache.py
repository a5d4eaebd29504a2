"""The per-process authentication cache (services/authentication.py, ADR 0012).

Changes made through the services apply on the caller's very next request in the same
process, even though the cache would otherwise trust its entry for a while: every test
here first stretches the entry lifetime to an hour, so only the invalidation can explain
the new answer. A change the process did not make itself (another worker, or SQL by
hand) applies once the entry is older than the TTL, on the monotonic clock the cache is
given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from xor_trading.core.clock import TestClock
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.persistence.tables.users import UserRow
from xor_trading.security import totp
from xor_trading.services.authentication import AUTH_STATE_TTL_S, auth_state_cache
from xor_trading.services.container import Container

API = "/api/v1"
HOUR_S = 3600.0


class FakeMonotonic:
    """A monotonic clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slow_expiry(container: Container) -> FakeMonotonic:
    """Cache entries live an hour of a clock that only moves when the test says so."""
    cache = auth_state_cache(container)
    clock = FakeMonotonic()
    cache.ttl_s = HOUR_S
    cache.monotonic = clock
    return clock


def test_a_demoted_admin_loses_admin_rights_on_the_next_request(
    client: TestClient, make_user: Callable[..., Any], slow_expiry: FakeMonotonic
) -> None:
    first, second = make_user(role="admin"), make_user(role="admin")
    assert client.get(f"{API}/users", headers=second.headers).status_code == 200  # cached

    demoted = client.patch(
        f"{API}/users/{second.id}", json={"role": "viewer"}, headers=first.headers
    )
    assert demoted.status_code == 200, demoted.text

    refused = client.get(f"{API}/users", headers=second.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "you are viewer" in refused.json()["message"]
    # Still a valid viewer: reads that need no more than that go on working.
    assert client.get(f"{API}/auth/me", headers=second.headers).json()["role"] == "viewer"


def test_a_deactivated_user_is_401_on_the_next_request(
    client: TestClient, make_user: Callable[..., Any], slow_expiry: FakeMonotonic
) -> None:
    admin, user = make_user(role="admin"), make_user(role="trader")
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 200  # cached

    patch = client.patch(f"{API}/users/{user.id}", json={"is_active": False}, headers=admin.headers)
    assert patch.status_code == 200, patch.text

    response = client.get(f"{API}/auth/me", headers=user.headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    # Reactivated: the same token works again at once (it has not expired).
    client.patch(f"{API}/users/{user.id}", json={"is_active": True}, headers=admin.headers)
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 200


def test_a_password_change_refuses_older_tokens_on_the_next_request(
    client: TestClient, make_user: Callable[..., Any], clock: TestClock,
    slow_expiry: FakeMonotonic,
) -> None:  # fmt: skip
    user = make_user()
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 200  # cached
    clock.advance(1_000)  # the change happens a second after the token was issued

    changed = client.post(
        f"{API}/auth/password",
        json={"current_password": user.password, "new_password": "a brand new passphrase 7"},
        headers=user.headers,
    )
    assert changed.status_code == 200, changed.text

    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 401
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get(f"{API}/auth/me", headers=fresh).status_code == 200


def test_enabling_mfa_makes_the_new_tokens_mfa_time_count_at_once(
    client: TestClient, make_user: Callable[..., Any], container: Container,
    slow_expiry: FakeMonotonic,
) -> None:  # fmt: skip
    user = make_user()
    secret = client.post(f"{API}/auth/mfa/enrol", headers=user.headers).json()["secret"]
    code = totp.code_at_step(secret, totp.step_at(container.clock.now_ms()))
    verify = client.post(f"{API}/auth/mfa/verify", json={"code": code}, headers=user.headers)
    assert verify.status_code == 200, verify.text

    # The token from the verification carries mfa_at = now; with MFA cached as "off" it
    # would be ignored and disabling MFA refused with 403 mfa_required.
    stepped_up = {"Authorization": f"Bearer {verify.json()['access_token']}"}
    disabled = client.post(f"{API}/auth/mfa/disable", headers=stepped_up)
    assert disabled.status_code == 200, disabled.text
    assert client.get(f"{API}/auth/me", headers=stepped_up).json()["mfa_enabled"] is False


def test_a_change_made_elsewhere_applies_within_the_ttl(
    client: TestClient, make_user: Callable[..., Any], container: Container
) -> None:
    """Another process (here: SQL by hand) changes the role; this process's cache keeps
    the old role for at most AUTH_STATE_TTL_S seconds of its monotonic clock."""
    clock = FakeMonotonic()
    auth_state_cache(container).monotonic = clock
    admin = make_user(role="admin")
    assert client.get(f"{API}/users", headers=admin.headers).status_code == 200  # cached

    with container.database.session() as session:
        session.execute(update(UserRow).where(UserRow.id == admin.id).values(role="viewer"))

    clock.now += AUTH_STATE_TTL_S * 0.9
    assert client.get(f"{API}/users", headers=admin.headers).status_code == 200  # stale, bounded
    clock.now += AUTH_STATE_TTL_S * 0.1
    assert client.get(f"{API}/users", headers=admin.headers).status_code == 403


def test_a_token_is_verified_once_not_once_per_request(
    client: TestClient, make_user: Callable[..., Any], container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The rate limiter's verification is handed to the route (no second decode), and its
    cache serves the following requests of the same token."""
    user = make_user()
    decoded: list[str] = []
    decode = container.tokens.decode_access

    def counting(token: str) -> Any:
        decoded.append(token)
        return decode(token)

    monkeypatch.setattr(container.tokens, "decode_access", counting)
    for _ in range(3):
        assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 200
    assert len(decoded) == 1
    # A token the limiter refused to vouch for (here: garbage) is decoded by the route,
    # which answers 401 with the usual body.
    bad = client.get(f"{API}/auth/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert (bad.status_code, bad.json()["code"]) == (401, "unauthenticated")
    assert decoded[1:] == ["not-a-jwt", "not-a-jwt"]


# -- GET /auth/me from the cache -------------------------------------------------------------


@pytest.fixture
def user_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the user-row reads made from now on (state or whole row)."""
    reads: list[str] = []
    for name in ("get_user", "get_auth_state"):
        original = getattr(users_repo, name)

        def counting(*args: Any, _name: str = name, _original: Any = original) -> Any:
            reads.append(_name)
            return _original(*args)

        monkeypatch.setattr(users_repo, name, counting)
    return reads


def test_me_on_a_cache_hit_reads_no_database(
    client: TestClient, make_user: Callable[..., Any], slow_expiry: FakeMonotonic,
    user_reads: list[str],
) -> None:  # fmt: skip
    user = make_user()
    first = client.get(f"{API}/auth/me", headers=user.headers)
    assert first.status_code == 200
    assert user_reads == ["get_auth_state", "get_user"]  # the miss: state, then the row
    user_reads.clear()
    again = [client.get(f"{API}/auth/me", headers=user.headers) for _ in range(3)]
    assert user_reads == []
    assert [r.json() for r in again] == [first.json()] * 3
    assert first.json() == {
        "id": user.id,
        "email": user.email,
        "role": "trader",
        "is_active": True,
        "mfa_enabled": False,
        "created_at": "2025-06-01T00:00:00Z",
        "last_login_at": None,
    }
    assert first.headers["content-type"] == "application/json"


def test_me_reads_afresh_once_the_entry_expires(
    client: TestClient, make_user: Callable[..., Any], slow_expiry: FakeMonotonic,
    user_reads: list[str],
) -> None:  # fmt: skip
    user = make_user()
    client.get(f"{API}/auth/me", headers=user.headers)
    user_reads.clear()
    slow_expiry.now += HOUR_S
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 200
    assert user_reads == ["get_auth_state", "get_user"]


def test_me_shows_a_role_change_on_the_next_request(
    client: TestClient, make_user: Callable[..., Any], slow_expiry: FakeMonotonic
) -> None:
    admin, user = make_user(role="admin"), make_user(role="trader")
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["role"] == "trader"

    patch = client.patch(f"{API}/users/{user.id}", json={"role": "viewer"}, headers=admin.headers)
    assert patch.status_code == 200, patch.text

    assert client.get(f"{API}/auth/me", headers=user.headers).json()["role"] == "viewer"


def test_me_shows_mfa_on_and_off_on_the_next_request(
    client: TestClient, make_user: Callable[..., Any], container: Container,
    slow_expiry: FakeMonotonic,
) -> None:  # fmt: skip
    user = make_user()
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["mfa_enabled"] is False
    secret = client.post(f"{API}/auth/mfa/enrol", headers=user.headers).json()["secret"]
    code = totp.code_at_step(secret, totp.step_at(container.clock.now_ms()))
    verify = client.post(f"{API}/auth/mfa/verify", json={"code": code}, headers=user.headers)
    assert verify.status_code == 200, verify.text

    assert client.get(f"{API}/auth/me", headers=user.headers).json()["mfa_enabled"] is True
    stepped_up = {"Authorization": f"Bearer {verify.json()['access_token']}"}
    assert client.post(f"{API}/auth/mfa/disable", headers=stepped_up).status_code == 200
    assert client.get(f"{API}/auth/me", headers=stepped_up).json()["mfa_enabled"] is False


def test_me_shows_the_new_last_login_on_the_next_request(
    client: TestClient, make_user: Callable[..., Any], clock: TestClock,
    slow_expiry: FakeMonotonic,
) -> None:  # fmt: skip
    user = make_user()
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["last_login_at"] is None
    clock.advance(60_000)
    login = client.post(f"{API}/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200, login.text

    me = client.get(f"{API}/auth/me", headers=user.headers).json()
    assert me["last_login_at"] == "2025-06-01T00:01:00Z"


def test_me_shows_a_change_made_elsewhere_within_the_ttl(
    client: TestClient, make_user: Callable[..., Any], container: Container
) -> None:
    clock = FakeMonotonic()
    auth_state_cache(container).monotonic = clock
    user = make_user()
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["role"] == "trader"

    with container.database.session() as session:
        session.execute(update(UserRow).where(UserRow.id == user.id).values(role="viewer"))

    clock.now += AUTH_STATE_TTL_S * 0.9
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["role"] == "trader"
    clock.now += AUTH_STATE_TTL_S * 0.1
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["role"] == "viewer"
