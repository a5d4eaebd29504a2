"""Stream fan-out over Redis pub/sub, so events cross process boundaries.

A bot runner process publishes; every API process with a subscriber receives. Channels
are namespaced with ``prefix`` (default ``xor:stream:``) so several XOR instances, or
tests, can share one Redis. Messages travel as JSON text. Redis is never the source of
truth (R14): a lost message is a missed live update, never lost state.

Each subscription holds one Redis pub/sub connection and a reader task that moves
messages into the bounded inbox; Redis's own ``client-output-buffer-limit pubsub`` is a
second bound should the reader itself stall.

Publishing never holds a bot up for long: a Redis that does not answer costs one publish
at most :data:`PUBLISH_TIMEOUT_S` (connect or reply), then every publish of the next
:data:`PUBLISH_PAUSE_S` seconds is dropped at once (counted in ``dropped``), and the
next one tries Redis again. Live updates only: the records are in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping

import redis
import redis.asyncio as aioredis

from xor_trading.sharedstate.stream_hub import (
    DEFAULT_MAX_PENDING,
    InboxSubscription,
    SubscriptionClosedError,
    encode_message,
)

logger = logging.getLogger("xor.sharedstate")

DEFAULT_STREAM_PREFIX = "xor:stream:"
SUBSCRIBE_TIMEOUT_S = 5.0
PUBLISH_TIMEOUT_S = 0.5
PUBLISH_PAUSE_S = 5.0


class RedisStreamHub:
    """A :class:`~xor_trading.sharedstate.stream_hub.StreamHub` over Redis pub/sub."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_STREAM_PREFIX,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.prefix = prefix
        # The synchronous client is thread-safe (a connection pool): publish from anywhere.
        self._client = redis.Redis.from_url(
            url, socket_timeout=PUBLISH_TIMEOUT_S, socket_connect_timeout=PUBLISH_TIMEOUT_S
        )
        self._monotonic = monotonic
        self._paused_until = 0.0
        self.dropped = 0
        """Messages dropped without trying Redis, after it failed (see the module doc)."""

    def publish(self, channel: str, message: Mapping[str, object]) -> None:
        """PUBLISH ``message`` as JSON on ``prefix + channel`` (blocks for one round trip,
        at most :data:`PUBLISH_TIMEOUT_S`). Raises ``redis.RedisError`` when Redis fails;
        for :data:`PUBLISH_PAUSE_S` seconds after that, drops messages without trying."""
        payload = encode_message(message)  # a message that is not JSON is a bug: raise
        if self._monotonic() < self._paused_until:
            self.dropped += 1
            return
        try:
            self._client.publish(self.prefix + channel, payload)
        except redis.RedisError:
            self._paused_until = self._monotonic() + PUBLISH_PAUSE_S
            raise

    async def subscribe(
        self, channels: Iterable[str] = (), *, max_pending: int = DEFAULT_MAX_PENDING
    ) -> RedisSubscription:
        subscription = RedisSubscription(self, max_pending)
        try:
            await subscription.add(channels)
        except BaseException:
            await subscription.close()
            raise
        return subscription

    def close(self) -> None:
        self._client.close()


class RedisSubscription(InboxSubscription):
    """A subscription of :class:`RedisStreamHub`: one pub/sub connection, one reader task."""

    def __init__(self, hub: RedisStreamHub, max_pending: int) -> None:
        super().__init__(max_pending)
        self._prefix = hub.prefix
        self._client = aioredis.Redis.from_url(hub.url)
        self._pubsub = self._client.pubsub()
        self._channels: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        # channel -> future resolved when Redis confirms the SUBSCRIBE
        self._confirmations: dict[str, asyncio.Future[None]] = {}

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._channels)

    async def add(self, channels: Iterable[str]) -> None:
        """Subscribe to ``channels`` and return once Redis has confirmed them all, so a
        message published after this returns is received."""
        if self.is_closed:
            raise SubscriptionClosedError("the subscription is closed")
        new = set(channels) - self._channels
        if not new:
            return
        loop = asyncio.get_running_loop()
        waiting = {c: loop.create_future() for c in new}
        self._confirmations.update(waiting)
        try:
            await self._pubsub.subscribe(*(self._prefix + c for c in sorted(new)))
            self._channels |= new
            if self._reader is None:
                self._reader = asyncio.create_task(self._read(), name="xor-redis-stream")
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                await asyncio.gather(*waiting.values())
        finally:
            for channel in waiting:
                self._confirmations.pop(channel, None)

    async def remove(self, channels: Iterable[str]) -> None:
        if self.is_closed:
            raise SubscriptionClosedError("the subscription is closed")
        gone = set(channels) & self._channels
        if not gone:
            return
        self._channels -= gone
        await self._pubsub.unsubscribe(*(self._prefix + c for c in sorted(gone)))

    async def close(self) -> None:
        if self.is_closed:
            return
        self._mark_closed()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        with contextlib.suppress(Exception):  # the connection may already be broken
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
        with contextlib.suppress(Exception):
            await self._client.aclose()

    async def _read(self) -> None:
        prefix_length = len(self._prefix)
        try:
            while not self.is_closed and not self.is_dropped:
                message = await self._pubsub.get_message(timeout=None)
                if message is None:
                    continue
                channel = _text(message["channel"])[prefix_length:]
                kind = message.get("type")
                if kind == "subscribe":
                    confirmed = self._confirmations.get(channel)
                    if confirmed is not None and not confirmed.done():
                        confirmed.set_result(None)
                    continue
                if kind != "message" or channel not in self._channels:
                    continue  # unsubscribe notices, or in flight while we unsubscribed
                try:
                    data = json.loads(message["data"])
                except ValueError:
                    logger.warning("dropped a non-JSON stream message on %s", channel)
                    continue
                if isinstance(data, dict):
                    self.deliver((channel, data))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis went away: end the stream, the client reconnects
            logger.warning("stream subscription lost its Redis connection: %s", exc)
            for waiting in self._confirmations.values():
                if not waiting.done():
                    waiting.set_exception(ConnectionError(f"Redis connection lost: {exc}"))
            self._mark_closed()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
