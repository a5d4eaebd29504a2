"""The WebSocket stream at ``/api/v1/stream``: live bot status, orders, fills, PnL,
alerts and candles. The protocol is documented in ``docs/api-stream.md``.

In short (JSON text frames): the client authenticates with its first message
``{"type": "auth", "token": ...}`` within :data:`AUTH_TIMEOUT_S` (never in the URL: URLs
end up in logs), then subscribes to channels; each channel is authorised on its own
(``services.stream_events.authorize_channel``: another user's channel is *not found*,
S1). The connection closes with 4401 when the access token expires, unless the client
sends a fresh one (``auth`` again, same user) before.

Limits (S7): :data:`MAX_CONNECTIONS_PER_USER` concurrent connections per user in this
process (4429 beyond), :data:`MAX_CHANNELS` channels per connection, messages of at
most :data:`MAX_MESSAGE_BYTES`, client messages within the user's request budget, and
at most ``max_pending`` undelivered events (a client that falls further behind is told
and closed with 4408).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState

from xor_trading.core.errors import AuthenticationError, InputError, NotFoundError, XorError
from xor_trading.services.authentication import authenticate_access_token
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal
from xor_trading.services.stream_events import authorize_channel
from xor_trading.sharedstate.stream_hub import SlowConsumerError, Subscription

logger = logging.getLogger("xor.api.stream")

router = APIRouter(prefix="/stream", tags=["stream"])

AUTH_TIMEOUT_S = 5.0
EXPIRY_CHECK_S = 1.0  # the longest an expired token keeps a quiet connection open
MAX_CONNECTIONS_PER_USER = 10
MAX_CHANNELS = 50
MAX_MESSAGE_BYTES = 64 * 1024
MAX_PENDING_EVENTS = 1000

CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_UNAVAILABLE = 1011
CLOSE_UNAUTHENTICATED = 4401
CLOSE_SLOW_CONSUMER = 4408
CLOSE_TOO_MANY = 4429

URL_TOKEN_PARAMETERS = frozenset({"token", "access_token", "jwt", "authorization"})


class _Closing(Exception):  # noqa: N818 - control flow: end the session with this code
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class ConnectionQuota:
    """Open stream connections per user in this process (one per app)."""

    limit: int = MAX_CONNECTIONS_PER_USER
    open: dict[str, int] = field(default_factory=dict)

    def acquire(self, user_id: str) -> bool:
        count = self.open.get(user_id, 0)
        if count >= self.limit:
            return False
        self.open[user_id] = count + 1
        return True

    def release(self, user_id: str) -> None:
        count = self.open.get(user_id, 0) - 1
        if count > 0:
            self.open[user_id] = count
        else:
            self.open.pop(user_id, None)


def _quota_of(websocket: WebSocket) -> ConnectionQuota:
    # Lives on the app (not in a module global) so each app has its own; the event loop
    # is single-threaded, so creating it lazily here cannot race.
    state = websocket.app.state
    quota: ConnectionQuota | None = getattr(state, "stream_connection_quota", None)
    if quota is None:
        quota = ConnectionQuota()
        state.stream_connection_quota = quota
    return quota


@dataclass
class _Identity:
    principal: Principal
    expires_at_ms: int


def _authenticate(container: Container, token: str) -> _Identity:
    """The caller behind an access token and when the token expires (raises 401 errors)."""
    claims = container.tokens.decode_access(token)
    principal = authenticate_access_token(container, token)
    return _Identity(principal, claims.expires_at_s * 1000)


def _authorize_all(
    container: Container, principal: Principal, channels: list[str]
) -> tuple[list[str], list[tuple[str, XorError]]]:
    allowed: list[str] = []
    refused: list[tuple[str, XorError]] = []
    for channel in channels:
        try:
            authorize_channel(container, principal, channel)
        except (InputError, NotFoundError) as exc:
            refused.append((channel, exc))
        else:
            allowed.append(channel)
    return allowed, refused


class _StreamSession:
    """One authenticated connection: reads client messages, pushes events, watches expiry."""

    def __init__(
        self,
        websocket: WebSocket,
        container: Container,
        identity: _Identity,
        subscription: Subscription,
    ) -> None:
        self.websocket = websocket
        self.container = container
        self.identity = identity
        self.subscription = subscription
        self._send_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        text = json.dumps(frame, separators=(",", ":"))
        async with self._send_lock:  # the reader and the pump both send
            await self.websocket.send_text(text)

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send({"type": "error", "code": code, "message": message, **extra})

    async def check_expiry(self) -> None:
        """Tell the client and close with 4401 once the access token has expired."""
        if self.container.clock.now_ms() >= self.identity.expires_at_ms:
            await self.error("unauthenticated", "the access token expired")
            raise _Closing(CLOSE_UNAUTHENTICATED, "the access token expired")

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self._read_client()),
            asyncio.create_task(self._pump_events()),
            asyncio.create_task(self._watch_expiry()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        for task in done:
            exc = task.exception()
            if exc is not None:
                raise exc

    async def _read_client(self) -> None:
        while True:
            text = await _receive_text(self.websocket)
            await self.check_expiry()
            decision = self.container.rate_limiter.hit(
                f"user:{self.identity.principal.user_id}",
                self.container.settings.rate_limit_per_user_per_s,
                1.0,
                self.container.clock.now_ms(),
            )
            if not decision.allowed:
                await self.error(
                    "rate_limited",
                    "too many messages: slow down",
                    retry_after_s=round(decision.retry_after_s, 3),
                )
                continue
            message = _parse(text)
            if message is None:
                await self.error("invalid_input", "a message must be a JSON object with a type")
                continue
            await self._handle(message)

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "subscribe":
            await self._subscribe(message.get("channels"))
        elif kind == "unsubscribe":
            await self._unsubscribe(message.get("channels"))
        elif kind == "auth":
            await self._reauthenticate(message.get("token"))
        else:
            await self.error(
                "invalid_input",
                f"unknown message type {str(kind)[:40]!r}",
                hint="use auth, subscribe, unsubscribe or ping",
            )

    async def _subscribe(self, raw: object) -> None:
        channels = _channel_list(raw)
        if channels is None:
            await self.error(
                "invalid_input", f"channels must be a list of at most {MAX_CHANNELS} strings"
            )
            return
        current = self.subscription.channels
        wanted = [c for c in dict.fromkeys(channels) if c not in current]
        allowed, refused = await run_in_threadpool(
            _authorize_all, self.container, self.identity.principal, wanted
        )
        room = MAX_CHANNELS - len(current)
        over, allowed = allowed[room:], allowed[:room]
        for channel, exc in refused:
            await self.error(exc.code, exc.message, channel=channel)
        for channel in over:
            await self.error(
                "invalid_input",
                f"at most {MAX_CHANNELS} channels per connection",
                channel=channel,
            )
        await self.subscription.add(allowed)
        confirmed = [c for c in channels if c in allowed or c in current]
        await self.send({"type": "subscribed", "channels": list(dict.fromkeys(confirmed))})

    async def _unsubscribe(self, raw: object) -> None:
        channels = _channel_list(raw)
        if channels is None:
            await self.error(
                "invalid_input", f"channels must be a list of at most {MAX_CHANNELS} strings"
            )
            return
        await self.subscription.remove(channels)
        await self.send({"type": "unsubscribed", "channels": list(dict.fromkeys(channels))})

    async def _reauthenticate(self, token: object) -> None:
        # A client that refreshed its access token sends it here to keep the connection.
        if not isinstance(token, str) or not token:
            await self.error("invalid_input", "auth needs a token")
            return
        try:
            fresh = await run_in_threadpool(_authenticate, self.container, token)
        except AuthenticationError as exc:
            await self.error("unauthenticated", exc.message)
            return
        if fresh.principal.user_id != self.identity.principal.user_id:
            await self.error("invalid_input", "the token belongs to another user")
            return
        self.identity = fresh
        await self.send({"type": "authenticated", "expires_at_ms": fresh.expires_at_ms})

    async def _pump_events(self) -> None:
        try:
            async for channel, data in self.subscription:
                await self.send({"type": "event", "channel": channel, "data": data})
        except SlowConsumerError as exc:
            await self.error("slow_consumer", str(exc))
            raise _Closing(CLOSE_SLOW_CONSUMER, "too slow") from None
        raise _Closing(CLOSE_UNAVAILABLE, "the event stream ended")

    async def _watch_expiry(self) -> None:
        while True:
            await self.check_expiry()
            remaining_s = (self.identity.expires_at_ms - self.container.clock.now_ms()) / 1000
            await asyncio.sleep(min(remaining_s, EXPIRY_CHECK_S))


async def _receive_text(websocket: WebSocket) -> str:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", CLOSE_NORMAL))
    text = message.get("text")
    if text is None:
        raise _Closing(CLOSE_UNSUPPORTED_DATA, "only JSON text frames are accepted")
    # A str of n characters is at least n bytes; only long ones need encoding to measure.
    if len(text) > MAX_MESSAGE_BYTES // 4 and len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise _Closing(CLOSE_MESSAGE_TOO_BIG, f"messages are limited to {MAX_MESSAGE_BYTES} bytes")
    return str(text)


def _parse(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return None
    return value


def _channel_list(raw: object) -> list[str] | None:
    if not isinstance(raw, list) or len(raw) > MAX_CHANNELS:
        return None
    if not all(isinstance(c, str) for c in raw):
        return None
    return [str(c) for c in raw]


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):  # the client may be gone already
            await websocket.close(code=code, reason=reason)


async def _first_auth(
    websocket: WebSocket, container: Container, send_error: Callable[..., Awaitable[None]]
) -> _Identity:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_S):
            text = await _receive_text(websocket)
    except TimeoutError:
        await send_error("unauthenticated", f"authenticate within {AUTH_TIMEOUT_S:g} s")
        raise _Closing(CLOSE_UNAUTHENTICATED, "no auth message") from None
    message = _parse(text)
    token = message.get("token") if message is not None else None
    if message is None or message.get("type") != "auth" or not isinstance(token, str):
        await send_error(
            "unauthenticated", 'the first message must be {"type": "auth", "token": "..."}'
        )
        raise _Closing(CLOSE_UNAUTHENTICATED, "not authenticated")
    try:
        return await run_in_threadpool(_authenticate, container, token)
    except AuthenticationError as exc:
        await send_error("unauthenticated", exc.message)
        raise _Closing(CLOSE_UNAUTHENTICATED, "not authenticated") from None


@router.websocket("", name="connect")
async def stream(websocket: WebSocket) -> None:
    """Authenticated live events; see ``docs/api-stream.md`` (policy: viewer)."""
    container: Container = websocket.app.state.container
    await websocket.accept()

    async def send_error(code: str, message: str) -> None:
        frame = {"type": "error", "code": code, "message": message}
        await websocket.send_text(json.dumps(frame, separators=(",", ":")))

    quota = _quota_of(websocket)
    user_id: str | None = None
    subscription: Subscription | None = None
    try:
        if URL_TOKEN_PARAMETERS.intersection(k.lower() for k in websocket.query_params):
            await send_error(
                "unauthenticated",
                "never put a token in the URL (it ends up in logs); send it in an auth message",
            )
            raise _Closing(CLOSE_UNAUTHENTICATED, "token in the URL")
        identity = await _first_auth(websocket, container, send_error)
        if not quota.acquire(identity.principal.user_id):
            await send_error(
                "rate_limited",
                f"at most {quota.limit} stream connections per user; close one first",
            )
            raise _Closing(CLOSE_TOO_MANY, "too many connections")
        user_id = identity.principal.user_id
        subscription = await container.stream.subscribe(max_pending=MAX_PENDING_EVENTS)
        session = _StreamSession(websocket, container, identity, subscription)
        await session.send({"type": "authenticated", "expires_at_ms": identity.expires_at_ms})
        await session.run()
    except _Closing as closing:
        await _close(websocket, closing.code, closing.reason)
    except WebSocketDisconnect:
        pass
    except Exception:
        logger.exception("stream connection failed")
        await _close(websocket, CLOSE_UNAVAILABLE, "server error")
    finally:
        if subscription is not None:
            await subscription.close()
        if user_id is not None:
            quota.release(user_id)
