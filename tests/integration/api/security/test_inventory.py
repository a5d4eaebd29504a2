"""API inventory (S13) and static security rules over the source (S2, S9, S15).

Runtime inventory, from the app itself (HTTP and WebSocket routes, included routers
flattened) and its OpenAPI document:

* every mounted route is a row of the policy table (``api/policy/*.toml``) and every row
  is mounted; every HTTP route is documented; every API path is under ``/api/v1`` and no
  other API version is mounted; operation ids are ``<tag>-<name>`` in kebab case and
  unique; the public routes are exactly the short allowlist below;
* the committed ``docs/openapi.json`` is the app's document (the dashboard's client is
  generated from it).

Static rules, walking every module under ``src/`` with :mod:`ast`:

* no call of anything named like ``withdraw`` or ``transfer`` (S9: no code path can move
  funds off a venue), nor such a name fetched with ``getattr``;
* every ``jwt.decode`` pins ``algorithms=`` and nothing turns ``verify_signature`` off (S2);
* ``EnvelopeCipher.open`` (decrypting stored secrets) is called only from the modules of
  :data:`ALLOWED_SECRET_OPENERS`, and AES-GCM is used only inside the envelope module (S15).

Each detector is also run on a small bad snippet, so a detector that finds nothing
because it is broken fails here instead of passing silently.
"""

from __future__ import annotations

import ast
import base64
import re
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute, Mount, WebSocketRoute

from xor_trading.api.app import API_PREFIX, create_app
from xor_trading.api.policy import load_policy_table
from xor_trading.cli.openapi_command import openapi_document, render
from xor_trading.runtime.settings import Settings
from xor_trading.services.container import build_container

REPO = Path(__file__).resolve().parents[4]
SRC = REPO / "src"
PACKAGE = SRC / "xor_trading"
COMMITTED_OPENAPI = REPO / "docs" / "openapi.json"

OPERATION_ID = re.compile(r"^[a-z0-9-]+-[a-z0-9-]+$")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# S13: the only routes callable without an access token. Adding one is a security review.
PUBLIC_ALLOWLIST = frozenset(
    {
        "GET /api/v1/health",
        "GET /api/v1/ready",
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/login/mfa",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/webhooks/signals/{bot_id}",  # HMAC-signed (services/signal_webhooks.py)
    }
)

# Not API routes: the spec document itself and, outside production, the Swagger page and
# its OAuth2 redirect helper (mounted under the prefix too, so nothing lives outside it).
NON_API_ROUTES = frozenset(
    {f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs", f"{API_PREFIX}/docs/oauth2-redirect"}
)

# S15: the modules allowed to decrypt a stored secret (EnvelopeCipher.open), and why.
ALLOWED_SECRET_OPENERS = {
    # TOTP: verifying a code needs the seed (login MFA step, step-up, disable).
    "xor_trading.services.auth_service": "TOTP verification",
    "xor_trading.services.alert_delivery": "sending an alert needs the channel's token or URL",
    "xor_trading.services.signal_webhooks": "an inbound signal's HMAC needs the bot's secret",
    # The worker's live venue factory: a live bot signs its orders with its owner's key.
    # Paper bots never reach it (tests/integration/runtime/live/test_live_paper_parity.py).
    "xor_trading.services.live_venue": "a live bot signs its orders with its owner's key",
}
# Exchange keys are validated with the venue *before* they are sealed
# (services/exchange_key_service.py), so the key-check path opens nothing; the live venue
# factory is the one module that opens exchange secrets.

BANNED_FUND_MOVERS = re.compile(r"withdraw|transfer", re.IGNORECASE)


# -- the app's routes -------------------------------------------------------------------


def flattened(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """``(full path, route)`` of every route, descending into included routers (FastAPI
    0.16x keeps each ``include_router`` as one ``_IncludedRouter`` entry in
    ``app.routes``, with ``original_router`` and ``include_context.prefix``)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context_prefix = str(route.include_context.prefix)  # type: ignore[attr-defined]
            yield from flattened(included.routes, prefix + context_prefix)
        else:
            yield prefix + str(getattr(route, "path", "")), route


def mounted_routes(app: FastAPI) -> dict[str, BaseRoute]:
    """Every mounted route as ``"METHOD /path"``: ``WS`` for WebSockets, ``MOUNT`` for
    mounted sub-applications; starlette routes (docs pages) are kept too, so nothing
    mounted is left out."""
    mounted: dict[str, BaseRoute] = {}
    for path, route in flattened(app.routes):
        if isinstance(route, APIWebSocketRoute | WebSocketRoute):
            mounted[f"WS {path}"] = route
        elif isinstance(route, Mount):
            mounted[f"MOUNT {path}"] = route
        else:
            methods: set[str] = set(getattr(route, "methods", None) or ())
            for method in sorted(methods - {"HEAD", "OPTIONS"}):
                mounted[f"{method} {path}"] = route
    return mounted


def api_routes(app: FastAPI) -> dict[str, BaseRoute]:
    """The mounted routes other than the spec and docs pages and mounted applications."""
    return {
        key: route
        for key, route in mounted_routes(app).items()
        if key.split(" ", 1)[1] not in NON_API_ROUTES and not key.startswith("MOUNT ")
    }


def documented(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``"METHOD /path"`` -> operation, for every operation of an OpenAPI document."""
    return {
        f"{method.upper()} {path}": operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


@pytest.fixture(scope="module")
def app() -> Iterator[FastAPI]:
    """The app over a throw-away container (in-memory SQLite, random secrets): the
    inventory depends on the routes only, not on a back end."""
    with tempfile.TemporaryDirectory(prefix="xor-inventory-") as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            database_url="sqlite+pysqlite:///:memory:",
            jwt_secret=secrets.token_urlsafe(48),
            kek=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
            password_hash_profile="test",
        )
        container = build_container(settings)
        try:
            yield create_app(container)
        finally:
            container.close()


@pytest.fixture(scope="module")
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_route_flattening_sees_every_router(app: FastAPI) -> None:
    """The walk reaches inside included routers: a known route of each kind is found."""
    mounted = mounted_routes(app)
    assert isinstance(mounted["GET /api/v1/health"], APIRoute)
    assert isinstance(mounted["WS /api/v1/stream"], APIWebSocketRoute)
    assert isinstance(mounted["POST /api/v1/bots/{bot_id}/start"], APIRoute)


def test_every_route_is_in_the_policy_table_and_every_row_is_mounted(app: FastAPI) -> None:
    table = load_policy_table()
    mounted = api_routes(app)
    assert sorted(set(mounted) - set(table)) == [], "add these routes to api/policy/*.toml"
    assert sorted(set(table) - set(mounted)) == [], "policy rows without a mounted route"


def test_every_http_route_is_documented_and_every_documented_route_is_mounted(
    app: FastAPI, spec: dict[str, Any]
) -> None:
    http = {key for key in api_routes(app) if not key.startswith("WS ")}
    operations = set(documented(spec))
    assert sorted(http - operations) == [], "routes hidden from the OpenAPI document"
    assert sorted(operations - http) == []


def test_every_api_path_is_under_api_v1_and_no_other_version_is_mounted(
    app: FastAPI, spec: dict[str, Any]
) -> None:
    outside = sorted(
        key for key in api_routes(app) if not key.split(" ", 1)[1].startswith("/api/v1/")
    )
    assert outside == []
    assert sorted(p for p in spec["paths"] if not p.startswith("/api/v1/")) == []
    versions = {
        match.group(0)
        for key in mounted_routes(app)
        for match in re.finditer(r"/v\d+(?=/|$)", key.split(" ", 1)[1])
    }
    assert versions == {"/v1"}


def test_operation_ids_are_kebab_case_tag_and_name_and_unique(spec: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for operation in documented(spec).values()]
    assert [i for i in ids if not OPERATION_ID.fullmatch(i)] == []
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_the_public_routes_are_exactly_the_allowlist() -> None:
    public = {key for key, row in load_policy_table().items() if row.role == "public"}
    assert public == PUBLIC_ALLOWLIST


def test_protected_operations_declare_the_bearer_scheme(spec: dict[str, Any]) -> None:
    """The spec tells clients (and schemathesis' ignored_auth check) which routes need a
    token: every non-public operation names the bearer scheme, no public one does."""
    table = load_policy_table()
    wrong = []
    for key, operation in documented(spec).items():
        declares = any("HTTPBearer" in entry for entry in operation.get("security", []))
        if declares != (table[key].role != "public"):
            wrong.append(key)
    assert wrong == []


def test_the_committed_openapi_document_is_the_apps() -> None:
    """docs/openapi.json is what the dashboard's TypeScript client is generated from."""
    fresh = render(openapi_document())
    committed = COMMITTED_OPENAPI.read_text(encoding="utf-8") if COMMITTED_OPENAPI.exists() else ""
    if committed != fresh:
        ours, theirs = committed.splitlines(), fresh.splitlines()
        line = next(
            (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
            min(len(ours), len(theirs)),
        )
        pytest.fail(
            f"docs/openapi.json is out of date (first difference at line {line + 1}): "
            "run `xor openapi export --output docs/openapi.json`",
            pytrace=False,
        )


# -- static rules over src/ -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    module: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")


def _source_modules() -> list[tuple[str, ast.Module]]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules.append((_module_name(path), tree))
    return modules


SOURCE = _source_modules()


def _called_name(call: ast.Call) -> str | None:
    """The name a call invokes: ``f`` for ``f()``, ``m`` for ``x.y.m()``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _terminal_name(node: ast.expr) -> str:
    """``cipher`` for ``self.container.cipher``, ``EnvelopeCipher`` for ``EnvelopeCipher(r)``."""
    if isinstance(node, ast.Call):
        return _terminal_name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def fund_movements(module: str, tree: ast.AST) -> list[Finding]:
    """Calls of a name containing withdraw/transfer, or such a name fetched by getattr
    or ``operator.methodcaller``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node) or ""
        if BANNED_FUND_MOVERS.search(name):
            found.append(Finding(module, node.lineno, f"calls {name}()"))
        if name in ("getattr", "methodcaller") and node.args:
            target = node.args[1] if name == "getattr" and len(node.args) > 1 else node.args[0]
            if (
                isinstance(target, ast.Constant)
                and isinstance(target.value, str)
                and BANNED_FUND_MOVERS.search(target.value)
            ):
                found.append(Finding(module, node.lineno, f"{name}(..., {target.value!r})"))
    return found


def _jwt_aliases(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names bound to the jwt module (``import jwt as j``) and to its decode functions
    (``from jwt import decode as d``)."""
    modules: set[str] = set()
    functions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "jwt" or alias.name.startswith("jwt."):
                    modules.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "jwt":
            for alias in node.names:
                if alias.name in ("decode", "decode_complete"):
                    functions.add(alias.asname or alias.name)
                else:
                    modules.add(alias.asname or alias.name)  # PyJWT, api_jwt...
    return modules, functions


def _root_name(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def jwt_misuse(module: str, tree: ast.AST) -> list[Finding]:
    """``jwt.decode`` without ``algorithms=`` (or with ``algorithms=None``), and any
    ``verify_signature`` set to a false constant, as a keyword or a dict entry."""
    modules, functions = _jwt_aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called_name(node)
            is_decode = (isinstance(node.func, ast.Name) and node.func.id in functions) or (
                isinstance(node.func, ast.Attribute)
                and name in ("decode", "decode_complete")
                and _root_name(node.func) in modules
            )
            if is_decode:
                pinned = [k for k in node.keywords if k.arg == "algorithms"]
                if not pinned or (
                    isinstance(pinned[0].value, ast.Constant) and pinned[0].value.value is None
                ):
                    found.append(Finding(module, node.lineno, f"{name}() without algorithms="))
            for keyword in node.keywords:
                if keyword.arg == "verify_signature" and _falsy_constant(keyword.value):
                    found.append(Finding(module, node.lineno, "verify_signature=False"))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "verify_signature"
                    and _falsy_constant(value)
                ):
                    found.append(Finding(module, node.lineno, '{"verify_signature": False}'))
    return found


def _falsy_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and not node.value


def secret_openers(module: str, tree: ast.AST) -> list[Finding]:
    """Calls of ``<something cipher>.open(...)`` (``container.cipher.open``,
    ``EnvelopeCipher(ring).open``...) and, outside the envelope module, any use of AESGCM
    or a ``.decrypt(...)`` call."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = _terminal_name(node.func.value).lower()
            if node.func.attr == "open" and "cipher" in receiver:
                found.append(Finding(module, node.lineno, "opens a sealed secret"))
            if node.func.attr == "decrypt" and module != "xor_trading.security.envelope":
                found.append(Finding(module, node.lineno, "decrypts outside the envelope"))
        if (
            isinstance(node, ast.Name | ast.alias)
            and (node.id if isinstance(node, ast.Name) else node.name) == "AESGCM"
            and module != "xor_trading.security.envelope"
        ):
            found.append(Finding(module, getattr(node, "lineno", 0), "uses AESGCM"))
    return found


def _scan(detector: Any) -> list[str]:
    return [str(f) for module, tree in SOURCE for f in detector(module, tree)]


def test_the_source_walk_covers_the_package() -> None:
    names = {module for module, _ in SOURCE}
    assert {"xor_trading.api.app", "xor_trading.security.tokens"} <= names
    assert len(names) > 50


def test_no_code_calls_anything_that_withdraws_or_transfers() -> None:
    assert _scan(fund_movements) == []


def test_every_jwt_decode_pins_its_algorithms_and_keeps_signature_checks() -> None:
    assert _scan(jwt_misuse) == []
    # The one decode site exists and was inspected (the detector is not blind to it).
    sites = [
        node
        for module, tree in SOURCE
        if module == "xor_trading.security.tokens"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called_name(node) == "decode"
    ]
    assert len(sites) == 1


def test_stored_secrets_are_opened_only_by_the_allowed_modules() -> None:
    openers = {
        module for module, tree in SOURCE for f in secret_openers(module, tree)
        if f.what == "opens a sealed secret"
    }  # fmt: skip
    assert openers == set(ALLOWED_SECRET_OPENERS), (
        "a module opens (decrypts) stored secrets: review it, then add it with its reason "
        "to ALLOWED_SECRET_OPENERS (or remove a module that no longer does)"
    )
    other = [
        str(f) for m, t in SOURCE for f in secret_openers(m, t) if f.what != "opens a sealed secret"
    ]
    assert other == []


BAD_SNIPPETS = {
    fund_movements: (
        "exchange.withdraw('BTC', 1, addr)\n"
        "client.sapi_post_asset_transfer({})\n"
        "getattr(ex, 'transfer')(1)\n"
        "withdraw_all()\n"
    ),
    jwt_misuse: (
        "import jwt\n"
        "from jwt import decode as d\n"
        "jwt.decode(t, k)\n"
        "jwt.decode(t, k, algorithms=None)\n"
        "d(t, k)\n"
        "jwt.decode(t, k, algorithms=['HS256'], options={'verify_signature': False})\n"
    ),
    secret_openers: (
        "container.cipher.open(sealed, aad)\n"
        "EnvelopeCipher(ring).open(sealed, aad)\n"
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
        "AESGCM(k).decrypt(n, c, a)\n"
    ),
}
EXPECTED_FINDINGS = {fund_movements: 4, jwt_misuse: 4, secret_openers: 5}


@pytest.mark.parametrize("detector", list(BAD_SNIPPETS), ids=lambda d: d.__name__)
def test_each_detector_finds_every_violation_in_a_bad_snippet(detector: Any) -> None:
    findings = detector("bad", ast.parse(BAD_SNIPPETS[detector]))
    assert len(findings) == EXPECTED_FINDINGS[detector], [str(f) for f in findings]
