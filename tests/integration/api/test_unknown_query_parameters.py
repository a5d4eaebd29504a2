"""Every HTTP route refuses a query parameter it does not declare: 422
``unknown_query_parameter`` naming it, with the route's accepted parameters in the hint.

Contract: the check runs before authentication, path validation and the handler, so a
route answers 422 for an unknown parameter even when the object in its path does not
exist (the ids below are random) or the caller is anonymous.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_bot, seed_records

NOW = datetime(2025, 6, 1, tzinfo=UTC)
ORDERS = "/api/v1/orders"
ORDERS_ACCEPTED = "bot_id, limit, offset, side, since, sort, status, symbol, until"
FIX = "; fix the spelling or leave the parameter out"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Every GET route is called twice at one frozen instant: no per-user 429 here."""
    return {"rate_limit_per_user_per_s": 100_000}


def _flattened(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """``(full path, route)``, descending into included routers (since FastAPI 0.16x an
    ``include_router`` is one ``app.routes`` entry holding the ``original_router``)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flattened(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        else:
            yield prefix + str(getattr(route, "path", "")), route


def _get_routes(app: FastAPI) -> list[str]:
    return sorted(
        path
        for path, route in _flattened(app.routes)
        if isinstance(route, APIRoute) and "GET" in (route.methods or set())
    )


def _accepted_in_spec(app: FastAPI, path: str) -> list[str]:
    parameters = app.openapi()["paths"][path]["get"].get("parameters", [])
    return sorted(p["name"] for p in parameters if p["in"] == "query")


def _fill(path: str) -> str:
    parts = path.split("/")
    return "/".join(str(uuid.uuid4()) if part.startswith("{") else part for part in parts)


def test_a_typo_in_the_orders_filter_is_refused_naming_it_and_the_accepted_parameters(
    client: TestClient, make_user: Any
) -> None:
    user = make_user(role="viewer")

    response = client.get(ORDERS, params={"stauts": "open"}, headers=user.headers)

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_query_parameter",
        "message": "unknown query parameter 'stauts'",
        "hint": f"this route accepts {ORDERS_ACCEPTED}{FIX}",
        "request_id": response.headers["X-Request-ID"],
        "details": [{"field": "query.stauts", "problem": "not a query parameter of this route"}],
    }


def test_several_unknown_parameters_are_all_named_sorted_next_to_declared_ones(
    client: TestClient, make_user: Any
) -> None:
    user = make_user(role="viewer")

    response = client.get(
        f"{ORDERS}?limit=5&Status=filled&zz=1&Status=open&bot=x", headers=user.headers
    )

    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "unknown query parameters 'Status', 'bot', 'zz'"
    assert [d["field"] for d in body["details"]] == ["query.Status", "query.bot", "query.zz"]


def test_every_get_route_refuses_an_unknown_parameter_before_its_handler(
    client: TestClient, make_user: Any
) -> None:
    """Every GET route in ``app.routes`` (the same set as the spec's GET operations), with
    random ids in its path, as an admin: 422 naming ``zz_unknown`` and listing exactly the
    query parameters the spec documents for it; without ``zz_unknown`` the same request
    is never refused for its query."""
    app: FastAPI = client.app  # type: ignore[assignment]
    admin = make_user(role="admin")
    routes = _get_routes(app)
    spec_gets = sorted(path for path, ops in app.openapi()["paths"].items() if "get" in ops)
    assert routes == spec_gets
    assert len(routes) >= 40

    wrong: dict[str, Any] = {}
    for path in routes:
        url = _fill(path)
        accepted = _accepted_in_spec(app, path)
        hint = (
            f"this route accepts {', '.join(accepted)}{FIX}"
            if accepted
            else "this route takes no query parameters; leave them out"
        )
        refused = client.get(url, params={"zz_unknown": "1"}, headers=admin.headers)
        got = (refused.status_code, refused.json().get("code"), refused.json().get("hint"))
        if got != (422, "unknown_query_parameter", hint):
            wrong[path] = got
        plain = client.get(url, headers=admin.headers).json()  # some routes answer a list
        if isinstance(plain, dict) and plain.get("code") == "unknown_query_parameter":
            wrong[f"{path} without zz_unknown"] = plain
    assert wrong == {}


def test_an_anonymous_caller_gets_the_422_before_the_401(client: TestClient) -> None:
    refused = client.get(ORDERS, params={"zz_unknown": "1"})
    anonymous = client.get(ORDERS)

    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_query_parameter")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")


def test_a_post_route_refuses_an_unknown_parameter_too(client: TestClient, make_user: Any) -> None:
    user = make_user(role="trader")

    response = client.post(
        "/api/v1/market/indicators/sma/compute",
        params={"dry_run": "1"},
        json={},
        headers=user.headers,
    )

    assert (response.status_code, response.json()["code"]) == (422, "unknown_query_parameter")
    assert response.json()["hint"] == "this route takes no query parameters; leave them out"


@pytest.fixture
def six_orders(container: Container, make_user: Any) -> Any:
    """A viewer with six orders: filled/buy, filled/sell, canceled/buy, accepted/sell,
    filled/buy, denied/sell (the seeding pattern)."""
    user = make_user(role="viewer")
    bot = seed_bot(container.database, owner_id=user.id, name="alpha", now=NOW)
    seed_records(container.database, owner_id=user.id, bot_id=bot, orders=6, start=NOW)
    return user


def test_declared_filters_still_filter(client: TestClient, six_orders: Any) -> None:
    since = (NOW - timedelta(days=1)).isoformat()
    params = {"status": "filled", "side": "buy", "since": since, "sort": "created_at"}

    page = client.get(ORDERS, params=params, headers=six_orders.headers)
    everything = client.get(ORDERS, headers=six_orders.headers)

    assert page.status_code == 200
    assert [(o["status"], o["side"]) for o in page.json()["items"]] == [("filled", "buy")] * 2
    assert everything.json()["total"] == 6


def test_a_repeated_declared_parameter_behaves_as_before_the_last_value_wins(
    client: TestClient, six_orders: Any
) -> None:
    response = client.get(f"{ORDERS}?limit=2&limit=4", headers=six_orders.headers)

    assert response.status_code == 200
    assert (response.json()["limit"], len(response.json()["items"])) == (4, 4)


def test_an_aliased_parameter_is_accepted_by_its_alias_and_refused_by_its_python_name(
    client: TestClient, make_user: Any
) -> None:
    user = make_user(role="viewer")

    by_alias = client.get("/api/v1/backtests", params={"status": "queued"}, headers=user.headers)
    by_name = client.get("/api/v1/backtests", params={"status_": "queued"}, headers=user.headers)

    assert (by_alias.status_code, by_alias.json()["total"]) == (200, 0)
    assert by_name.status_code == 422
    assert by_name.json()["message"] == "unknown query parameter 'status_'"
    assert by_name.json()["hint"] == (
        f"this route accepts direction, limit, offset, sort, status, strategy, symbol{FIX}"
    )
