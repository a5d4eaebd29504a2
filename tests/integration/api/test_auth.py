"""The auth routes end to end (S2-S5, S9), on SQLite and PostgreSQL.

Times follow the container's TestClock (2025-06-01T00:00:00Z), TOTP codes too
(``user.totp_code()``).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from xor_trading.core.clock import TestClock
from xor_trading.core.errors import StepUpRequiredError
from xor_trading.domain.users import Role
from xor_trading.persistence.tables import load_all
from xor_trading.security import totp
from xor_trading.security.passwords import Passwords
from xor_trading.services.audit import list_audit_entries
from xor_trading.services.authentication import authenticate_access_token, require_recent_mfa
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

API = "/api/v1"
PASSWORD = "plenty of words in here"
SECRET_FIELDS = ("password_hash", "totp", "secret", "ciphertext", "nonce", "dek", "token_hash")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # These tests exercise the per-account defences (lockout, MFA throttle, replay), so
    # the per-IP and per-email request budgets of the API (api/rate_limit.py, tested on
    # their own) are raised out of the way.
    return {"rate_limit_auth_per_min": 10_000}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}


def _login(client: TestClient, email: str, password: str) -> Any:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def _tokens(client: TestClient, email: str, password: str) -> dict[str, Any]:
    response = _login(client, email, password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mfa_required"] is False
    tokens: dict[str, Any] = body["tokens"]
    return tokens


def _audit_actions(container: Container, user_id: str) -> list[str]:
    admin = Principal(user_id="auditor", role=Role.ADMIN)
    entries, _ = list_audit_entries(admin, container, target_id=user_id, limit=500)
    return [entry.action for entry in reversed(entries)]


# -- registration ----------------------------------------------------------------------------


def test_register_creates_a_trader_and_exposes_no_secret(client: TestClient) -> None:
    response = client.post(
        f"{API}/auth/register", json={"email": "  Ann@Example.TEST ", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "email", "role", "is_active", "mfa_enabled", "created_at",
                         "last_login_at"}  # fmt: skip
    assert (body["email"], body["role"], body["is_active"]) == ("ann@example.test", "trader", True)
    assert PASSWORD not in response.text
    # The normalised email logs in; another capitalisation is the same account.
    assert _tokens(client, "ANN@example.test", PASSWORD)["access_token"]
    again = client.post(
        f"{API}/auth/register", json={"email": "ann@EXAMPLE.test", "password": PASSWORD}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


@pytest.mark.parametrize(
    "extra", [{"role": "admin"}, {"is_admin": True}, {"is_active": False}, {"id": "x"}]
)
def test_register_rejects_mass_assignment(
    client: TestClient, container: Container, extra: dict[str, Any]
) -> None:
    response = client.post(
        f"{API}/auth/register", json={"email": "eve@example.test", "password": PASSWORD, **extra}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert _login(client, "eve@example.test", PASSWORD).status_code == 401  # nothing created


@pytest.mark.parametrize(
    ("email", "password", "problem"),
    [
        ("bob@example.test", "short pass", "at least 12"),
        ("bob@example.test", "Password1234", "most common"),
        ("bobby@example.test", "i am bobby and this is long", "contains your email"),
        ("not-an-email", PASSWORD, "not an email address"),
    ],
)
def test_register_enforces_the_password_policy(
    client: TestClient, email: str, password: str, problem: str
) -> None:
    response = client.post(f"{API}/auth/register", json={"email": email, "password": password})
    assert response.status_code == 422
    assert problem in response.json()["message"]


# -- login -----------------------------------------------------------------------------------


def test_login_gives_tokens_that_work_and_me_shows_no_secret(
    client: TestClient, make_user: Any
) -> None:
    user = make_user(role="viewer")
    tokens = _tokens(client, user.email, user.password)
    assert set(tokens) == {"access_token", "token_type", "access_expires_at", "refresh_token",
                           "refresh_expires_at"}  # fmt: skip
    assert tokens["access_expires_at"] == "2025-06-01T00:15:00Z"
    me = client.get(f"{API}/auth/me", headers=_bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == user.id
    assert me.json()["role"] == "viewer"
    assert not any(field in me.text for field in SECRET_FIELDS)


def test_unknown_user_and_wrong_password_get_identical_answers(
    client: TestClient, make_user: Any
) -> None:
    user = make_user()
    wrong_password = _login(client, user.email, "not the password at all")
    unknown_user = _login(client, "nobody@example.test", "not the password at all")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert _without_request_id(wrong_password.json()) == _without_request_id(unknown_user.json())
    assert wrong_password.json()["message"] == "the email or the password is wrong"
    assert wrong_password.headers["www-authenticate"] == unknown_user.headers["www-authenticate"]


def test_every_login_failure_costs_exactly_one_argon2_verification(
    client: TestClient, container: Container, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Equal work is what makes the timing equal (S4): the unknown user pays a dummy
    # verification with the same parameters as a real one (see test_passwords.py).
    user = make_user()
    calls: list[str] = []
    real_verify = Passwords.verify

    def counting(self: Passwords, stored_hash: str, password: str) -> bool:
        calls.append(stored_hash)
        return real_verify(self, stored_hash, password)

    monkeypatch.setattr(Passwords, "verify", counting)
    for email in (user.email, "nobody@example.test"):
        calls.clear()
        assert _login(client, email, "not the password at all").status_code == 401
        assert len(calls) == 1, email
        assert calls[0].startswith("$argon2id$")
    assert "auth.login_failed" in _audit_actions(container, user.id)


def test_deactivated_user_gets_the_same_answer_as_an_unknown_one(
    client: TestClient, make_user: Any
) -> None:
    admin = make_user(role="admin")
    user = make_user()
    patch = client.patch(f"{API}/users/{user.id}", json={"is_active": False}, headers=admin.headers)
    assert patch.status_code == 200
    right_password = _login(client, user.email, user.password)
    unknown_user = _login(client, "nobody@example.test", user.password)
    assert right_password.status_code == 401
    assert _without_request_id(right_password.json()) == _without_request_id(unknown_user.json())
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 401


def test_ten_failures_lock_the_account_exponentially(
    client: TestClient, make_user: Any, clock: TestClock
) -> None:
    user = make_user()
    for _ in range(9):
        assert _login(client, user.email, "wrong password here").status_code == 401
    assert _login(client, user.email, user.password).status_code == 200  # resets the count
    for _ in range(10):
        assert _login(client, user.email, "wrong password here").status_code == 401
    locked = _login(client, user.email, user.password)  # even the right password
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert locked.headers["retry-after"] == "60"
    clock.advance(59_000)
    assert _login(client, user.email, user.password).status_code == 429
    clock.advance(1_000)
    # The eleventh failure doubles the lock.
    assert _login(client, user.email, "wrong password here").status_code == 401
    assert _login(client, user.email, user.password).headers["retry-after"] == "120"
    clock.advance(120_000)
    assert _login(client, user.email, user.password).status_code == 200


def test_access_token_expires_after_15_minutes(
    client: TestClient, make_user: Any, clock: TestClock
) -> None:
    user = make_user()
    clock.advance(15 * 60 * 1000 - 1000)
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 200
    clock.advance(1000)
    expired = client.get(f"{API}/auth/me", headers=user.headers)
    assert expired.status_code == 401
    assert expired.json()["code"] == "unauthenticated"


# -- refresh, logout, password change (S3) ---------------------------------------------------


def test_refresh_rotates_and_reuse_revokes_the_whole_family(
    client: TestClient, container: Container, make_user: Any
) -> None:
    user = make_user()
    first = _tokens(client, user.email, user.password)
    other_session = _tokens(client, user.email, user.password)
    second = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    newest = second.json()
    assert newest["refresh_token"] != first["refresh_token"]
    assert client.get(f"{API}/auth/me", headers=_bearer(newest["access_token"])).status_code == 200

    reuse = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    # The thief's reuse also ends the legitimate holder of the newest token.
    after = client.post(f"{API}/auth/refresh", json={"refresh_token": newest["refresh_token"]})
    assert after.status_code == 401
    assert _without_request_id(after.json()) == _without_request_id(reuse.json())
    # Another login of the same user is another family and survives.
    other = client.post(
        f"{API}/auth/refresh", json={"refresh_token": other_session["refresh_token"]}
    )
    assert other.status_code == 200
    assert "auth.refresh_reuse" in _audit_actions(container, user.id)


def test_unknown_refresh_token_and_access_token_as_refresh_are_rejected(
    client: TestClient, make_user: Any
) -> None:
    user = make_user()
    for bogus in ("x" * 43, user.headers["Authorization"].split()[1]):
        response = client.post(f"{API}/auth/refresh", json={"refresh_token": bogus})
        assert response.status_code == 401


def test_refresh_token_expires(
    client: TestClient, container: Container, make_user: Any, clock: TestClock
) -> None:
    user = make_user()
    tokens = _tokens(client, user.email, user.password)
    clock.advance(container.settings.refresh_token_ttl_s * 1000)
    response = client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401


def test_refresh_token_as_bearer_is_rejected(client: TestClient, make_user: Any) -> None:
    user = make_user()
    tokens = _tokens(client, user.email, user.password)
    response = client.get(f"{API}/auth/me", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 401


def test_logout_revokes_the_family(client: TestClient, make_user: Any) -> None:
    user = make_user()
    tokens = _tokens(client, user.email, user.password)
    headers = _bearer(tokens["access_token"])
    body = {"refresh_token": tokens["refresh_token"]}
    assert client.post(f"{API}/auth/logout", json=body, headers=headers).status_code == 200
    assert client.post(f"{API}/auth/refresh", json=body).status_code == 401
    # Idempotent, and another user's token is not touched by my logout.
    assert client.post(f"{API}/auth/logout", json=body, headers=headers).status_code == 200
    other = make_user()
    other_tokens = _tokens(client, other.email, other.password)
    client.post(f"{API}/auth/logout", json={"refresh_token": other_tokens["refresh_token"]},
                headers=headers)  # fmt: skip
    refreshed = client.post(
        f"{API}/auth/refresh", json={"refresh_token": other_tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200


def test_password_change_revokes_every_session(
    client: TestClient, make_user: Any, clock: TestClock
) -> None:
    user = make_user()
    old = _tokens(client, user.email, user.password)
    clock.advance(1000)  # tokens from the second of the change itself stay valid
    wrong = client.post(
        f"{API}/auth/password",
        json={"current_password": "not my password!", "new_password": "a brand new passphrase"},
        headers=user.headers,
    )
    assert wrong.status_code == 401
    changed = client.post(
        f"{API}/auth/password",
        json={"current_password": user.password, "new_password": "a brand new passphrase"},
        headers=user.headers,
    )
    assert changed.status_code == 200
    fresh = changed.json()
    assert (
        client.post(f"{API}/auth/refresh", json={"refresh_token": old["refresh_token"]}).status_code
        == 401
    )
    assert client.get(f"{API}/auth/me", headers=_bearer(old["access_token"])).status_code == 401
    assert client.get(f"{API}/auth/me", headers=user.headers).status_code == 401
    assert client.get(f"{API}/auth/me", headers=_bearer(fresh["access_token"])).status_code == 200
    assert _login(client, user.email, user.password).status_code == 401
    assert _login(client, user.email, "a brand new passphrase").status_code == 200


def test_password_change_applies_the_policy(client: TestClient, make_user: Any) -> None:
    user = make_user()
    response = client.post(
        f"{API}/auth/password",
        json={"current_password": user.password, "new_password": "short"},
        headers=user.headers,
    )
    assert response.status_code == 422
    assert _login(client, user.email, user.password).status_code == 200


# -- MFA (S4, S9) ----------------------------------------------------------------------------


def test_mfa_enrol_verify_login_step_up_disable(
    client: TestClient, container: Container, make_user: Any, clock: TestClock
) -> None:
    user = make_user()
    enrol = client.post(f"{API}/auth/mfa/enrol", headers=user.headers)
    assert enrol.status_code == 200
    secret = enrol.json()["secret"]
    assert enrol.json()["otpauth_uri"].startswith("otpauth://totp/XOR:")
    step = totp.step_at(clock.now_ms())
    # Pending until verified: login still needs only the password.
    assert _login(client, user.email, user.password).json()["mfa_required"] is False

    wrong = client.post(f"{API}/auth/mfa/verify", json={"code": "000000"}, headers=user.headers)
    if totp.code_at_step(secret, step) != "000000":
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "invalid_mfa_code"
    verify = client.post(
        f"{API}/auth/mfa/verify", json={"code": totp.code_at_step(secret, step)},
        headers=user.headers,
    )  # fmt: skip
    assert verify.status_code == 200, verify.text
    codes = verify.json()["recovery_codes"]
    assert len(codes) == 10 == len(set(codes))
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["mfa_enabled"] is True

    # Login now needs the second step; the mfa_token is not an access token.
    clock.advance(30_000)
    first = _login(client, user.email, user.password).json()
    assert first["mfa_required"] is True
    assert first["tokens"] is None
    assert client.get(f"{API}/auth/me", headers=_bearer(first["mfa_token"])).status_code == 401
    code = totp.code_at_step(secret, totp.step_at(clock.now_ms()))
    second = client.post(
        f"{API}/auth/login/mfa", json={"mfa_token": first["mfa_token"], "code": code}
    )
    assert second.status_code == 200
    logged_in = second.json()
    principal = authenticate_access_token(container, logged_in["access_token"])
    assert principal.mfa_verified_at_ms == clock.now_ms()

    # Sensitive action: fresh MFA needed; the plain token is refused with a hint.
    refused = client.post(f"{API}/auth/mfa/disable", headers=user.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    assert "step-up" in refused.json()["hint"]
    # The same code again (same step) is a replay.
    replay = client.post(f"{API}/auth/mfa/step-up", json={"code": code}, headers=user.headers)
    assert replay.status_code == 422
    clock.advance(30_000)
    code = totp.code_at_step(secret, totp.step_at(clock.now_ms()))
    stepped = client.post(f"{API}/auth/mfa/step-up", json={"code": code}, headers=user.headers)
    assert stepped.status_code == 200
    step_up_headers = _bearer(stepped.json()["access_token"])
    assert client.post(f"{API}/auth/mfa/disable", headers=step_up_headers).status_code == 200
    assert client.get(f"{API}/auth/me", headers=user.headers).json()["mfa_enabled"] is False
    # Disabling MFA ended every session.
    assert (
        client.post(
            f"{API}/auth/refresh", json={"refresh_token": logged_in["refresh_token"]}
        ).status_code
        == 401
    )
    actions = _audit_actions(container, user.id)
    for action in ("auth.mfa_enrol", "auth.mfa_enable", "auth.mfa_step_up", "auth.mfa_disable"):
        assert action in actions


def test_enrolment_is_refused_while_mfa_is_on(client: TestClient, make_user: Any) -> None:
    user = make_user(mfa=True)
    response = client.post(f"{API}/auth/mfa/enrol", headers=user.headers)
    assert response.status_code == 409


def test_totp_code_is_accepted_once(client: TestClient, make_user: Any, clock: TestClock) -> None:
    user = make_user(mfa=True)
    code = user.totp_code()
    first = _login(client, user.email, user.password).json()
    ok = client.post(f"{API}/auth/login/mfa", json={"mfa_token": first["mfa_token"], "code": code})
    assert ok.status_code == 200
    second = _login(client, user.email, user.password).json()
    replay = client.post(
        f"{API}/auth/login/mfa", json={"mfa_token": second["mfa_token"], "code": code}
    )
    assert replay.status_code == 401
    # An older step than the last accepted one is refused too, though inside the window.
    older = client.post(
        f"{API}/auth/login/mfa",
        json={"mfa_token": second["mfa_token"], "code": user.totp_code(-1)},
    )
    if user.totp_code(-1) != code:
        assert older.status_code == 401
    clock.advance(30_000)
    later = client.post(
        f"{API}/auth/login/mfa", json={"mfa_token": second["mfa_token"], "code": user.totp_code()}
    )
    assert later.status_code == 200


def test_totp_brute_force_is_throttled_to_five_per_five_minutes(
    client: TestClient, make_user: Any, clock: TestClock
) -> None:
    user = make_user(mfa=True)
    valid = {user.totp_code(o) for o in (-1, 0, 1)}
    wrong = [c for c in (f"{n:06d}" for n in range(100)) if c not in valid][:6]
    for code in wrong[:5]:
        response = client.post(f"{API}/auth/mfa/step-up", json={"code": code}, headers=user.headers)
        assert response.status_code == 422
    blocked = client.post(
        f"{API}/auth/mfa/step-up", json={"code": user.totp_code()}, headers=user.headers
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) == 300
    # The login step shares the same per-user counter.
    pending = _login(client, user.email, user.password).json()["mfa_token"]
    login_blocked = client.post(
        f"{API}/auth/login/mfa", json={"mfa_token": pending, "code": user.totp_code()}
    )
    assert login_blocked.status_code == 429
    clock.advance(300_000)
    allowed = client.post(
        f"{API}/auth/mfa/step-up", json={"code": user.totp_code()}, headers=user.headers
    )
    assert allowed.status_code == 200


def test_recovery_code_works_once(client: TestClient, make_user: Any, clock: TestClock) -> None:
    user = make_user()
    enrol = client.post(f"{API}/auth/mfa/enrol", headers=user.headers).json()
    code = totp.code_at_step(enrol["secret"], totp.step_at(clock.now_ms()))
    codes = client.post(f"{API}/auth/mfa/verify", json={"code": code}, headers=user.headers).json()[
        "recovery_codes"
    ]
    recovery = codes[3].upper().replace("-", " ")  # typed loosely
    pending = _login(client, user.email, user.password).json()["mfa_token"]
    used = client.post(f"{API}/auth/login/mfa", json={"mfa_token": pending, "code": recovery})
    assert used.status_code == 200
    pending = _login(client, user.email, user.password).json()["mfa_token"]
    again = client.post(f"{API}/auth/login/mfa", json={"mfa_token": pending, "code": codes[3]})
    assert again.status_code == 401
    other = client.post(f"{API}/auth/login/mfa", json={"mfa_token": pending, "code": codes[4]})
    assert other.status_code == 200


def test_mfa_pending_token_expires(client: TestClient, make_user: Any, clock: TestClock) -> None:
    user = make_user(mfa=True)
    pending = _login(client, user.email, user.password).json()["mfa_token"]
    clock.advance(300_000)
    response = client.post(
        f"{API}/auth/login/mfa", json={"mfa_token": pending, "code": user.totp_code()}
    )
    assert response.status_code == 401


def test_require_recent_mfa(container: Container, make_user: Any, clock: TestClock) -> None:
    plain = make_user()
    with pytest.raises(StepUpRequiredError, match="has none") as caught:
        require_recent_mfa(
            Principal(plain.id, Role.TRADER, mfa_verified_at_ms=clock.now_ms()), container
        )
    assert "enrol MFA first" in caught.value.hint
    user = make_user(mfa=True)
    principal = authenticate_access_token(container, user.step_up_headers()["Authorization"][7:])
    require_recent_mfa(principal, container)  # fresh: passes
    clock.advance(300_000)
    require_recent_mfa(principal, container)  # exactly five minutes: still passes
    clock.advance(1)
    with pytest.raises(StepUpRequiredError, match="last 5 minutes") as caught:
        require_recent_mfa(principal, container)
    assert caught.value.code == "mfa_required"
    assert "POST /api/v1/auth/mfa/step-up" in caught.value.hint
    stale = authenticate_access_token(container, user.headers["Authorization"][7:])
    with pytest.raises(StepUpRequiredError):
        require_recent_mfa(stale, container)


# -- what is stored (S3, S6) -----------------------------------------------------------------


def test_database_holds_no_raw_token_seed_or_password(
    client: TestClient, container: Container, make_user: Any, clock: TestClock
) -> None:
    user = make_user()
    tokens = _tokens(client, user.email, user.password)
    enrol = client.post(f"{API}/auth/mfa/enrol", headers=user.headers).json()
    code = totp.code_at_step(enrol["secret"], totp.step_at(clock.now_ms()))
    verified = client.post(f"{API}/auth/mfa/verify", json={"code": code}, headers=user.headers)
    canaries = [
        user.password,
        tokens["refresh_token"],
        tokens["access_token"],
        enrol["secret"],
        *verified.json()["recovery_codes"],
    ]
    dump: list[str] = []
    with container.database.engine.connect() as conn:
        for table in load_all().sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                dump.extend(
                    value.hex() if isinstance(value, (bytes, memoryview)) else str(value)
                    for value in row
                )
                dump.extend(
                    bytes(value).decode("latin-1")
                    for value in row
                    if isinstance(value, (bytes, memoryview))
                )
    text_dump = "\n".join(dump)
    assert user.email in text_dump  # the dump is real
    for canary in canaries:
        assert canary not in text_dump
        assert canary.replace("-", "") not in text_dump


def test_password_change_with_mfa_on_needs_a_step_up(client: TestClient, make_user: Any) -> None:
    user = make_user(mfa=True)
    body = {"current_password": user.password, "new_password": "another fine passphrase"}
    refused = client.post(f"{API}/auth/password", json=body, headers=user.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    changed = client.post(f"{API}/auth/password", json=body, headers=user.step_up_headers())
    assert changed.status_code == 200
