"""Stream fan-out: services publish events on named channels, WebSocket clients receive them.

Two implementations share this contract: :class:`~.memory_stream_hub.MemoryStreamHub`
(one process) and :class:`~.redis_stream_hub.RedisStreamHub` (Redis pub/sub, so an event
published by a bot runner reaches the API processes).

Contract:

* :meth:`StreamHub.publish` is synchronous and may be called from any thread (services
  are synchronous). Messages must be JSON objects (``str`` keys; ``str``, ``int``,
  ``bool``, ``None``, lists and objects as values; money as decimal strings); anything
  else raises ``TypeError``. Delivery is at most once: a subscriber that is not
  subscribed when a message is published never sees it, and nothing is stored.
* :meth:`StreamHub.subscribe` is a coroutine returning a :class:`Subscription`, an async
  iterator of ``(channel, message)`` pairs in publication order per publisher. Each
  subscription buffers at most ``max_pending`` messages; a consumer that falls further
  behind is dropped: its buffer is emptied and iteration raises
  :class:`SlowConsumerError` (the notice), instead of memory growing without bound.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Protocol

DEFAULT_MAX_PENDING = 1000

Event = tuple[str, dict[str, object]]


class SlowConsumerError(Exception):
    """The subscriber fell more than ``max_pending`` messages behind and was dropped."""

    def __init__(self, max_pending: int) -> None:
        super().__init__(
            f"the subscriber fell more than {max_pending} messages behind and was dropped"
        )
        self.max_pending = max_pending


class SubscriptionClosedError(Exception):
    """Raised by :meth:`Subscription.add` / ``remove`` after :meth:`Subscription.close`."""


class Subscription(Protocol):
    """One consumer's view of some channels (one per WebSocket connection)."""

    @property
    def channels(self) -> frozenset[str]:
        """The channels currently subscribed."""
        ...

    async def add(self, channels: Iterable[str]) -> None:
        """Start receiving ``channels`` too (already subscribed ones are ignored)."""
        ...

    async def remove(self, channels: Iterable[str]) -> None:
        """Stop receiving ``channels`` (unknown ones are ignored)."""
        ...

    async def close(self) -> None:
        """Stop receiving anything and release resources; iteration then ends. Idempotent."""
        ...

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def __anext__(self) -> Event:
        """The next ``(channel, message)``; raises :class:`SlowConsumerError` once dropped,
        ``StopAsyncIteration`` once closed."""
        ...


class StreamHub(Protocol):
    """Publish from anywhere, subscribe from asyncio."""

    def publish(self, channel: str, message: Mapping[str, object]) -> None:
        """Send ``message`` to every current subscriber of ``channel`` (any thread)."""
        ...

    async def subscribe(
        self, channels: Iterable[str] = (), *, max_pending: int = DEFAULT_MAX_PENDING
    ) -> Subscription:
        """A subscription to ``channels`` (more can be added later); call from asyncio."""
        ...

    def close(self) -> None:
        """Release connections (end of process)."""
        ...


def encode_message(message: Mapping[str, object]) -> str:
    """``message`` as compact JSON; raises ``TypeError`` if it is not a JSON object."""
    if not isinstance(message, Mapping):
        raise TypeError(f"a stream message must be a mapping, got {type(message).__name__}")
    try:
        return json.dumps(dict(message), separators=(",", ":"), allow_nan=False)
    except ValueError as exc:  # NaN or infinity: not JSON
        raise TypeError(f"a stream message must be JSON: {exc}") from None


class Inbox:
    """A bounded, thread-safe buffer of events with an asyncio wake-up.

    ``push`` may run on any thread; ``pop`` runs on the event loop that owns the waiter.
    On overflow the buffer is cleared and the inbox is marked dropped, so memory stays
    bounded by ``max_pending`` messages whatever the consumer does.
    """

    def __init__(self, max_pending: int) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be >= 1, got {max_pending}")
        self.max_pending = max_pending
        self._items: deque[Event] = deque()
        self._lock = threading.Lock()
        self.dropped = False
        self.closed = False

    def push(self, event: Event) -> bool:
        """Buffer ``event``; returns True when the consumer must be woken up (the buffer
        went from empty to non-empty, or the consumer was just dropped)."""
        with self._lock:
            if self.closed or self.dropped:
                return False
            if len(self._items) >= self.max_pending:
                self._items.clear()
                self.dropped = True
                return True
            self._items.append(event)
            return len(self._items) == 1

    def pop(self) -> Event | None:
        """The oldest event, or None if empty; raises :class:`SlowConsumerError` if dropped."""
        with self._lock:
            if self.dropped:
                raise SlowConsumerError(self.max_pending)
            return self._items.popleft() if self._items else None

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._items.clear()


class InboxSubscription:
    """The iterator side shared by both hubs: an :class:`Inbox` drained on one event loop.

    Subclasses feed it with :meth:`deliver` (any thread) and implement channel changes.
    Consumers must treat received messages as read-only: one decoded message object is
    shared by every local subscriber of its channel.
    """

    def __init__(self, max_pending: int) -> None:
        self._inbox = Inbox(max_pending)
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._closed = False

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def is_dropped(self) -> bool:
        return self._inbox.dropped

    def deliver(self, event: Event) -> None:
        """Buffer ``event`` for the consumer (any thread); a no-op once closed or dropped."""
        if not self._inbox.push(event):
            return
        if self._inbox.dropped:
            self._on_dropped()
        try:
            self._loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the consumer's event loop is gone: nobody will read
            self._inbox.close()

    def _on_dropped(self) -> None:
        """Hook: the consumer was just dropped (stop feeding it). Any thread."""

    def _mark_closed(self) -> None:
        self._closed = True
        self._inbox.close()
        self._wake.set()

    def __aiter__(self) -> InboxSubscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            event = self._inbox.pop()
            if event is not None:
                return event
            if self._closed:
                raise StopAsyncIteration
            self._wake.clear()
            # A deliver() between the pop above and clear() scheduled a set() that runs
            # after clear(), so waiting below cannot miss it.
            event = self._inbox.pop()
            if event is not None:
                return event
            if self._closed:
                raise StopAsyncIteration
            await self._wake.wait()
