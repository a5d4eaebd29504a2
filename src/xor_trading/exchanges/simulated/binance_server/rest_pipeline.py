"""Every REST request goes through here: record, weigh, inject faults, authenticate, answer.

Order of steps (each may end the request):

1. record the request (method, path, API key, signed or not) in the venue's log;
2. unknown path: 404 ``{-1000}``;
3. charge the request weight to the client IP (429 / 418 as Binance);
4. decide the fault (seeded); faults that mean "never reached the engine" answer now;
5. authenticate (``key``: a known key; ``signed``: key, HMAC, timing rule) and run the
   handler: this is where an order is applied;
6. faults that happen after the engine (drop or delay the answer, 5xx after applying,
   truncated JSON) act on the answer;
7. headers: ``X-MBX-USED-WEIGHT-1M`` always, ``X-MBX-ORDER-COUNT-10S/1D`` on orders,
   ``X-XOR-SIGNATURE-CHECK`` (``verified`` or ``format-only``) on signed requests.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from xor_trading.exchanges.simulated.binance_server import api_error, signing
from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError
from xor_trading.exchanges.simulated.binance_server.faults import Fault, FaultKind
from xor_trading.exchanges.simulated.binance_server.rate_limits import request_weight
from xor_trading.exchanges.simulated.binance_server.request_params import Params
from xor_trading.exchanges.simulated.binance_server.rest_routes import (
    ROUTES,
    RequestContext,
    Route,
)
from xor_trading.exchanges.simulated.binance_server.simulated_binance import (
    RequestRecord,
    SimulatedBinance,
)

VENUE_KEY: web.AppKey[SimulatedBinance] = web.AppKey("venue", SimulatedBinance)

MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><title>Binance - System Maintenance</title></head>"
    "<body><h1>System maintenance</h1><p>Binance is upgrading its system.</p></body></html>"
)

_ERROR_FAULTS: dict[FaultKind, BinanceApiError] = {
    FaultKind.ERROR_1006: BinanceApiError(
        500,
        -1006,
        "An unexpected response was received from the message bus. Execution status unknown.",
    ),
    FaultKind.ERROR_1007: BinanceApiError(
        408,
        -1007,
        "Timeout waiting for response from backend server. Send status unknown; "
        "execution status unknown.",
    ),
    FaultKind.ERROR_1000: BinanceApiError(
        503, -1000, "Unknown error, please check your request or try again later."
    ),
}


async def handle_rest(request: web.Request) -> web.StreamResponse:
    venue = request.app[VENUE_KEY]
    endpoint = f"{request.method} {request.path}"
    route = ROUTES.get(endpoint)
    params = await _params(request)
    api_key = request.headers.get("X-MBX-APIKEY")
    seq = venue.next_seq()
    signed = route is not None and route.security == "signed"
    record = RequestRecord(seq, venue.wall.now_ms(), request.method, request.path, api_key, signed)
    ip = request.remote or "unknown"
    fault: Fault | None = None
    headers: dict[str, str] = {}
    try:
        if route is None:
            raise api_error.unknown_endpoint(request.method, request.path)
        venue.limiter.charge(ip, request_weight(endpoint, params.values), venue.wall.now_ms())
        fault = venue.faults.decide(seq, endpoint)
        early = await _fault_before_engine(request, venue, fault, ip)
        if early is not None:
            return _finish(venue, record, early, fault, ip, headers)
        venue.advance()
        body = _run(venue, route, params, api_key, fault, headers, endpoint)
        status = 200
        if fault is not None and fault.kind in _ERROR_FAULTS and fault.applied:
            raise _ERROR_FAULTS[fault.kind]
    except BinanceApiError as error:
        body, status = error.body(), error.status
        if error.retry_after_s is not None:
            headers["Retry-After"] = str(error.retry_after_s)
    response = await _fault_after_engine(request, fault, body, status)
    return _finish(venue, record, response, fault, ip, headers)


async def _params(request: web.Request) -> Params:
    """Query and form body merged; the signed payload is both, raw, minus the signature."""
    raw_query = request.rel_url.raw_query_string
    raw_body = await request.text() if request.can_read_body else ""
    values = dict(parse_qsl(raw_query, keep_blank_values=True))
    values.update(parse_qsl(raw_body, keep_blank_values=True))
    query_payload, query_sig = signing.split_signature(raw_query)
    body_payload, body_sig = signing.split_signature(raw_body)
    return Params(values, query_payload + body_payload, query_sig or body_sig)


def _run(
    venue: SimulatedBinance,
    route: Route,
    params: Params,
    api_key: str | None,
    fault: Fault | None,
    headers: dict[str, str],
    endpoint: str,
) -> Any:
    ctx = RequestContext(venue, params, fault=fault)
    if route.security != "none":
        if api_key is None:
            raise BinanceApiError(401, -2014, "API-key format invalid.")
        spec = venue.key_spec(api_key)
        if spec is None:
            raise api_error.invalid_key()
        ctx.api_key, ctx.key_spec = api_key, spec
        if endpoint == "POST /api/v3/order":
            venue.account(api_key)
            venue.order_counters[api_key].record(venue.wall.now_ms())
        if route.security == "signed":
            signing.check_timing(
                params.get("timestamp"), params.get("recvWindow"), venue.wall.now_ms()
            )
            verified = signing.check_signature(spec.secret, params.payload, params.signature)
            headers["X-XOR-SIGNATURE-CHECK"] = "verified" if verified else "format-only"
    return route.handler(ctx)


async def _fault_before_engine(
    request: web.Request, venue: SimulatedBinance, fault: Fault | None, ip: str
) -> web.StreamResponse | None:
    if fault is None:
        return None
    kind = fault.kind
    if kind is FaultKind.DROP_REQUEST:
        return _abort(request)
    if kind in _ERROR_FAULTS and not fault.applied:
        raise _ERROR_FAULTS[kind]
    if kind is FaultKind.RATE_LIMIT_429:
        raise venue.limiter.force_429(ip, venue.wall.now_ms(), fault.retry_after_s)
    if kind is FaultKind.TIMESTAMP_1021:
        raise api_error.timestamp_outside_window()
    if kind is FaultKind.MAINTENANCE_HTML:
        return web.Response(status=200, text=MAINTENANCE_PAGE, content_type="text/html")
    if kind is FaultKind.HTTP_503_TEXT:
        return web.Response(status=503, text="Service Unavailable.", content_type="text/plain")
    if kind is FaultKind.HTTP_502_HTML:
        return web.Response(status=502, text=_gateway_page(502), content_type="text/html")
    if kind is FaultKind.HTTP_504_HTML:
        return web.Response(status=504, text=_gateway_page(504), content_type="text/html")
    return None


async def _fault_after_engine(
    request: web.Request, fault: Fault | None, body: Any, status: int
) -> web.StreamResponse:
    text = json.dumps(body, separators=(",", ":"))
    kind = fault.kind if fault is not None else None
    if kind is FaultKind.DROP_RESPONSE:
        return _abort(request)
    if kind is FaultKind.DELAY_RESPONSE:
        assert fault is not None
        await asyncio.sleep(fault.delay_s)
    if kind is FaultKind.TRUNCATED_JSON:
        text = text[: max(1, len(text) // 2)]
    return web.Response(status=status, text=text, content_type="application/json")


def _abort(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer (the client sees a disconnect)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=200)


def _gateway_page(status: int) -> str:
    title = {502: "502 Bad Gateway", 504: "504 Gateway Time-out"}[status]
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"


def _finish(
    venue: SimulatedBinance,
    record: RequestRecord,
    response: web.StreamResponse,
    fault: Fault | None,
    ip: str,
    headers: dict[str, str],
) -> web.StreamResponse:
    now = venue.wall.now_ms()
    response.headers["X-MBX-USED-WEIGHT-1M"] = str(venue.limiter.used(ip, now))
    for name, value in headers.items():
        response.headers[name] = value
    if record.endpoint == "POST /api/v3/order" and record.api_key in venue.order_counters:
        ten_s, day = venue.order_counters[record.api_key].counts(now)
        response.headers["X-MBX-ORDER-COUNT-10S"] = str(ten_s)
        response.headers["X-MBX-ORDER-COUNT-1D"] = str(day)
    venue.requests.append(
        RequestRecord(
            record.seq,
            record.wall_ms,
            record.method,
            record.path,
            record.api_key,
            record.signed,
            response.status,
            fault.kind.value if fault else None,
        )
    )
    return response
