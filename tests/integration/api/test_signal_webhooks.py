"""Inbound signal webhooks (S14): HMAC signature, timestamp window, single-use nonces,
one 401 for every authentication failure, 422 only after the signature verified.

The fuzz tests (hypothesis) feed arbitrary bytes and header values to the body parser,
the header parser and the route: nothing but the documented answers (202, 401, 422)
ever comes back, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from typing import Any

import hypothesis
import pytest
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from xor_trading.api.schemas.webhooks import MAX_SIGNAL_BODY_BYTES, SignalInput, parse_signal_body
from xor_trading.persistence.tables import load_all
from xor_trading.persistence.tables.audit_log import AuditEntryRow
from xor_trading.persistence.tables.signals import SignalRow
from xor_trading.services.container import Container
from xor_trading.services.signal_webhooks import (
    SignatureHeaders,
    SignatureRejectedError,
    parse_signature_headers,
)
from xor_trading.sharedstate.redis_nonce_store import RedisNonceStore

MakeUser = Any  # tests/integration/api/conftest.py: make_user
UserHandle = Any

REDIS_URL = "redis://127.0.0.1:6379/0"
BOTS = "/api/v1/bots"
BOT: dict[str, Any] = {
    "name": "tv signals",
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30},
    "symbols": ["BTC/USDT", "ETH/USDT"],
    "timeframe": "1h",
}
VALID_SIGNAL = {"action": "buy", "symbol": "BTC/USDT", "strength": "0.75", "note": "TV: cross up"}
REJECTION = {
    "code": "invalid_signature",
    "message": "the signal was not accepted: its signature, timestamp or nonce is not valid "
    "for this bot",
    "hint": "send X-XOR-Timestamp (unix seconds), a fresh X-XOR-Nonce (16-64 of A-Z a-z 0-9 _ "
    "-) and X-XOR-Signature = hex HMAC-SHA256 of '<timestamp>.<nonce>.<body>' with the bot's "
    "webhook secret",
    "details": [],
}

_nonces = itertools.count(1)


def fresh_nonce() -> str:
    return f"nonce-{next(_nonces):06d}-{secrets.token_hex(6)}"


def signature(secret: str, timestamp: int | str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class Sender:
    """Signs and posts signals for one bot, as TradingView would."""

    def __init__(self, client: TestClient, container: Container, bot_id: str, secret: str):
        self.client, self.container, self.bot_id, self.secret = client, container, bot_id, secret

    def now_s(self) -> int:
        return self.container.clock.now_ms() // 1000

    def headers(
        self, body: bytes, *, timestamp: int | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        ts = self.now_s() if timestamp is None else timestamp
        nonce = nonce or fresh_nonce()
        return {
            "X-XOR-Timestamp": str(ts),
            "X-XOR-Nonce": nonce,
            "X-XOR-Signature": signature(self.secret, ts, nonce, body),
            "Content-Type": "application/json",
        }

    def post(
        self, body: bytes, headers: dict[str, str] | None = None, bot_id: str | None = None
    ) -> Any:
        return self.client.post(
            f"/api/v1/webhooks/signals/{bot_id or self.bot_id}",
            content=body,
            headers=self.headers(body) if headers is None else headers,
        )


def make_bot(client: TestClient, user: UserHandle, name: str = "tv signals") -> str:
    response = client.post(BOTS, json={**BOT, "name": name}, headers=user.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def make_secret(client: TestClient, user: UserHandle, bot_id: str) -> str:
    response = client.post(f"{BOTS}/{bot_id}/webhook-secret", headers=user.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


@pytest.fixture
def trader(make_user: MakeUser) -> UserHandle:
    return make_user()


@pytest.fixture
def sender(client: TestClient, container: Container, trader: UserHandle) -> Sender:
    bot_id = make_bot(client, trader)
    return Sender(client, container, bot_id, make_secret(client, trader, bot_id))


def encoded(data: Any) -> bytes:
    return json.dumps(data).encode()


def signal_count(container: Container) -> int:
    with container.database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(SignalRow)) or 0)


def without_request_id(response: Any) -> dict[str, Any]:
    body = dict(response.json())
    assert body.pop("request_id") == response.headers["x-request-id"]
    return body


# -- the happy path -----------------------------------------------------------------------------


def test_a_signed_signal_is_accepted_recorded_and_audited(
    sender: Sender, container: Container, trader: UserHandle
) -> None:
    response = sender.post(encoded(VALID_SIGNAL))

    assert response.status_code == 202, response.text
    signal = response.json()
    assert {k: signal[k] for k in ("bot_id", "symbol", "kind", "strength", "details")} == {
        "bot_id": sender.bot_id,
        "symbol": "BTC/USDT",
        "kind": "buy",
        "strength": "0.75",
        "details": {"source": "webhook", "note": "TV: cross up"},
    }
    with container.database.read_session() as session:
        row = session.get(SignalRow, signal["id"])
        assert row is not None
        assert row.owner_id == trader.id
        audit = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "signal.webhook")
        ).one()
        assert (audit.actor_id, audit.target_type, audit.target_id) == (
            trader.id,
            "bot",
            sender.bot_id,
        )
        assert json.loads(audit.details) == {
            "action": "buy",
            "signal_id": signal["id"],
            "symbol": "BTC/USDT",
        }


def test_the_timestamp_window_is_300_seconds_each_way(sender: Sender) -> None:
    body = encoded({"action": "close", "symbol": "ETH/USDT"})
    now = sender.now_s()
    accepted = [sender.post(body, sender.headers(body, timestamp=now + d)) for d in (-300, 300)]
    refused = [sender.post(body, sender.headers(body, timestamp=now + d)) for d in (-301, 301)]
    assert [r.status_code for r in accepted] == [202, 202]
    assert [r.status_code for r in refused] == [401, 401]


def test_the_secret_is_shown_once_stored_sealed_and_replaced_on_regeneration(
    client: TestClient, container: Container, trader: UserHandle, sender: Sender
) -> None:
    stored: list[str] = []
    with container.database.engine.connect() as connection:
        for table in load_all().sorted_tables:
            for row in connection.execute(select(table)):
                stored.extend(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row)
    assert not any(sender.secret in value for value in stored)

    old = sender.secret
    sender.secret = make_secret(client, trader, sender.bot_id)
    assert sender.secret != old
    body = encoded(VALID_SIGNAL)
    assert sender.post(body).status_code == 202
    sender.secret = old
    assert sender.post(body).status_code == 401

    revoked = client.delete(f"{BOTS}/{sender.bot_id}/webhook-secret", headers=trader.headers)
    assert revoked.status_code == 200
    sender.secret = old
    assert sender.post(body).status_code == 401


# -- every authentication failure: the same 401 -----------------------------------------------


def test_every_authentication_failure_is_the_same_401(
    client: TestClient,
    make_user: MakeUser,
    trader: UserHandle,
    sender: Sender,
    container: Container,
) -> None:
    body = encoded(VALID_SIGNAL)
    ok = sender.headers(body)
    ts, nonce, now = ok["X-XOR-Timestamp"], ok["X-XOR-Nonce"], sender.now_s()

    def drop(name: str) -> dict[str, str]:
        return {k: v for k, v in sender.headers(body).items() if k != name}

    def signed_with(
        secret: str, *, timestamp: int = now, nonce_: str | None = None
    ) -> dict[str, str]:
        n = nonce_ or fresh_nonce()
        return {
            "X-XOR-Timestamp": str(timestamp),
            "X-XOR-Nonce": n,
            "X-XOR-Signature": signature(secret, timestamp, n, body),
        }

    no_secret_bot = make_bot(client, trader, name="no secret")
    deleted_bot = make_bot(client, trader, name="deleted")
    deleted_secret = make_secret(client, trader, deleted_bot)
    assert client.delete(f"{BOTS}/{deleted_bot}", headers=trader.headers).status_code == 200
    stranger = make_user()
    strangers_bot = make_bot(client, stranger, name="stranger")
    strangers_secret = make_secret(client, stranger, strangers_bot)

    assert sender.post(body, ok).status_code == 202
    attempts: dict[str, tuple[str | None, dict[str, str]]] = {
        "no headers": (None, {}),
        "no timestamp": (None, drop("X-XOR-Timestamp")),
        "no nonce": (None, drop("X-XOR-Nonce")),
        "no signature": (None, drop("X-XOR-Signature")),
        "replayed request": (None, ok),
        "wrong secret": (None, signed_with("not-the-secret")),
        "another bot's secret": (None, signed_with(strangers_secret)),
        "signature of another body": (
            None,
            {**sender.headers(b"{}"), "X-XOR-Nonce": fresh_nonce()},
        ),
        "stale timestamp": (None, signed_with(sender.secret, timestamp=now - 301)),
        "future timestamp": (None, signed_with(sender.secret, timestamp=now + 301)),
        "timestamp not a number": (None, {**sender.headers(body), "X-XOR-Timestamp": "soon"}),
        "negative timestamp": (None, {**sender.headers(body), "X-XOR-Timestamp": f"-{ts}"}),
        "nonce too short": (None, signed_with(sender.secret, nonce_="short")),
        "nonce too long": (None, signed_with(sender.secret, nonce_="n" * 65)),
        "nonce with odd characters": (
            None,
            signed_with(sender.secret, nonce_="nonce/with/slashes/ok"),
        ),
        "signature not hex": (None, {**sender.headers(body), "X-XOR-Signature": "z" * 64}),
        "signature truncated": (
            None,
            {**ok, "X-XOR-Nonce": nonce[:-1] + "x", "X-XOR-Signature": ok["X-XOR-Signature"][:-2]},
        ),
        "unknown bot": ("00000000-0000-4000-8000-000000000000", signed_with(sender.secret)),
        "malformed bot id": ("not a bot id!", signed_with(sender.secret)),
        "bot without a secret": (no_secret_bot, signed_with(sender.secret)),
        "deleted bot": (deleted_bot, signed_with(deleted_secret)),
        "another user's bot": (strangers_bot, signed_with(sender.secret)),
    }
    answers = {}
    for name, (bot_id, headers) in attempts.items():
        response = sender.post(body, headers, bot_id=bot_id)
        answers[name] = (response.status_code, without_request_id(response))
    assert answers == dict.fromkeys(attempts, (401, REJECTION))
    assert signal_count(container) == 1


@pytest.mark.parametrize("nonce_store", ["memory", "redis"])
def test_a_replay_is_refused_on_each_nonce_store(
    sender: Sender, container: Container, nonce_store: str
) -> None:
    if nonce_store == "redis":
        prefix = f"xor-test:{secrets.token_hex(6)}:"
        container.nonces.close()
        container.nonces = RedisNonceStore(REDIS_URL, prefix=prefix)
    body = encoded(VALID_SIGNAL)
    headers = sender.headers(body)

    first, replay = sender.post(body, headers), sender.post(body, headers)
    fresh = sender.post(body)

    assert [r.status_code for r in (first, replay, fresh)] == [202, 401, 202]
    assert without_request_id(replay) == REJECTION
    assert signal_count(container) == 2


def test_a_nonce_is_remembered_longer_than_the_timestamp_window(
    sender: Sender, container: Container
) -> None:
    """A request signed at the window's future edge stays replayable for 600 s of clock
    time; the nonce lives 600 s, so every replay in that span is refused."""
    body = encoded(VALID_SIGNAL)
    headers = sender.headers(body, timestamp=sender.now_s() + 300)
    assert sender.post(body, headers).status_code == 202
    container.clock.advance(599_000)  # type: ignore[attr-defined]  # the TestClock
    assert sender.post(body, headers).status_code == 401


# -- bodies: 422 only with a valid signature ---------------------------------------------------


BAD_BODIES: dict[str, bytes] = {
    "NaN strength": b'{"action": "buy", "symbol": "BTC/USDT", "strength": NaN}',
    "Infinity strength": b'{"action": "buy", "symbol": "BTC/USDT", "strength": Infinity}',
    "NaN as a string": b'{"action": "buy", "symbol": "BTC/USDT", "strength": "NaN"}',
    "negative strength": b'{"action": "buy", "symbol": "BTC/USDT", "strength": -0.1}',
    "strength above 1": b'{"action": "buy", "symbol": "BTC/USDT", "strength": 1.5}',
    "huge exponent": b'{"action": "buy", "symbol": "BTC/USDT", "strength": 1e999999}',
    "too many digits": (
        b'{"action": "buy", "symbol": "BTC/USDT", "strength": "0.1234567890123456789"}'
    ),
    "unknown action": b'{"action": "hold", "symbol": "BTC/USDT"}',
    "unknown field": b'{"action": "buy", "symbol": "BTC/USDT", "quantity": 5}',
    "note too long": encoded({"action": "buy", "symbol": "BTC/USDT", "note": "n" * 201}),
    "control character": encoded({"action": "buy", "symbol": "BTC/USDT", "note": "a\u0007b"}),
    "symbol of no bot shape": b'{"action": "buy", "symbol": "../../etc"}',
    "not the bot's symbol": b'{"action": "buy", "symbol": "DOGE/USDT"}',
    "oversized body": encoded(
        {"action": "buy", "symbol": "BTC/USDT", "note": "x"} | {"pad": "p" * MAX_SIGNAL_BODY_BYTES}
    ),
    "not JSON": b"action=buy&symbol=BTC/USDT",
    "not UTF-8": b'{"action": "buy", "symbol": "\xff\xfe"}',
    "a list": b'[{"action": "buy", "symbol": "BTC/USDT"}]',
    "empty": b"",
}


def test_bad_bodies_are_422_with_a_valid_signature_and_401_without(
    sender: Sender, container: Container
) -> None:
    signed = {name: sender.post(body).status_code for name, body in BAD_BODIES.items()}
    unsigned = {
        name: sender.post(body, {**sender.headers(b"other body")}).status_code
        for name, body in BAD_BODIES.items()
    }
    assert signed == dict.fromkeys(BAD_BODIES, 422)
    assert unsigned == dict.fromkeys(BAD_BODIES, 401)
    assert signal_count(container) == 0
    mismatch = sender.post(BAD_BODIES["not the bot's symbol"]).json()
    assert (mismatch["message"], mismatch["hint"]) == (
        "'DOGE/USDT' is not one of this bot's symbols",
        "send one of: BTC/USDT, ETH/USDT",
    )


# -- fuzzing (S14): never anything but the documented answers ------------------------------------

FUZZ = hypothesis.settings(max_examples=300, deadline=None, derandomize=True, database=None)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
SIGNALISH = st.fixed_dictionaries(
    {},
    optional={
        "action": st.sampled_from(["buy", "sell", "close", "hold", ""]) | st.text(max_size=8),
        "symbol": st.sampled_from(["BTC/USDT", "ETH/USDT", "X"]) | st.text(max_size=40),
        "strength": st.floats() | st.decimals().map(str) | st.integers() | st.none(),
        "note": st.text(max_size=250) | st.none(),
        "extra": JSONISH,
    },
)


@FUZZ
@given(st.binary(max_size=6000) | SIGNALISH.map(lambda d: json.dumps(d).encode()))
def test_the_body_parser_accepts_or_raises_a_validation_error_only(raw: bytes) -> None:
    try:
        parsed = parse_signal_body(raw)
    except RequestValidationError as exc:
        problems = exc.errors()
    else:
        assert isinstance(parsed, SignalInput)
        assert parsed.strength is None or 0 <= parsed.strength <= 1
        assert len(raw) <= MAX_SIGNAL_BODY_BYTES
        return
    assert problems, "a rejection names at least one problem"


HEADER_TEXT = (
    st.none()
    | st.text(max_size=80)
    | st.from_regex(r"\A[0-9]{1,14}\Z")
    | st.from_regex(r"\A[0-9a-fA-F]{60,68}\Z")
)


@FUZZ
@given(HEADER_TEXT, HEADER_TEXT, HEADER_TEXT)
def test_the_header_parser_accepts_or_rejects_only(
    timestamp: str | None, nonce: str | None, signature_: str | None
) -> None:
    try:
        parsed = parse_signature_headers(timestamp, nonce, signature_)
    except SignatureRejectedError:
        return
    assert isinstance(parsed, SignatureHeaders)
    assert len(parsed.signature) == 64
    assert parsed.signature == parsed.signature.lower()
    assert 16 <= len(parsed.nonce) <= 64


@hypothesis.settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.binary(max_size=5000) | SIGNALISH.map(lambda d: json.dumps(d).encode()),
    header=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=70),
)
def test_the_route_never_fails_on_arbitrary_bodies_or_headers(
    sender: Sender, body: bytes, header: str
) -> None:
    signed = sender.post(body)
    assert signed.status_code in (202, 422), signed.text
    forged = sender.post(
        body, {"X-XOR-Timestamp": header, "X-XOR-Nonce": header, "X-XOR-Signature": header}
    )
    assert forged.status_code == 401
    assert without_request_id(forged) == REJECTION
