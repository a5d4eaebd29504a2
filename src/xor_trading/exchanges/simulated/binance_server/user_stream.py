"""User data over WebSocket: ``/ws/<listenKey>`` and the WebSocket API ``/ws-api/v3``.

CCXT 4.5's ``binance`` (pro) subscribes spot user data through the WebSocket API:
``{"id", "method": "userDataStream.subscribe.signature", "params": {apiKey, timestamp,
recvWindow?, signature}}``, signed over the params sorted by name. The venue checks the
key, the timing rule and the signature (the same open-mode rule as REST), answers
``{"id", "status": 200, "result": {"subscriptionId": n}}`` and then sends
``{"subscriptionId": n, "event": <executionReport | outboundAccountPosition>}``.
The older listenKey stream (``POST /api/v3/userDataStream`` then ``/ws/<listenKey>``)
sends the same events unwrapped.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from xor_trading.exchanges.simulated.binance_server import api_error, signing
from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError
from xor_trading.exchanges.simulated.binance_server.market_streams import StreamHub
from xor_trading.exchanges.simulated.binance_server.simulated_binance import SimulatedBinance

Json = dict[str, Any]
_sending: set[asyncio.Task[None]] = set()


def _forwarder(
    ws: web.WebSocketResponse, hub: StreamHub, wrap: Callable[[Json], Json]
) -> Callable[[Json], None]:
    """A listener that queues the event onto this socket (events arrive synchronously)."""

    def forward(event: Json) -> None:
        if ws.closed or hub.stalled:
            return  # a stalled stream loses data, as Binance's does across a reconnect
        task = asyncio.get_running_loop().create_task(
            ws.send_str(json.dumps(wrap(event), separators=(",", ":")))
        )
        # Keep a reference until sent: the loop holds tasks only weakly.
        _sending.add(task)
        task.add_done_callback(_sending.discard)

    return forward


async def serve_listen_key(
    request: web.Request, venue: SimulatedBinance, hub: StreamHub, listen_key: str
) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=venue.config.ws_heartbeat_s)
    await ws.prepare(request)
    api_key = venue.listen_keys[listen_key]
    listener = _forwarder(ws, hub, lambda event: event)
    venue.add_user_listener(api_key, listener)
    hub.user_connections.add(ws)
    try:
        async for _ in ws:
            pass  # the user stream ignores what the client sends
    finally:
        venue.remove_user_listener(api_key, listener)
        hub.user_connections.discard(ws)
    return ws


async def serve_ws_api(
    request: web.Request, venue: SimulatedBinance, hub: StreamHub
) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=venue.config.ws_heartbeat_s)
    await ws.prepare(request)
    hub.user_connections.add(ws)
    subscriptions: dict[int, tuple[str, Callable[[Json], None]]] = {}
    ids = itertools.count(0)
    try:
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            answer = _ws_api_call(venue, hub, ws, message.data, subscriptions, ids)
            await ws.send_str(json.dumps(answer, separators=(",", ":")))
    finally:
        for api_key, listener in subscriptions.values():
            venue.remove_user_listener(api_key, listener)
        hub.user_connections.discard(ws)
    return ws


def _ws_api_call(
    venue: SimulatedBinance,
    hub: StreamHub,
    ws: web.WebSocketResponse,
    text: str,
    subscriptions: dict[int, tuple[str, Callable[[Json], None]]],
    ids: itertools.count[int],
) -> Json:
    try:
        request = json.loads(text)
    except json.JSONDecodeError:
        return _error(None, BinanceApiError(400, -1102, "Malformed request: not JSON."))
    if not isinstance(request, dict):
        return _error(None, BinanceApiError(400, -1102, "Malformed request: not an object."))
    request_id, method = request.get("id"), request.get("method")
    params = request.get("params") or {}
    try:
        if method == "ping":
            return _ok(request_id, {})
        if method == "time":
            return _ok(request_id, {"serverTime": venue.wall.now_ms()})
        if method == "userDataStream.subscribe.signature":
            api_key = _authenticate(venue, params)
            subscription_id = next(ids)
            listener = _forwarder(
                ws, hub, lambda event: {"subscriptionId": subscription_id, "event": event}
            )
            venue.add_user_listener(api_key, listener)
            subscriptions[subscription_id] = (api_key, listener)
            return _ok(request_id, {"subscriptionId": subscription_id})
        if method == "userDataStream.unsubscribe":
            wanted = params.get("subscriptionId")
            for sid in [s for s in subscriptions if wanted is None or s == wanted]:
                api_key, listener = subscriptions.pop(sid)
                venue.remove_user_listener(api_key, listener)
            return _ok(request_id, {})
        raise BinanceApiError(400, -1100, f"Unknown method {method!r} on the simulated venue.")
    except BinanceApiError as error:
        return _error(request_id, error)


def _authenticate(venue: SimulatedBinance, params: Json) -> str:
    api_key = params.get("apiKey")
    if not isinstance(api_key, str) or not api_key:
        raise api_error.mandatory_missing("apiKey")
    spec = venue.key_spec(api_key)
    if spec is None:
        raise api_error.invalid_key()
    signing.check_timing(
        str(params.get("timestamp", "")),
        None if params.get("recvWindow") is None else str(params["recvWindow"]),
        venue.wall.now_ms(),
    )
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
    signing.check_signature(spec.secret, payload, params.get("signature"))
    venue.account(api_key)
    return api_key


def _ok(request_id: Any, result: Json) -> Json:
    return {"id": request_id, "status": 200, "result": result, "rateLimits": []}


def _error(request_id: Any, error: BinanceApiError) -> Json:
    return {"id": request_id, "status": error.status, "error": error.body()}
