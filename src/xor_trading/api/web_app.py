"""The dashboard (``web/``, built into ``web/dist`` by ``make web``) served at ``/``.

:class:`DashboardMiddleware` answers ``GET`` and ``HEAD`` requests outside ``/api`` from the
built files and hands everything else to the API untouched, so it can never shadow a
route under ``/api/v1``: an unknown API path still gets the API's JSON 404, a wrong method
its 405. It sits inside the request-id, CORS and rate-limit middleware, so the dashboard's
answers carry the security headers and count against the per-IP budget like any request.

* A file that exists is served (Starlette's ``StaticFiles``: no path escapes the dist
  directory). Hashed build output under ``/assets/`` is cached for a year (``immutable``);
  everything else, ``index.html`` above all, is revalidated on each load (``no-cache``), so
  a new build reaches browsers at once.
* A missing path without a file extension is a client-side route (``/markets``): the
  answer is ``index.html`` and the router in the browser takes over. A missing path with
  an extension (``/assets/old.js``) is a plain 404.
* Every answer carries :data:`DASHBOARD_CSP`: scripts, styles, images and connections
  from this origin only (``connect-src 'self'`` covers the same-origin WebSocket in CSP 3
  browsers); inline styles are allowed because the chart library positions its canvases
  with them, inline scripts are not.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
INDEX = "index.html"

# src/xor_trading/api/web_app.py -> the checkout's web/dist (an editable install).
CHECKOUT_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


def default_web_dist() -> Path | None:
    """The checkout's built dashboard, or None when it has not been built (``make web``)."""
    return CHECKOUT_DIST if (CHECKOUT_DIST / INDEX).is_file() else None


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class DashboardFiles(StaticFiles):
    """The files of ``dist`` with the client-route fallback and the cache headers above."""

    def __init__(self, dist: Path) -> None:
        super().__init__(directory=dist, check_dir=True)

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or PurePosixPath(path).suffix:
                response = PlainTextResponse(exc.detail, status_code=exc.status_code)
            else:
                response = await super().get_response(INDEX, scope)
        under_assets = path.startswith("assets/") or path.startswith("assets\\")
        cache = IMMUTABLE if under_assets and response.status_code == 200 else REVALIDATE
        response.headers["Cache-Control"] = cache
        response.headers["Content-Security-Policy"] = DASHBOARD_CSP
        return response


class DashboardMiddleware:
    """``GET``/``HEAD`` outside ``/api`` -> :class:`DashboardFiles`; the rest -> the API."""

    def __init__(self, app: ASGIApp, dist: Path) -> None:
        self.app = app
        self.files = DashboardFiles(dist)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not is_api_path(scope["path"])
        ):
            await self.files(scope, receive, send)
            return
        await self.app(scope, receive, send)
