"""The rate-limit middleware through the real app: budgets per user, per IP, on login;
body size and JSON depth limits. The container's clock is frozen unless advanced, so
"in one second" is exact."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from xor_trading.api.app import create_app
from xor_trading.api.rate_limit import MAX_JSON_DEPTH, json_depth, json_too_deep
from xor_trading.core.clock import TestClock
from xor_trading.persistence.database import Database
from xor_trading.runtime.settings import Settings
from xor_trading.services.container import Container, build_container

ME = "/api/v1/auth/me"
LOGIN = "/api/v1/auth/login"
HEALTH = "/api/v1/health"
PROXY = "testclient"  # the peer address Starlette's TestClient reports
# As the `container` fixture of conftest.py: 429s answered at once, except in the tarpit test.
# (Not imported: several conftest modules share that name, so `from conftest` is ambiguous.)
TEST_SETTINGS: dict[str, Any] = {"rate_limit_refusal_delay_ms": 0}

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(database: Database, tmp_path: Path, clock: TestClock) -> Iterator[MakeClient]:
    """A client over a container with the given settings overrides (on ``database``)."""
    made: list[tuple[TestClient, Container]] = []

    def make(**overrides: Any) -> TestClient:
        settings = Settings(
            data_dir=tmp_path / "data",
            password_hash_profile="test",
            **{**TEST_SETTINGS, **overrides},
        )
        container = build_container(settings, clock=clock, database=database)
        client = TestClient(create_app(container))
        client.__enter__()
        made.append((client, container))
        return client

    yield make
    for client, container in made:
        client.__exit__(None, None, None)
        container.rate_limiter.close()
        container.stream.close()


def assert_rate_limited(response: Any, message_part: str, retry_after: str) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == retry_after
    body = response.json()
    assert body["code"] == "rate_limited"
    assert message_part in body["message"]
    assert body["hint"] == "wait for the number of seconds in the Retry-After header, then retry"
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert body["details"] == []


def test_the_101st_request_of_a_user_in_one_second_is_refused(
    client: TestClient, make_user: Any, clock: TestClock
) -> None:
    alice, bob = make_user(role="viewer"), make_user(role="viewer")
    statuses = [client.get(ME, headers=alice.headers).status_code for _ in range(100)]
    assert statuses == [200] * 100
    refused = client.get(ME, headers=alice.headers)
    assert_rate_limited(refused, "for your account: at most 100 per second", "1")
    # Another user on the same address has their own budget.
    assert client.get(ME, headers=bob.headers).status_code == 200
    # 100 per second is one every 10 ms: 9 ms later still refused, 10 ms later allowed.
    clock.advance(9)
    assert client.get(ME, headers=alice.headers).status_code == 429
    clock.advance(1)
    assert client.get(ME, headers=alice.headers).status_code == 200
    assert client.get(ME, headers=alice.headers).status_code == 429


def test_a_fresh_token_of_the_same_user_shares_the_budget(
    make_client: MakeClient, make_user: Any
) -> None:
    client = make_client(rate_limit_per_user_per_s=3)
    user = make_user(role="viewer")
    for _ in range(3):
        assert client.get(ME, headers=user.headers).status_code == 200
    # Logging in again gives a new token, not a new budget: the key is the token's sub.
    fresh = user.access_headers(mfa_at_ms=1)
    assert fresh != user.headers
    assert client.get(ME, headers=fresh).status_code == 429


def test_requests_per_ip_are_limited_and_forwarded_for_is_ignored_by_default(
    make_client: MakeClient,
) -> None:
    client = make_client(rate_limit_per_ip_per_s=5)
    spoofed = [
        client.get(HEALTH, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(6)
    ]
    assert spoofed == [200] * 5 + [429]
    assert_rate_limited(client.get(HEALTH), "from your address: at most 5 per second", "1")
    # A token that does not verify does not escape the address budget.
    forged = {"Authorization": "Bearer not.a.token"}
    assert client.get(HEALTH, headers=forged).status_code == 429


def test_authenticated_requests_are_budgeted_per_user_not_per_address(
    make_client: MakeClient, make_user: Any
) -> None:
    client = make_client(rate_limit_per_ip_per_s=2)
    user = make_user(role="viewer")
    assert [client.get(ME, headers=user.headers).status_code for _ in range(5)] == [200] * 5
    assert [client.get(HEALTH).status_code for _ in range(3)] == [200, 200, 429]


def test_forwarded_for_is_believed_from_a_trusted_proxy(make_client: MakeClient) -> None:
    client = make_client(rate_limit_per_ip_per_s=2, trusted_proxies=[PROXY])
    first = {"X-Forwarded-For": "203.0.113.7"}
    # A client-supplied hop left of the real one is ignored: the right-most untrusted counts.
    forged = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    assert client.get(HEALTH, headers=first).status_code == 200
    assert client.get(HEALTH, headers=forged).status_code == 200
    assert client.get(HEALTH, headers=first).status_code == 429
    assert client.get(HEALTH, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 200


def test_login_attempts_are_limited_per_address(client: TestClient, make_user: Any) -> None:
    user = make_user()
    wrong = {"email": user.email, "password": "not the password at all"}
    assert [client.post(LOGIN, json=wrong).status_code for _ in range(10)] == [401] * 10
    # 10 per minute is one every 6 s; all ten were spent at the same instant.
    assert_rate_limited(
        client.post(LOGIN, json={"email": "someone-else@example.test", "password": "x" * 12}),
        "from your address: at most 10 per minute",
        "6",
    )
    # Other routes keep working for this address.
    assert client.get(ME, headers=user.headers).status_code == 200


def test_login_attempts_are_limited_per_email_across_addresses(
    make_client: MakeClient, make_user: Any
) -> None:
    client = make_client(trusted_proxies=[PROXY])
    user = make_user()
    wrong = {"email": user.email.upper(), "password": "not the password at all"}
    statuses = [
        client.post(LOGIN, json=wrong, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
        for i in range(10)
    ]
    assert statuses == [401] * 10
    refused = client.post(
        LOGIN,
        json={"email": user.email, "password": user.password},
        headers={"X-Forwarded-For": "198.51.100.200"},
    )
    # Refused by the middleware (its sentence), before the account lock is even consulted.
    assert_rate_limited(refused, "for this account: at most 10 per minute", "6")


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    body = b'{"email": "a@example.test", "password": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post(LOGIN, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    error = response.json()
    assert error["code"] == "payload_too_large"
    assert error["message"] == "the request body is larger than 1048576 bytes"


def test_a_chunked_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(17):
            yield b"x" * 65536  # 1,114,112 bytes in all, no Content-Length

    response = client.post(LOGIN, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_body_just_under_the_limit_reaches_the_route(client: TestClient) -> None:
    padding = "x" * (1024 * 1024 - 200)
    body = json.dumps({"email": "a@example.test", "password": padding})
    assert len(body) < 1024 * 1024
    response = client.post(LOGIN, content=body, headers={"Content-Type": "application/json"})
    # The route validated it (password too long), so the middleware let it through intact.
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_deeply_nested_json_is_refused_with_422(client: TestClient) -> None:
    deep = "[" * 1000 + "]" * 1000
    response = client.post(LOGIN, content=deep, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert response.json()["message"] == f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels"


def test_websocket_handshakes_count_against_the_address_budget(make_client: MakeClient) -> None:
    client = make_client(rate_limit_per_ip_per_s=1)
    assert client.get(HEALTH).status_code == 200
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/api/v1/stream"):
        pass
    assert refused.value.code == 4429


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('"scalar"', 0),
        ("{}", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "{{{{"]', 1),
        ('["\\"[[[[", "]]"]', 1),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH + 1),
        ("[" + "[]," * 100 + "[]]", 2),
        ("[" + '"[",' * 100 + '"x"]', 1),
    ],
)
def test_json_depth(text: str, depth: int) -> None:
    assert json_depth(text.encode()) == depth


def test_json_too_deep_agrees_with_the_exact_depth() -> None:
    at_limit = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert not json_too_deep(at_limit)
    assert json_too_deep(b"[" + at_limit + b"]")
    # Many brackets but shallow: scanned exactly, not refused.
    assert not json_too_deep(b"[" + b"{}," * 500 + b"{}]")
    # Brackets inside strings are not nesting.
    assert not json_too_deep(b'["' + b"[" * 100 + b'"]')


def test_a_heavy_read_costs_ten_units_of_the_user_budget(
    client: TestClient, make_user: Any, clock: TestClock
) -> None:
    """S7: listing orders costs ten units of the 100/s budget, so a flood of lists buys
    10 per second, and the rest of the budget is left for cheap requests."""
    alice = make_user(role="viewer")
    statuses = [client.get("/api/v1/orders", headers=alice.headers).status_code for _ in range(10)]
    assert statuses == [200] * 10
    refused = client.get("/api/v1/orders", headers=alice.headers)
    assert_rate_limited(refused, "for your account: at most 100 per second", "1")
    assert client.get(ME, headers=alice.headers).status_code == 429  # the budget is spent
    clock.advance(10)  # one unit back: a cheap request passes, a heavy one does not
    assert client.get(ME, headers=alice.headers).status_code == 200
    clock.advance(40)
    assert client.get("/api/v1/orders", headers=alice.headers).status_code == 429
    clock.advance(60)  # ten units back since the cheap read
    assert client.get("/api/v1/orders", headers=alice.headers).status_code == 200


def test_a_refused_request_is_answered_after_the_refusal_delay(
    make_client: MakeClient, make_user: Any
) -> None:
    """S7 tarpit: a 429 waits rate_limit_refusal_delay_ms (1 s by default, the shortest
    Retry-After) on a timer, so a client that ignores Retry-After is paced by its own
    connections and one that honours it loses nothing."""
    default_ms = Settings.model_fields["rate_limit_refusal_delay_ms"].default
    assert default_ms == 1000
    client = make_client(rate_limit_refusal_delay_ms=default_ms)
    alice = make_user(role="viewer")
    for _ in range(100):
        client.get(ME, headers=alice.headers)
    started = time.monotonic()
    refused = client.get(ME, headers=alice.headers)
    waited = time.monotonic() - started
    assert refused.status_code == 429
    assert 1.0 <= waited < 2.5
