"""The API application factory: ``create_app(container)``; nothing is built at import time.

Every route lives under ``/api/v1``; operation ids are ``<tag>-<name>`` (``bots-list``),
which the generated TypeScript client turns into method names.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from xor_trading import __version__
from xor_trading.api.errors import install_error_handlers
from xor_trading.api.rate_limit import RateLimitMiddleware
from xor_trading.api.routes import all_routers
from xor_trading.services.container import Container

API_PREFIX = "/api/v1"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# The API answers JSON only; the dashboard (served at /) sets its own policy.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def operation_id(route: APIRoute) -> str:
    """``<first tag>-<route name in kebab case>``, e.g. ``bots-list``."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}-{route.name.replace('_', '-')}"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the backtest job runner with the server; stop its workers at shutdown."""
    container: Container = app.state.container
    container.jobs.start(container)
    try:
        yield
    finally:
        container.jobs.shutdown()


def create_app(container: Container) -> FastAPI:
    """The API over ``container``; production mode hides the interactive docs."""
    production = container.settings.is_production
    app = FastAPI(
        title="XOR API",
        version=__version__,
        summary="Self-hosted automated crypto trading: bots, backtests, market data.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None if production else f"{API_PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
        lifespan=_lifespan,
    )
    app.state.container = container
    install_error_handlers(app)
    for router in all_routers():
        app.include_router(router, prefix=API_PREFIX)
    _install_middleware(app, container)
    return app


def _install_middleware(app: FastAPI, container: Container) -> None:
    # Innermost of the three: CORS headers and the request id also reach 429/413 answers.
    app.add_middleware(RateLimitMiddleware.for_container, container=container)
    origins = [o for o in container.settings.cors_origins if o != "*"]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.middleware("http")
    async def request_id_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = secrets.token_hex(8)
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(API_PREFIX) and not request.url.path.endswith("/docs"):
            response.headers.setdefault("Content-Security-Policy", API_CSP)
            response.headers.setdefault("Cache-Control", "no-store")
        return response
