"""A WebSocket client of the venue: what it subscribed to and how it wants messages.

Market connections on ``/ws/...`` get raw payloads, on ``/stream?streams=...`` the
combined form ``{"stream": name, "data": payload}``. User-data connections get the
events of one API key: raw on ``/ws/<listenKey>``, wrapped
``{"subscriptionId": n, "event": ...}`` on the WebSocket API (``/ws-api/v3``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(eq=False)
class StreamConnection:
    ws: web.WebSocketResponse
    combined: bool = False
    streams: set[str] = field(default_factory=set)

    async def send_stream(self, stream: str, payload: Any) -> None:
        message = {"stream": stream, "data": payload} if self.combined else payload
        await self.send(message)

    async def send(self, message: Any) -> None:
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(message, separators=(",", ":")))
