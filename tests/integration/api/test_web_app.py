"""The dashboard served at ``/`` (``api/web_app.py``): built files, the client-route
fallback to ``index.html``, cache and CSP headers, and the API under ``/api/v1`` untouched
(its JSON 404 and 405 included). A throw-away ``dist`` directory stands in for the build.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from xor_trading.api import web_app
from xor_trading.api.app import create_app
from xor_trading.api.headers import API_CSP
from xor_trading.api.web_app import DASHBOARD_CSP, default_web_dist
from xor_trading.runtime.settings import Settings
from xor_trading.services.container import Container, build_container

INDEX_HTML = '<!doctype html><div id="root"></div><script src="/assets/index-abc123.js"></script>'
ASSET_JS = "console.log('xor');"
REPOSITORY = Path(__file__).resolve().parents[3]
# Vite copies web/public/ to the root of web/dist unchanged: the build serves this file.
FAVICON = REPOSITORY / "web" / "public" / "favicon.svg"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dist")
    (root / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    (root / "assets").mkdir()
    (root / "assets" / "index-abc123.js").write_text(ASSET_JS, encoding="utf-8")
    (root / "favicon.svg").write_bytes(FAVICON.read_bytes())
    (root.parent / "secret.txt").write_text("outside the build", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    # No schema is needed: the clients below never enter the app's lifespan (no job runner)
    # and the routes they call read no table.
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url="sqlite+pysqlite:///:memory:",
        jwt_secret=secrets.token_urlsafe(48),
        kek=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        password_hash_profile="test",
    )
    built = build_container(settings)
    yield built
    built.close()


@pytest.fixture(scope="module")
def client(container: Container, dist: Path) -> Iterator[TestClient]:
    # Not entered as a context manager: that would run the lifespan (the backtest job runner).
    test_client = TestClient(create_app(container, web_dist=dist))
    yield test_client
    test_client.close()


def test_dashboard_root_serves_index_with_csp_and_no_cache(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == INDEX_HTML
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == DASHBOARD_CSP
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-frame-options"] == "DENY"
    assert len(response.headers["x-request-id"]) == 16


def test_dashboard_client_route_falls_back_to_index(client: TestClient) -> None:
    for path in ("/markets", "/login", "/bots/7c1e/orders"):
        response = client.get(path)
        assert (response.status_code, response.text) == (200, INDEX_HTML), path


def test_dashboard_hashed_asset_cached_as_immutable(client: TestClient) -> None:
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == ASSET_JS
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_dashboard_missing_file_with_extension_is_404_not_index(client: TestClient) -> None:
    response = client.get("/assets/index-old999.js")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_dashboard_path_outside_dist_is_not_served(client: TestClient) -> None:
    response = client.get("/../secret.txt")
    assert "outside the build" not in response.text
    response = client.get("/%2e%2e/secret.txt")
    assert "outside the build" not in response.text


def test_dashboard_does_not_shadow_api_routes(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-security-policy"] == API_CSP


def test_dashboard_unknown_api_path_keeps_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/api/v2/health").status_code == 404
    assert client.get("/api").json()["code"] == "not_found"


def test_dashboard_wrong_method_on_api_route_keeps_405(client: TestClient) -> None:
    response = client.post("/api/v1/health")
    assert response.status_code == 405
    assert "code" in response.json()


def test_dashboard_post_outside_api_not_answered_by_files(client: TestClient) -> None:
    response = client.post("/markets", json={})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


def test_app_without_dist_serves_no_dashboard(container: Container) -> None:
    plain = TestClient(create_app(container))
    response = plain.get("/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_default_web_dist_only_when_index_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_app, "CHECKOUT_DIST", tmp_path)
    assert default_web_dist() is None
    (tmp_path / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    assert default_web_dist() == tmp_path


def test_checkout_dist_points_at_repository_web_dist() -> None:
    assert REPOSITORY / "web" / "dist" == web_app.CHECKOUT_DIST


def test_dashboard_serves_the_favicon_as_svg_revalidated(client: TestClient) -> None:
    response = client.get("/favicon.svg")
    assert response.status_code == 200
    assert response.content == FAVICON.read_bytes()
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "no-cache"  # not hashed: a new icon shows
    assert response.headers["content-security-policy"] == DASHBOARD_CSP


def test_the_dashboard_links_its_svg_favicon() -> None:
    # Without the link, browsers ask for /favicon.ico, which the build does not hold (404).
    index = (REPOSITORY / "web" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="icon" type="image/svg+xml" href="/favicon.svg" />' in index
    icon = ElementTree.fromstring(FAVICON.read_bytes())
    assert icon.tag == "{http://www.w3.org/2000/svg}svg"
    assert icon.get("viewBox") == "0 0 32 32"
