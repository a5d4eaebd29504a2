"""The aiohttp application: REST catch-all, market streams, user data streams.

Routes: ``/ws``, ``/ws/{name}`` (a listenKey, or streams ``a/b/c``, or anything else:
an empty market connection that SUBSCRIBEs later, like CCXT's ``/ws/0``),
``/stream?streams=a/b`` (combined form), ``/ws-api/v3`` (WebSocket API user data), and
every other path to :func:`handle_rest`.
"""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from xor_trading.exchanges.simulated.binance_server.market_streams import StreamHub
from xor_trading.exchanges.simulated.binance_server.rest_pipeline import VENUE_KEY, handle_rest
from xor_trading.exchanges.simulated.binance_server.simulated_binance import SimulatedBinance
from xor_trading.exchanges.simulated.binance_server.stream_connections import StreamConnection
from xor_trading.exchanges.simulated.binance_server.user_stream import (
    serve_listen_key,
    serve_ws_api,
)

HUB_KEY: web.AppKey[StreamHub] = web.AppKey("hub", StreamHub)


async def _market_socket(
    request: web.Request, streams: list[str], combined: bool
) -> web.WebSocketResponse:
    venue, hub = request.app[VENUE_KEY], request.app[HUB_KEY]
    ws = web.WebSocketResponse(heartbeat=venue.config.ws_heartbeat_s)
    await ws.prepare(request)
    conn = StreamConnection(ws, combined, {s for s in streams if hub.valid(s)})
    hub.connections.add(conn)
    try:
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                control = json.loads(message.data)
            except json.JSONDecodeError:
                await conn.send({"error": {"code": 3, "msg": "Invalid JSON"}, "id": None})
                continue
            if isinstance(control, dict):
                await hub.handle_control(conn, control)
    finally:
        hub.connections.discard(conn)
    return ws


async def _ws(request: web.Request) -> web.StreamResponse:
    name = request.match_info.get("name", "")
    venue, hub = request.app[VENUE_KEY], request.app[HUB_KEY]
    if name in venue.listen_keys:
        return await serve_listen_key(request, venue, hub, name)
    return await _market_socket(request, [s for s in name.split("/") if s], combined=False)


async def _stream(request: web.Request) -> web.StreamResponse:
    streams = [s for s in request.query.get("streams", "").split("/") if s]
    return await _market_socket(request, streams, combined=True)


async def _ws_api(request: web.Request) -> web.StreamResponse:
    return await serve_ws_api(request, request.app[VENUE_KEY], request.app[HUB_KEY])


def build_app(venue: SimulatedBinance) -> web.Application:
    app = web.Application()
    hub = StreamHub(venue)
    app[VENUE_KEY] = venue
    app[HUB_KEY] = hub

    async def start_hub(_: web.Application) -> None:
        hub.start()

    async def stop_hub(_: web.Application) -> None:
        await hub.stop()

    app.on_startup.append(start_hub)
    app.on_shutdown.append(stop_hub)
    app.router.add_get("/ws", _ws)
    app.router.add_get("/ws/{name:.*}", _ws)
    app.router.add_get("/stream", _stream)
    app.router.add_get("/ws-api/v3", _ws_api)
    app.router.add_route("*", "/{tail:.*}", handle_rest)
    return app
