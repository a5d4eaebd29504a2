"""The API application factory: ``create_app(container)``; nothing is built at import time.

Every route lives under ``/api/v1``; operation ids are ``<tag>-<name>`` (``bots-list``),
which the generated TypeScript client turns into method names.
"""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xor_trading import __version__
from xor_trading.api.errors import install_error_handlers
from xor_trading.api.headers import API_HEADERS, SECURITY_HEADERS
from xor_trading.api.query_params import REJECT_UNKNOWN_QUERY_PARAMETERS
from xor_trading.api.rate_limit import RateLimitMiddleware
from xor_trading.api.routes import all_routers
from xor_trading.api.schemas.common import ErrorBody
from xor_trading.api.web_app import DashboardMiddleware, default_web_dist
from xor_trading.services.container import Container

API_PREFIX = "/api/v1"

# Every operation documents the error body of every status our error handlers can send,
# so clients (and schemathesis' status_code_conformance) know the shape of each failure.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "The body could not be read (malformed JSON or form data)."),
        (401, "Not authenticated (no, expired or invalid access token)."),
        (403, "The role does not allow it, or a fresh MFA step-up is needed (mfa_required)."),
        (404, "No such object of yours."),
        (409, "Conflicts with the current state."),
        (413, "The body is larger than the limit."),
        (422, "The request is invalid; details name each field."),
        (429, "Rate limited; retry after Retry-After seconds."),
    )
}

_SECURITY_HEADERS_RAW = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in SECURITY_HEADERS.items()
)
_API_HEADERS_RAW = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in API_HEADERS.items()
)
_REQUEST_ID_HEADER = b"x-request-id"


class RequestIdAndHeadersMiddleware:
    """Give every HTTP request an id and every answer the security headers.

    ``scope["state"]["request_id"]`` (``request.state.request_id``) is 16 hex digits, set
    before anything else runs, so error bodies (also the rate limiter's 429/413) quote it;
    the answer carries it as ``X-Request-ID``. :data:`SECURITY_HEADERS` are added unless
    the route set them itself; answers under ``/api/v1`` (except the docs page) also get
    the JSON-only ``Content-Security-Policy`` and ``Cache-Control: no-store``.

    A pure ASGI middleware: it only rewrites the ``http.response.start`` message, where
    Starlette's ``BaseHTTPMiddleware`` (``@app.middleware("http")``) would run the rest
    of the app in a separate task and stream the body through a memory channel.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["request_id"] = request_id
        path: str = scope["path"]
        api = path.startswith(API_PREFIX) and not path.endswith("/docs")
        raw_id = request_id.encode("ascii")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() != _REQUEST_ID_HEADER
                ]
                present = {name.lower() for name, _ in headers}
                headers.append((_REQUEST_ID_HEADER, raw_id))
                extra = _SECURITY_HEADERS_RAW + _API_HEADERS_RAW if api else _SECURITY_HEADERS_RAW
                headers.extend(item for item in extra if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def operation_id(route: APIRoute) -> str:
    """``<first tag>-<route name in kebab case>``, e.g. ``bots-list``."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}-{route.name.replace('_', '-')}"


# Threads for sync routes (and their response validation) per CPU this process may use.
THREADS_PER_CPU = 4
MIN_THREADS = 8


def tune_server_process() -> None:
    """Process-wide settings for a process that serves the API and nothing else; call it
    from the event loop, once the app is built (``create_app(..., server_process=True)``
    does it at startup).

    * ``gc.freeze()``: the ~335,000 objects built at startup (modules, routes, validators,
      mappers) live as long as the process; frozen, the collector's full passes no longer
      walk them. Each such pass took 80 to 160 ms, a stall of every request in flight on
      that worker: the p99 of the authenticated read at 32 clients (bench/api_load.py,
      SQLite, 2 workers) fell from 155-187 ms to 48-62 ms.
    * The thread pool of sync routes: ``THREADS_PER_CPU`` per usable CPU, at least
      ``MIN_THREADS`` (8 on a 2-core machine, instead of anyio's 40). More threads than
      that add no throughput to Python code; they queue on the GIL with the event loop
      (5 ms switch interval) and stretch the tail: with the freeze, that p99 fell further
      from 48-62 ms to 34-39 ms. A blocking call holds a thread, so
      at most that many slow calls (a long query, a writer waiting for SQLite's lock) run
      at once; the rest wait their turn instead of competing for the same cores.
    """
    gc.collect()
    gc.freeze()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(MIN_THREADS, THREADS_PER_CPU * (cpus or 1))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the backtest job runner with the server; stop its workers at shutdown."""
    container: Container = app.state.container
    container.jobs.start(container)
    if app.state.server_process:
        tune_server_process()
    try:
        yield
    finally:
        container.jobs.shutdown()


def create_app(
    container: Container, *, server_process: bool = False, web_dist: Path | None = None
) -> FastAPI:
    """The API over ``container``; production mode hides the interactive docs.

    ``server_process``: the app is the whole process (``xor serve``, an ASGI server's
    factory), so its startup may tune process-wide settings (:func:`tune_server_process`),
    and it serves the checkout's built dashboard at ``/`` when there is one
    (:func:`~xor_trading.api.web_app.default_web_dist`). Tests and embedders leave it false.
    ``web_dist``: serve the dashboard built in this directory (``index.html`` inside).
    """
    production = container.settings.is_production
    app = FastAPI(
        title="XOR API",
        version=__version__,
        summary="Self-hosted automated crypto trading: bots, backtests, market data.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None if production else f"{API_PREFIX}/docs",
        swagger_ui_oauth2_redirect_url=None if production else f"{API_PREFIX}/docs/oauth2-redirect",
        redoc_url=None,
        generate_unique_id_function=operation_id,
        lifespan=_lifespan,
    )
    app.state.container = container
    app.state.server_process = server_process
    install_error_handlers(app)
    for router in all_routers():
        # First dependency of every route: a query parameter it does not declare is a 422.
        app.include_router(
            router,
            prefix=API_PREFIX,
            responses=ERROR_RESPONSES,
            dependencies=[REJECT_UNKNOWN_QUERY_PARAMETERS],
        )
    dist = web_dist if web_dist is not None else default_web_dist() if server_process else None
    if dist is not None:
        # Innermost: added first, so the request id, headers, CORS and budgets apply to it.
        app.add_middleware(DashboardMiddleware, dist=dist)
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
    # Outermost: the request id exists before the rate limiter or CORS can answer.
    app.add_middleware(RequestIdAndHeadersMiddleware)
