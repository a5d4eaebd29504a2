"""S6 (with S3, S15): planted secrets never come back out, anywhere.

A realistic session plants canaries: a user registers with a canary password, enrols
MFA (the server's TOTP seed and recovery codes become canaries), logs in with MFA, steps
up, adds an exchange key whose API key and secret are canaries (validated against the
fake Binance), refreshes its tokens (every access, refresh and MFA token is a canary),
creates a bot and its signal-webhook secret (a canary too), and reads everything: every
GET route with its own ids, a short generated sweep of every GET operation, the
WebSocket stream with events published on it, and (as an administrator) the audit log.

Collected: every response body and header, every WebSocket frame, every log record of
every logger at DEBUG (SQL statements included), captured stdout and stderr, and a dump
of the database (SQLite ``iterdump``; PostgreSQL ``pg_dump``, or every table as text when
``pg_dump`` is missing). Then:

* the password, the exchange secret and the full API key appear nowhere (the secret and
  the seed also not in base64, at any alignment, nor hex);
* the TOTP seed appears in exactly one response, the enrolment answer (its ``secret``
  field and the ``otpauth://`` URI an authenticator scans), and nowhere else; likewise
  the webhook secret, only in the answer that creates it;
* each recovery code and each token appears only in the response that issued it;
* no response has a field named like a stored secret (``password_hash``, ``secret``...),
  except the ``secret`` of those two show-once answers.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.core.result import Ok
from sqlalchemy import text

from xor_trading.api.policy import load_policy_table
from xor_trading.core.clock import TestClock
from xor_trading.persistence.tables import load_all
from xor_trading.security import totp as totp_codes
from xor_trading.services import stream_events
from xor_trading.services.container import Container

MakeUser = Any  # tests/integration/api/conftest.py: make_user

FORBIDDEN_FIELDS = frozenset(
    {"password_hash", "totp_secret", "token_hash", "ciphertext", "wrapped_dek", "nonce", "secret"}
)
SWEEP_EXAMPLES = 3
ENROLMENT = "POST /api/v1/auth/mfa/enrol"
WEBHOOK_SECRET = "POST /api/v1/bots/{bot_id}/webhook-secret"
# Answers that show a secret once by design, and the field that holds it.
ONE_TIME_SECRET_FIELDS = {ENROLMENT: "secret", WEBHOOK_SECRET: "secret"}
TOTP_STEP_MS = 30_000


@dataclass
class Seen:
    """Everything that left the server or was kept by it, by where it was found."""

    responses: list[tuple[str, str]] = field(default_factory=list)  # (label, headers + body)
    bodies: list[tuple[str, Any]] = field(default_factory=list)  # (label, parsed JSON)
    frames: list[str] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)  # (logger, formatted record)
    output: str = ""
    dump: str = ""

    def record(self, label: str, response: Any) -> Any:
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.responses.append((label, f"{headers}\n\n{response.text}"))
        if "json" in response.headers.get("content-type", ""):
            self.bodies.append((label, response.json()))
        return response

    def places(self) -> Iterator[tuple[str, str]]:
        yield from self.responses
        yield from ((f"websocket frame {i}", f) for i, f in enumerate(self.frames))
        yield from ((f"log of {name}", record) for name, record in self.logs)
        yield ("stdout/stderr", self.output)
        yield ("database dump", self.dump)


def base64_forms(data: bytes) -> set[str]:
    """Substrings that every base64 (standard or URL-safe) encoding of a text containing
    ``data`` contains, whatever the alignment of ``data`` in that text: the encoding of
    the whole 3-byte groups of ``data`` after skipping 0, 1 or 2 bytes."""
    forms = set()
    for skip in range(3):
        body = data[skip:]
        core = base64.b64encode(body[: len(body) - len(body) % 3]).decode()
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def encodings(value: str, raw: bytes | None = None) -> set[str]:
    """``value`` itself, and its bytes (or ``raw``) in base64 and hex."""
    data = raw if raw is not None else value.encode()
    return {value, data.hex(), data.hex().upper(), *base64_forms(data)}


@dataclass
class Session:
    """What the flow planted and produced."""

    password: str
    api_key: str
    exchange_secret: str
    seed: str = ""
    webhook_secret: str = ""
    recovery_codes: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> label of the issuing response
    ids: dict[str, str] = field(default_factory=dict)


def _totp(seed: str, clock: TestClock) -> str:
    clock.advance(TOTP_STEP_MS)  # a fresh step: a code is accepted once per step
    return totp_codes.code_at_step(seed, totp_codes.step_at(clock.now_ms()))


def _issue(session: Session, label: str, *tokens: str | None) -> None:
    for token in tokens:
        assert token, f"{label} issued no token"
        session.tokens[token] = label


def _run_flow(
    client: TestClient, container: Container, clock: TestClock, seen: Seen, session: Session
) -> dict[str, str]:
    """The session of the module docstring; returns the final request headers."""
    email = "canary.user@example.test"

    def call(method: str, path: str, label: str = "", **kwargs: Any) -> Any:
        label = label or f"{method} {path}"
        response = seen.record(label, client.request(method, path, **kwargs))
        assert response.status_code < 400, f"{label}: {response.text}"
        return response

    credentials = {"email": email, "password": session.password}
    call("POST", "/api/v1/auth/register", json=credentials)
    first = call("POST", "/api/v1/auth/login", json=credentials).json()["tokens"]
    _issue(session, "POST /api/v1/auth/login", first["access_token"], first["refresh_token"])
    bearer = {"Authorization": f"Bearer {first['access_token']}"}

    enrolment = call("POST", "/api/v1/auth/mfa/enrol", headers=bearer).json()
    session.seed = enrolment["secret"]
    activated = call(
        "POST", "/api/v1/auth/mfa/verify", json={"code": _totp(session.seed, clock)}, headers=bearer
    ).json()
    session.recovery_codes = activated["recovery_codes"]
    _issue(session, "POST /api/v1/auth/mfa/verify", activated["access_token"])

    pending = call("POST", "/api/v1/auth/login", json=credentials).json()
    _issue(session, "POST /api/v1/auth/login", pending["mfa_token"])
    pair = call(
        "POST",
        "/api/v1/auth/login/mfa",
        json={"mfa_token": pending["mfa_token"], "code": _totp(session.seed, clock)},
    ).json()
    _issue(session, "POST /api/v1/auth/login/mfa", pair["access_token"], pair["refresh_token"])
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    stepped = call(
        "POST",
        "/api/v1/auth/mfa/step-up",
        json={"code": _totp(session.seed, clock)},
        headers=bearer,
    ).json()
    _issue(session, "POST /api/v1/auth/mfa/step-up", stepped["access_token"])

    key = call(
        "POST",
        "/api/v1/exchange-keys",
        json={"exchange": "binance", "label": "canary key", "api_key": session.api_key,
              "secret": session.exchange_secret},
        headers={"Authorization": f"Bearer {stepped['access_token']}"},
    ).json()  # fmt: skip
    refreshed = call(
        "POST", "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    ).json()
    _issue(
        session, "POST /api/v1/auth/refresh", refreshed["access_token"], refreshed["refresh_token"]
    )
    bearer = {"Authorization": f"Bearer {refreshed['access_token']}"}
    bot = call(
        "POST",
        "/api/v1/bots",
        json={"name": "canary bot", "strategy": "sma_cross", "params": {"fast": 10, "slow": 30},
              "symbols": ["BTC/USDT"], "timeframe": "1h", "exchange_credential_id": key["id"]},
        headers=bearer,
    ).json()  # fmt: skip
    call("PATCH", f"/api/v1/bots/{bot['id']}", json={"params": {"fast": 12}}, headers=bearer)
    webhook = call(
        "POST", f"/api/v1/bots/{bot['id']}/webhook-secret", label=WEBHOOK_SECRET, headers=bearer
    ).json()
    session.webhook_secret = webhook["secret"]
    session.ids = {"bot_id": bot["id"], "key_id": key["id"], "version": "1"}
    return bearer


def _read_everything(
    client: TestClient, seen: Seen, session: Session, bearer: dict[str, str]
) -> None:
    """Every GET route of the policy table with the session's own ids (routes naming
    other objects get a random id) and no query."""
    for row in sorted(load_policy_table().values(), key=lambda r: r.path):
        if row.method != "GET":
            continue
        path = re.sub(
            r"\{([^}]+)\}",
            lambda m: session.ids.get(m.group(1), "00000000-0000-4000-8000-000000000000"),
            row.path,
        )
        seen.record(f"GET {row.path}", client.get(path, headers=bearer))


def _sweep(client: TestClient, seen: Seen, bearer: dict[str, str]) -> None:
    """A few schemathesis-generated requests to every GET operation (derandomised)."""
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    for result in loaded.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        if operation.method.upper() == "GET":
            _sweep_operation(operation, seen, bearer)


def _sweep_operation(operation: Any, seen: Seen, bearer: dict[str, str]) -> None:
    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=SWEEP_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def one(case: Any) -> None:
        seen.record(f"sweep {operation.label}", case.call(headers=bearer))

    one()


def _websocket(
    client: TestClient,
    container: Container,
    seen: Seen,
    session: Session,
    bearer: dict[str, str],
    user_id: str,
) -> None:
    """Subscribe to the session's bot, alerts and pnl channels, publish two events, and
    keep every frame the server sent."""
    bot = session.ids["bot_id"]
    token = bearer["Authorization"].split(" ", 1)[1]
    with client.websocket_connect("/api/v1/stream") as ws:
        ws.send_json({"type": "auth", "token": token})
        seen.frames.append(ws.receive_text())
        channels = [f"bots.{bot}.status", f"alerts.{user_id}", f"pnl.{user_id}"]
        ws.send_json({"type": "subscribe", "channels": channels})
        seen.frames.append(ws.receive_text())
        stream_events.publish_bot_status(
            container, owner_id=user_id, bot_id=bot, state="stopped", reason="canary check"
        )
        stream_events.publish_alert(container, owner_id=user_id, level="info", message="hello")
        seen.frames.extend(ws.receive_text() for _ in range(2))
    assert any('"subscribed"' in frame for frame in seen.frames), seen.frames


def _dump(container: Container) -> str:
    database = container.database
    url = database.engine.url
    if database.is_sqlite:
        with closing(sqlite3.connect(str(url.database))) as connection:
            return "\n".join(connection.iterdump())
    pg_dump = shutil.which("pg_dump")
    if pg_dump is not None:
        done = subprocess.run(
            [pg_dump, "-h", str(url.host), "-p", str(url.port or 5432),
             "-U", str(url.username), "-d", str(url.database)],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return done.stdout
    lines = []
    with database.engine.connect() as connection:
        for table in load_all().sorted_tables:
            rows = connection.execute(text(f'SELECT * FROM "{table.name}"'))
            lines += [repr(tuple(row)) for row in rows]
    return "\n".join(lines)


@pytest.fixture
def all_loggers_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _fields(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from _fields(item)


def test_planted_secrets_never_leave_their_store(
    client: TestClient,
    container: Container,
    clock: TestClock,
    make_user: MakeUser,
    all_loggers_at_debug: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    session = Session(
        password=f"canary-Passw0rd-{secrets.token_hex(8)}",
        api_key=f"canaryApiKey{secrets.token_hex(12)}WXYZ",
        exchange_secret=f"canarySecret{secrets.token_hex(16)}",
    )
    seen = Seen()
    bearer = _run_flow(client, container, clock, seen, session)
    _read_everything(client, seen, session, bearer)
    _sweep(client, seen, bearer)
    me = client.get("/api/v1/auth/me", headers=bearer).json()
    _websocket(client, container, seen, session, bearer, me["id"])
    admin = make_user(role="admin")
    for path in ("/api/v1/audit/entries?limit=500", "/api/v1/audit/verify", "/api/v1/users"):
        seen.record(f"GET {path} (admin)", client.get(path, headers=admin.headers))
    seen.logs = [
        (r.name, f"{r.levelname} {r.getMessage()} {r.exc_text or ''}")
        for r in all_loggers_at_debug.records
    ]
    all_loggers_at_debug.clear()  # thousands of SQL records: keep them out of failure reports
    out, err = capfd.readouterr()
    seen.output = out + err
    seen.dump = _dump(container)

    # The collection is real: it saw the flow's data where it must be.
    assert len(seen.responses) > 100
    assert any(name.startswith("sqlalchemy.engine") for name, _ in seen.logs)  # SQL at DEBUG
    assert "canary.user@example.test" in seen.dump
    assert "****WXYZ" in client.get("/api/v1/exchange-keys", headers=bearer).text

    leaks: list[str] = []
    never = {
        "password": {session.password},
        "exchange secret": encodings(session.exchange_secret),
        "API key": {session.api_key},
    }
    for what, forms in never.items():
        leaks += [f"{what} in {where}" for where, blob in seen.places() for f in forms if f in blob]

    shown_once = {
        ENROLMENT: encodings(session.seed, base64.b32decode(session.seed)),
        WEBHOOK_SECRET: encodings(session.webhook_secret),
    }
    for issuer, forms in shown_once.items():
        holders = sorted({where for where, blob in seen.places() for f in forms if f in blob})
        if holders != [issuer]:
            leaks.append(f"the secret shown by {issuer} in {holders}")
    for code in session.recovery_codes:
        holders = sorted({where for where, blob in seen.places() if code in blob})
        if holders != ["POST /api/v1/auth/mfa/verify"]:
            leaks.append(f"recovery code in {holders}")
    for token, issuer in session.tokens.items():
        holders = sorted({where for where, blob in seen.places() if token in blob})
        if holders != [issuer]:
            leaks.append(f"token issued by {issuer} in {holders}")

    enrolment = next(body for label, body in seen.bodies if label == ENROLMENT)
    assert enrolment["secret"] == session.seed
    assert parse_qs(urlsplit(enrolment["otpauth_uri"]).query)["secret"] == [session.seed]
    leaks += [
        f"field {name!r} in {label}"
        for label, body in seen.bodies
        for name in _fields(body)
        if name in FORBIDDEN_FIELDS and ONE_TIME_SECRET_FIELDS.get(label) != name
    ]
    assert leaks == [], "\n".join(leaks)


def test_the_scanner_finds_a_secret_in_any_encoding() -> None:
    """The encodings above are the ones a leak would take (a check that finds nothing
    because it looks for the wrong bytes would pass forever)."""
    secret = "canarySecret0123456789abcdef"
    forms = encodings(secret)
    for prefix in ("", "a", "ab", "abc"):
        blob = prefix + secret + "tail"
        assert any(f in base64.b64encode(blob.encode()).decode() for f in forms), prefix
        assert any(f in base64.urlsafe_b64encode(blob.encode()).decode() for f in forms), prefix
    assert any(f in json.dumps({"x": secret.encode().hex()}) for f in forms)
    assert not any(f in base64.b64encode(b"something else entirely").decode() for f in forms)
