"""In-process stream fan-out: publishers on any thread, subscribers on asyncio loops.

The default when no Redis is configured: correct for one API process running its bots in
the same process. Publishing costs one JSON encode/decode (which also checks that the
message is JSON, exactly like the Redis hub) plus one bounded append per subscriber.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping

from xor_trading.sharedstate.stream_hub import (
    DEFAULT_MAX_PENDING,
    InboxSubscription,
    SubscriptionClosedError,
    encode_message,
)


class MemoryStreamHub:
    """A :class:`~xor_trading.sharedstate.stream_hub.StreamHub` inside one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[MemorySubscription]] = {}

    def publish(self, channel: str, message: Mapping[str, object]) -> None:
        """Deliver ``message`` to the current subscribers of ``channel`` (any thread)."""
        # Encode even with no subscriber: a non-JSON message is a bug wherever it goes.
        decoded: dict[str, object] = json.loads(encode_message(message))
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for subscription in targets:
            subscription.deliver((channel, decoded))

    async def subscribe(
        self, channels: Iterable[str] = (), *, max_pending: int = DEFAULT_MAX_PENDING
    ) -> MemorySubscription:
        subscription = MemorySubscription(self, max_pending)
        await subscription.add(channels)
        return subscription

    def subscriber_count(self, channel: str) -> int:
        """How many subscriptions receive ``channel`` now (for tests and metrics)."""
        with self._lock:
            return len(self._subscribers.get(channel, ()))

    def close(self) -> None:
        """Nothing to release; subscriptions end when their owners close them."""

    def _attach(self, subscription: MemorySubscription, channels: Iterable[str]) -> None:
        with self._lock:
            for channel in channels:
                self._subscribers.setdefault(channel, set()).add(subscription)

    def _detach(self, subscription: MemorySubscription, channels: Iterable[str]) -> None:
        with self._lock:
            for channel in channels:
                members = self._subscribers.get(channel)
                if members is None:
                    continue
                members.discard(subscription)
                if not members:
                    del self._subscribers[channel]


class MemorySubscription(InboxSubscription):
    """A subscription of :class:`MemoryStreamHub`; create it with ``hub.subscribe``."""

    def __init__(self, hub: MemoryStreamHub, max_pending: int) -> None:
        super().__init__(max_pending)
        self._hub = hub
        self._channels: set[str] = set()
        self._channels_lock = threading.Lock()

    @property
    def channels(self) -> frozenset[str]:
        with self._channels_lock:
            return frozenset(self._channels)

    async def add(self, channels: Iterable[str]) -> None:
        if self.is_closed:
            raise SubscriptionClosedError("the subscription is closed")
        new = set(channels)
        with self._channels_lock:
            new -= self._channels
            self._channels |= new
        self._hub._attach(self, new)

    async def remove(self, channels: Iterable[str]) -> None:
        if self.is_closed:
            raise SubscriptionClosedError("the subscription is closed")
        gone = set(channels)
        with self._channels_lock:
            gone &= self._channels
            self._channels -= gone
        self._hub._detach(self, gone)

    async def close(self) -> None:
        self._detach_all()
        self._mark_closed()

    def _on_dropped(self) -> None:
        self._detach_all()

    def _detach_all(self) -> None:
        with self._channels_lock:
            gone, self._channels = self._channels, set()
        self._hub._detach(self, gone)
