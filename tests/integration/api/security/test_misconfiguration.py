"""S12: a misconfigured server does not start; a running one gives nothing away.

* production mode with a missing, short, low-entropy or well-known JWT secret or KEK:
  ``xor serve`` exits 2 with a sentence naming the variable and never reaches uvicorn
  (checked in process with uvicorn replaced, and once for real as a subprocess);
* ``xor serve`` binds 127.0.0.1 unless told otherwise;
* production hides the interactive docs (404); CORS never answers ``*``;
* an unexpected exception is a 500 with the JSON error body and no traceback;
* security headers on every response, a Content-Security-Policy on ``/api/v1``.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from xor_trading.api.app import create_app
from xor_trading.api.headers import API_CSP, SECURITY_HEADERS
from xor_trading.api.policy import load_policy_table
from xor_trading.cli.main import app as cli
from xor_trading.core.clock import TestClock
from xor_trading.persistence.database import Database
from xor_trading.runtime.settings import Settings
from xor_trading.services.container import Container, build_container

STRONG_JWT = secrets.token_urlsafe(48)
STRONG_KEK = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
TRACEBACK_MARKERS = ("Traceback", 'File "', '.py"', "RuntimeError", "kaboom-internal-detail")

# (XOR_JWT_SECRET, XOR_KEK, a phrase the error must contain)
WEAK_SECRETS = {
    "jwt missing": (None, STRONG_KEK, "XOR_JWT_SECRET"),
    "kek missing": (STRONG_JWT, None, "XOR_KEK"),
    "both missing": (None, None, "XOR_JWT_SECRET and XOR_KEK"),
    "jwt short": ("a8Fq2-x9", STRONG_KEK, "at least 32 random bytes"),
    "jwt default": ("changeme" * 4, STRONG_KEK, "well-known default"),
    "jwt low entropy": ("ab" * 24, STRONG_KEK, "distinct bytes"),
    "kek short": (STRONG_JWT, base64.b64encode(b"k" * 16).decode(), "must be exactly 32"),
    "kek repeated": (STRONG_JWT, base64.b64encode(b"\x01" * 32).decode(), "distinct bytes"),
    "kek not base64": (STRONG_JWT, "not base64 at all!", "not valid base64"),
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No XOR_* variable or config file of the developer's leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("XOR_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace uvicorn.run: record how ``xor serve`` would have bound, bind nothing."""
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


@pytest.mark.parametrize("case", list(WEAK_SECRETS))
def test_production_refuses_missing_or_weak_secrets_before_binding(
    case: str, clean_env: Path, uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    jwt_secret, kek, phrase = WEAK_SECRETS[case]
    monkeypatch.setenv("XOR_MODE", "production")
    if jwt_secret is not None:
        monkeypatch.setenv("XOR_JWT_SECRET", jwt_secret)
    if kek is not None:
        monkeypatch.setenv("XOR_KEK", kek)
    result = CliRunner().invoke(cli, ["serve", "--port", "8765"])
    assert result.exit_code == 2, result.output
    assert phrase in result.output
    assert result.output.startswith("error: ")
    assert uvicorn_calls == []
    assert not (clean_env / "data" / "xor.db").exists()  # not even the schema upgrade ran


def test_serve_starts_with_strong_secrets_and_binds_loopback_by_default(
    clean_env: Path, uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for the test above (strong secrets pass), and the default bind."""
    monkeypatch.setenv("XOR_MODE", "production")
    monkeypatch.setenv("XOR_JWT_SECRET", STRONG_JWT)
    monkeypatch.setenv("XOR_KEK", STRONG_KEK)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    assert [(c["host"], c["port"]) for c in uvicorn_calls] == [("127.0.0.1", 8000)]
    assert "interactive docs" not in result.output
    assert Settings().api_host == "127.0.0.1"


def test_a_real_xor_serve_process_exits_2_with_a_sentence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XOR_")}
    env |= {
        "XOR_MODE": "production",
        "XOR_DATA_DIR": str(tmp_path / "data"),
        "XOR_CONFIG_FILE": str(tmp_path / "absent.toml"),
        "XOR_KEK": STRONG_KEK,
        "XOR_API_PORT": "8766",
    }
    xor = Path(sys.executable).with_name("xor")
    done = subprocess.run(
        [str(xor), "serve"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: production mode needs XOR_JWT_SECRET")
    assert "Uvicorn running" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


# -- the running app ------------------------------------------------------------------


def _container(database: Database, tmp_path: Path, clock: TestClock, **settings: Any) -> Container:
    production = settings.get("mode") == "production"
    return build_container(
        Settings(
            data_dir=tmp_path / "data",
            password_hash_profile="standard" if production else "test",
            jwt_secret=STRONG_JWT,
            kek=STRONG_KEK,
            **settings,
        ),
        clock=clock,
        database=database,
    )


@pytest.fixture
def production_client(database: Database, tmp_path: Path, clock: TestClock) -> Iterator[TestClient]:
    container = _container(database, tmp_path, clock, mode="production")
    with TestClient(create_app(container)) as client:
        yield client
    container.close()


def test_production_hides_the_interactive_docs(
    production_client: TestClient, client: TestClient
) -> None:
    assert client.get("/api/v1/docs").status_code == 200  # development shows them
    hidden = production_client.get("/api/v1/docs")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    assert production_client.get("/api/v1/docs/oauth2-redirect").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404  # nothing outside /api/v1


@pytest.mark.parametrize(
    "origins", [[], ["*"], ["*", "https://dash.example.test"], ["https://dash.example.test"]]
)
def test_cors_never_allows_every_origin(
    origins: list[str], database: Database, tmp_path: Path, clock: TestClock
) -> None:
    container = _container(database, tmp_path, clock, cors_origins=origins)
    with TestClient(create_app(container)) as client:
        for origin in ("https://evil.example.test", "https://dash.example.test", "null"):
            preflight = client.options(
                "/api/v1/bots",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "Authorization",
                },
            )
            simple = client.get("/api/v1/health", headers={"Origin": origin})
            for response in (preflight, simple):
                allowed = response.headers.get("access-control-allow-origin")
                assert allowed != "*"
                expected = origin if origin in origins else None
                assert allowed == expected, (origins, origin, response.status_code)
    container.close()


def _app_with_a_failing_route(container: Container) -> FastAPI:
    app = create_app(container)

    def explode() -> None:
        raise RuntimeError("kaboom-internal-detail at /srv/xor/secret_module.py")

    app.add_api_route("/api/v1/test-only/explode", explode, methods=["GET"])
    return app


def test_an_unexpected_exception_is_a_500_json_body_without_traceback(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app_with_a_failing_route(container)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/test-only/explode")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert set(body) == {"code", "message", "hint", "request_id", "details"}
    assert body["request_id"]
    for marker in TRACEBACK_MARKERS:
        assert marker not in response.text
    # The operator gets the details in the log, with the request id to match.
    assert any(body["request_id"] in record.getMessage() for record in caplog.records)


def _assert_security_headers(response: Any, what: str) -> None:
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    assert missing == [], f"{what} ({response.status_code}) lacks {missing}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers.get("Content-Security-Policy") == API_CSP, what


def test_security_headers_are_on_every_kind_of_response(
    container: Container, make_user: Any
) -> None:
    user = make_user(role="viewer")
    app = _app_with_a_failing_route(container)
    with TestClient(app, raise_server_exceptions=False) as client:
        responses = {
            "health 200": client.get("/api/v1/health"),
            "spec 200": client.get("/api/v1/openapi.json"),
            "unknown path 404": client.get("/api/v1/no-such-thing"),
            "wrong method 405": client.delete("/api/v1/health"),
            "bad query 422": client.get("/api/v1/bots?limit=0", headers=user.headers),
            "body too large 413": client.post(
                "/api/v1/auth/login", content=b"x" * (2 << 20),
                headers={"Content-Type": "application/json"},
            ),
        }  # fmt: skip
        for key, row in sorted(load_policy_table().items()):
            if row.method != "WS" and row.role != "public":
                path = row.path.replace("{", "").replace("}", "")
                responses[f"{key} anonymous"] = client.request(row.method, path)
    expected_status = {"health 200": 200, "unknown path 404": 404, "wrong method 405": 405,
                       "bad query 422": 422, "body too large 413": 413}  # fmt: skip
    for what, response in responses.items():
        if what in expected_status:
            assert response.status_code == expected_status[what], what
        elif what.endswith("anonymous"):
            assert response.status_code == 401, what
        _assert_security_headers(response, what)


def test_a_500_carries_the_security_headers_and_request_id_too(container: Container) -> None:
    """Kept apart from the test above: the 500 answer is built outside the middleware
    that adds the headers (Starlette's ServerErrorMiddleware wraps every other one)."""
    app = _app_with_a_failing_route(container)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/test-only/explode")
    assert response.status_code == 500
    assert response.headers.get("X-Request-ID") == response.json()["request_id"]
    _assert_security_headers(response, "500")
