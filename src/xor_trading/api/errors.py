"""Every failure becomes JSON ``{code, message, hint, request_id}``, never a stack trace.

XOR errors map to HTTP statuses by class (the mapping below); request validation
errors become 422 ``invalid_request`` with one entry per field, an undeclared query
parameter 422 ``unknown_query_parameter`` (:mod:`xor_trading.api.query_params`); anything
else is a bug: logged with its request id, answered 500 ``internal_error`` without
details (S12).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from xor_trading.api.headers import API_HEADERS, SECURITY_HEADERS
from xor_trading.api.query_params import UNKNOWN_QUERY_PARAMETER, UnknownQueryParametersError
from xor_trading.api.schemas.common import ErrorBody
from xor_trading.core.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RetryableError,
    XorError,
)

logger = logging.getLogger("xor.api")

# Most specific first: the first matching class decides the status.
STATUS_BY_ERROR: tuple[tuple[type[XorError], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (InputError, 422),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitedError, 429),
    (RetryableError, 503),
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    hint: str = "",
    *,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(
        code=code,
        message=message,
        hint=hint,
        request_id=request_id_of(request),
        details=details or [],
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def status_of(error: XorError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


async def _xor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, XorError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(max(1, round(exc.retry_after_s)))
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if status == 500:
        logger.error("unclassified XorError %s: %s", type(exc).__name__, exc.message)
        return error_response(request, 500, "internal_error", "The server failed.")
    return error_response(request, status, exc.code, exc.message, exc.hint, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("body",)) or "body"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": _field_path(tuple(err.get("loc", ()))), "problem": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    first = details[0] if details else {"field": "body", "problem": "invalid"}
    return error_response(
        request,
        422,
        "invalid_request",
        f"{first['field']}: {first['problem']}",
        "fix the request; see details for every invalid field",
        details=details,
    )


async def _unknown_query_parameters(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UnknownQueryParametersError)
    return error_response(
        request, 422, UNKNOWN_QUERY_PARAMETER, exc.message, exc.hint, details=exc.details
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(request, exc.status_code, code, message, headers=dict(exc.headers or {}))


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    # A bug: log it for the operator, tell the client nothing about the internals.
    logger.error(
        "unhandled %s on %s %s (request %s)",
        type(exc).__name__,
        request.method,
        request.url.path,
        request_id_of(request),
        exc_info=exc,
    )
    # Starlette answers an unhandled exception from its outermost middleware, outside the
    # one that adds headers: add them here.
    headers = {**SECURITY_HEADERS, **API_HEADERS, "X-Request-ID": request_id_of(request)}
    return error_response(
        request,
        500,
        "internal_error",
        "The server failed to handle the request.",
        "retry later; if it persists, report the request id to the operator",
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(XorError, _xor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(UnknownQueryParametersError, _unknown_query_parameters)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
