"""The policy table is the truth about who may call what (S8 RBAC matrix, S13 inventory).

* every mounted route (HTTP and WebSocket) is in the table and every row is mounted;
* the role a route enforces (its principal dependency) is the role in the table;
* every HTTP route, called anonymously and with each role, answers 401 / 403 exactly
  as the table says, and never 401/403 for a role the table allows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from xor_trading.api.deps import current_principal
from xor_trading.api.policy import ROLES, load_policy_table

RANK = {role: index for index, role in enumerate(ROLES)}
# Public routes authenticated by a request signature instead of a token: 401 without one.
SIGNATURE_AUTHENTICATED = frozenset({"POST /api/v1/webhooks/signals/{bot_id}"})


def _flattened(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """``(full path, route)`` of every route, descending into included routers: since
    FastAPI 0.16x ``app.routes`` keeps each ``include_router`` as one ``_IncludedRouter``
    entry (its ``original_router`` and ``include_context.prefix``) instead of copies."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flattened(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        else:
            yield prefix + str(getattr(route, "path", "")), route


def _mounted(app: FastAPI) -> dict[str, APIRoute | APIWebSocketRoute]:
    mounted: dict[str, APIRoute | APIWebSocketRoute] = {}
    for path, route in _flattened(app.routes):
        if isinstance(route, APIRoute):
            for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
                mounted[f"{method} {path}"] = route
        elif isinstance(route, APIWebSocketRoute):
            mounted[f"WS {path}"] = route
    return mounted


def _enforced_role(dependant: Dependant) -> str:
    """The minimum role a route's dependencies enforce ("public" when none)."""
    found: list[str] = []

    def walk(node: Dependant) -> None:
        call: Callable[..., Any] | None = node.call
        required = getattr(call, "required_role", None)
        if required is not None:
            found.append(str(required.value))
        elif call is current_principal:
            found.append("viewer")
        for child in node.dependencies:
            walk(child)

    walk(dependant)
    return max(found, key=RANK.__getitem__) if found else "public"


def test_every_route_is_in_the_policy_table_and_every_row_is_mounted(client: TestClient) -> None:
    table = load_policy_table()
    mounted = _mounted(client.app)  # type: ignore[arg-type]
    assert sorted(set(mounted) - set(table)) == [], "routes missing from api/policy/*.toml"
    assert sorted(set(table) - set(mounted)) == [], "policy rows without a mounted route"


def test_each_route_enforces_the_role_of_its_policy_row(client: TestClient) -> None:
    table = load_policy_table()
    mismatches = {
        key: (table[key].role, _enforced_role(route.dependant))
        for key, route in _mounted(client.app).items()  # type: ignore[arg-type]
        if isinstance(route, APIRoute) and _enforced_role(route.dependant) != table[key].role
    }
    assert mismatches == {}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The matrix calls every route with each role at one frozen instant: it tests
    authorisation, so the per-user budget (test_rate_limit.py) must not answer 429."""
    return {"rate_limit_per_user_per_s": 100_000}


@pytest.fixture
def role_headers(make_user: Callable[..., Any]) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"public": {}}
    for role in ("viewer", "trader", "admin"):
        headers[role] = make_user(role=role).headers
    return headers


def test_the_rbac_matrix_matches_the_policy_table(
    client: TestClient, role_headers: dict[str, dict[str, str]]
) -> None:
    """Every HTTP route x {anonymous, viewer, trader, admin}: 0 unexpected allows or denials."""
    table = load_policy_table()
    unexpected: list[str] = []
    for key, policy in sorted(table.items()):
        if policy.method == "WS":
            continue
        path = _concrete(policy.path)
        for caller in ROLES:
            body = {} if policy.method in ("POST", "PUT", "PATCH") else None
            response = client.request(policy.method, path, json=body, headers=role_headers[caller])
            status = response.status_code
            allowed = RANK[caller] >= RANK[policy.role]
            if not allowed:
                expected = 401 if caller == "public" else 403
                if status != expected:
                    unexpected.append(f"{key} as {caller}: {status}, expected {expected}")
            elif (status == 401 and key not in SIGNATURE_AUTHENTICATED) or (
                status == 403 and response.json()["code"] != "mfa_required"
            ):
                unexpected.append(f"{key} as {caller}: {status} but the table allows it")
    assert unexpected == []
