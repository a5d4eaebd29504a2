"""Exchange keys over the API against a fake Binance (S6, S9, S10, S11, S15, S1).

The fake venue is a tiny HTTP server in a thread answering the two read-only endpoints
the key check calls, ``/api/v3/account`` and ``/sapi/v1/account/apiRestrictions``, with
restrictions each test sets. The container points Binance at it through the server
setting ``exchange_url_overrides`` (users can never pass a URL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from xor_trading.core.clock import TestClock
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import audit_log as audit_repo
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.persistence.tables.exchange_credentials import ExchangeCredentialRow
from xor_trading.runtime.settings import Settings
from xor_trading.security.envelope import SealedSecret, SecretTamperedError
from xor_trading.services.audit import verify_audit_log
from xor_trading.services.container import Container, build_container
from xor_trading.services.exchange_key_service import (
    NO_IP_RESTRICTION_WARNING,
    NO_TRADING_REFUSAL,
    WITHDRAWALS_REFUSAL,
    credential_aad,
)
from xor_trading.testing.fake_binance_keys import FakeBinanceKeys as FakeBinance
from xor_trading.testing.fake_binance_keys import serve_fake_binance_keys

API_KEY = "canaryApiKey0123456789abcdefWXYZ"
SECRET = "canary-secret-7d41f0e9b2c84a6f"
KEYS = "/api/v1/exchange-keys"

MakeUser = Callable[..., Any]  # tests/integration/api/conftest.py: make_user
UserHandle = Any  # its UserHandle (.id, .headers, .step_up_headers())


@pytest.fixture
def venue() -> Iterator[FakeBinance]:
    with serve_fake_binance_keys() as fake:
        yield fake


@pytest.fixture
def container(
    database: Database, tmp_path: Path, clock: TestClock, venue: FakeBinance
) -> Container:
    """The API tests' container, with Binance pointed at the fake venue."""
    settings = Settings(
        data_dir=tmp_path / "data",
        password_hash_profile="test",
        exchange_url_overrides={"binance": venue.url},
    )
    return build_container(settings, clock=clock, database=database)


def _body(**changes: Any) -> dict[str, Any]:
    return {"exchange": "binance", "label": "main", "api_key": API_KEY, "secret": SECRET} | changes


def _add(client: TestClient, user: UserHandle, **changes: Any) -> Any:
    return client.post(KEYS, json=_body(**changes), headers=user.step_up_headers())


def _key_actions(container: Container) -> list[str]:
    """The audited exchange-key actions, oldest first."""
    with container.database.read_session() as session:
        rows, _ = audit_repo.list_entries(session, action="exchange_key.", limit=500)
    return [row.action for row in reversed(rows)]


def _rows(container: Container) -> list[ExchangeCredentialRow]:
    with container.database.read_session() as session:
        rows = list(session.scalars(select(ExchangeCredentialRow)))
        session.expunge_all()  # keep the loaded values after the read-only rollback
    return rows


def test_adding_without_step_up_is_403_mfa_required(
    client: TestClient, make_user: MakeUser, venue: FakeBinance, container: Container
) -> None:
    with_mfa = make_user(role="trader", mfa=True)
    response = client.post(KEYS, json=_body(), headers=with_mfa.headers)  # no fresh MFA
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    without_mfa = make_user(role="trader")
    response = client.post(KEYS, json=_body(), headers=without_mfa.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert venue.requests == []  # the key never left the server
    assert _rows(container) == []


def test_viewer_cannot_add_even_with_step_up(client: TestClient, make_user: MakeUser) -> None:
    viewer = make_user(role="viewer", mfa=True)
    response = client.post(KEYS, json=_body(), headers=viewer.step_up_headers())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_key_that_can_withdraw_is_refused_with_the_reason(
    client: TestClient, make_user: MakeUser, venue: FakeBinance, container: Container
) -> None:
    venue.enable_withdrawals = True
    response = _add(client, make_user(mfa=True))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["message"] == WITHDRAWALS_REFUSAL
    assert "disable withdrawals" in body["hint"]
    # Validated with read-only calls only, before anything was stored.
    assert venue.requests == [
        ("GET", "/api/v3/account"),
        ("GET", "/sapi/v1/account/apiRestrictions"),
    ]
    assert _rows(container) == []
    assert _key_actions(container) == []


def test_key_that_cannot_trade_is_refused(
    client: TestClient, make_user: MakeUser, venue: FakeBinance, container: Container
) -> None:
    venue.spot_trading = False
    response = _add(client, make_user(mfa=True))
    assert response.status_code == 422
    assert response.json()["message"] == NO_TRADING_REFUSAL
    assert _rows(container) == []


def test_key_without_ip_restriction_is_stored_with_a_warning(
    client: TestClient, make_user: MakeUser, venue: FakeBinance, container: Container
) -> None:
    venue.ip_restrict = False
    user = make_user(mfa=True)
    response = _add(client, user)
    assert response.status_code == 201
    created = response.json()
    assert created["warnings"] == [NO_IP_RESTRICTION_WARNING]
    assert created["permissions"] == {
        "trading": True,
        "withdrawals": False,
        "transfers": False,
        "ip_restricted": False,
    }
    (row,) = _rows(container)
    assert json.loads(row.warnings) == [NO_IP_RESTRICTION_WARNING]
    # The addition is audited, with the warning count and no secret.
    admin = make_user(role="admin")
    entries = client.get(
        "/api/v1/audit/entries", params={"action": "exchange_key.add"}, headers=admin.headers
    ).json()
    (entry,) = entries["items"]
    assert entry["action"] == "exchange_key.add"
    assert entry["actor_id"] == user.id
    assert entry["target_id"] == created["id"]
    assert entry["details"] == {
        "api_key_last4": "WXYZ",
        "exchange": "binance",
        "ip_restricted": False,
        "label": "main",
        "warnings": 1,
    }


def test_ip_restricted_key_has_no_warning_and_is_listed_masked_only(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    user = make_user(mfa=True)
    created = _add(client, user).json()
    assert created["warnings"] == []
    listed = client.get(KEYS, headers=user.headers)
    assert listed.status_code == 200
    page = listed.json()
    assert page["total"] == 1
    (item,) = page["items"]
    assert item["api_key_masked"] == "****WXYZ"
    assert set(item) == {
        "id",
        "exchange",
        "label",
        "api_key_masked",
        "permissions",
        "warnings",
        "created_at",
        "validated_at",
    }
    one = client.get(f"{KEYS}/{created['id']}", headers=user.headers)
    for response in (listed, one, client.post(KEYS, json=_body(), headers=user.headers)):
        assert API_KEY not in response.text
        assert SECRET not in response.text
    assert datetime.fromisoformat(item["validated_at"]) == datetime(2025, 6, 1, tzinfo=UTC)


def test_stored_row_holds_no_plaintext_and_opens_only_for_its_owner_and_row(
    client: TestClient, make_user: MakeUser, container: Container, database: Database
) -> None:
    user = make_user(mfa=True)
    created = _add(client, user, password="canary-passphrase-91").json()
    # Every column of the raw row, as the database returns it.
    with database.engine.connect() as conn:
        raw = conn.execute(text("SELECT * FROM exchange_credentials")).one()
    blob = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in raw)
    for canary in (API_KEY, SECRET, "canary-passphrase-91", API_KEY[:-4]):
        assert canary.encode() not in blob
    assert container.secrets.kek not in blob
    if database.is_sqlite:  # the database files themselves (WAL included)
        database.dispose()
        path = Path(database.url.split("///", 1)[1])
        for file in (path, Path(f"{path}-wal")):
            data = file.read_bytes() if file.exists() else b""
            assert SECRET.encode() not in data
            assert API_KEY.encode() not in data
    (row,) = _rows(container)
    sealed = SealedSecret(row.kek_id, row.wrapped_dek, row.nonce, row.ciphertext)
    opened = json.loads(container.cipher.open(sealed, credential_aad(user.id, created["id"])))
    assert opened == {"api_key": API_KEY, "secret": SECRET, "password": "canary-passphrase-91"}
    other = make_user()
    with pytest.raises(SecretTamperedError):  # the same bytes in another user's row
        container.cipher.open(sealed, credential_aad(other.id, created["id"]))


def test_another_users_key_is_not_found(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    owner = make_user(mfa=True)
    created = _add(client, owner).json()
    intruder = make_user(role="admin")  # not even an admin sees another user's keys
    for method in ("GET", "DELETE"):
        response = client.request(method, f"{KEYS}/{created['id']}", headers=intruder.headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert client.get(KEYS, headers=intruder.headers).json()["total"] == 0
    assert len(_rows(container)) == 1


def test_owner_deletes_the_key_unless_a_bot_uses_it(
    client: TestClient, make_user: MakeUser, container: Container
) -> None:
    owner = make_user(mfa=True)
    key_id = _add(client, owner).json()["id"]
    now = datetime(2025, 6, 1, tzinfo=UTC)
    with container.database.session() as session:
        session.add(
            BotRow(id="bot-using-key", owner_id=owner.id, name="grid one", strategy="grid",
                   mode="live", state="idle", exchange="binance", symbols='["BTC/USDT"]',
                   timeframe="1h", risk_profile="default", config_version=1,
                   exchange_credential_id=key_id, created_at=now, updated_at=now)
        )  # fmt: skip
    refused = client.delete(f"{KEYS}/{key_id}", headers=owner.headers)
    assert refused.status_code == 409
    assert "grid one" in refused.json()["message"]
    with container.database.session() as session:
        bot = session.get(BotRow, "bot-using-key")
        assert bot is not None
        bot.deleted_at = now  # a deleted bot no longer holds the key
    deleted = client.delete(f"{KEYS}/{key_id}", headers=owner.headers)
    assert deleted.status_code == 200
    assert _rows(container) == []
    assert client.get(f"{KEYS}/{key_id}", headers=owner.headers).status_code == 404
    with container.database.read_session() as session:
        bot = session.get(BotRow, "bot-using-key")
        assert bot is not None
        assert bot.exchange_credential_id is None
    assert _key_actions(container) == ["exchange_key.add", "exchange_key.delete"]
    assert verify_audit_log(container).ok


def test_key_refused_by_the_venue_is_422(
    client: TestClient, make_user: MakeUser, venue: FakeBinance, container: Container
) -> None:
    venue.reject_key = True
    response = _add(client, make_user(mfa=True))
    assert response.status_code == 422
    assert "refused this API key" in response.json()["message"]
    assert _rows(container) == []


def test_unreachable_venue_is_503(
    client: TestClient, make_user: MakeUser, container: Container, database: Database
) -> None:
    settings = Settings(
        data_dir=container.settings.data_dir,
        password_hash_profile="test",
        exchange_url_overrides={"binance": "http://127.0.0.1:9"},  # discard port: refused
    )
    container.settings = settings
    response = _add(client, make_user(mfa=True))
    assert response.status_code == 503
    assert response.json()["code"] == "temporarily_unavailable"
    assert _rows(container) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"exchange": "notanexchange"}, None),
        ({"urls": {"api": "http://169.254.169.254"}}, "urls"),
        ({"options": {"defaultType": "margin"}}, "options"),
        ({"api_key": "short"}, "api_key"),
    ],
)
def test_bad_bodies_are_422_and_never_reach_a_venue(
    client: TestClient,
    make_user: MakeUser,
    venue: FakeBinance,
    changes: dict[str, Any],
    field: str | None,
) -> None:
    response = _add(client, make_user(mfa=True), **changes)
    assert response.status_code == 422
    if field is None:
        assert "not supported" in response.json()["message"]
    else:
        assert response.json()["details"][0]["field"] == field
    assert venue.requests == []
