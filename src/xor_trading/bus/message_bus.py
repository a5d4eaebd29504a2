"""The in-process message bus.

Events are published to every handler subscribed to their exact type, in subscription
order, synchronously (depth first: a handler that publishes sees its event handled before
it returns). Commands are sent to a named endpoint (``"risk.execute"``,
``"execution.execute"``), which has exactly one handler.
Redis or NATS transports wrap this interface in ``adapters``; engines never know which.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Handler = Callable[[Any], None]


class MessageBus:
    def __init__(self) -> None:
        self._subscribers: defaultdict[type, list[Handler]] = defaultdict(list)
        self._endpoints: dict[str, Handler] = {}

    def subscribe(self, message_type: type[T], handler: Callable[[T], None]) -> None:
        self._subscribers[message_type].append(handler)

    def publish(self, event: object) -> None:
        handlers = self._subscribers.get(type(event))
        if handlers:
            for handler in handlers:
                handler(event)

    def handlers(self, message_type: type) -> list[Handler]:
        """The live list of ``message_type``'s handlers, in subscription order.

        For a driver that publishes one type in a tight loop: calling each handler of this
        list is :meth:`publish` without its per-event lookup. The list is the bus's own, so
        later subscriptions appear in it; callers must not modify it.
        """
        return self._subscribers[message_type]

    def has_subscribers(self, message_type: type) -> bool:
        """Whether publishing ``message_type`` would reach anyone (to skip building events)."""
        return bool(self._subscribers.get(message_type))

    def register(self, endpoint: str, handler: Handler) -> None:
        """Make ``handler`` the one handler of ``endpoint``."""
        if endpoint in self._endpoints:
            raise ValueError(f"endpoint {endpoint!r} already has a handler")
        self._endpoints[endpoint] = handler

    def send(self, endpoint: str, command: object) -> None:
        try:
            handler = self._endpoints[endpoint]
        except KeyError:
            raise LookupError(f"no handler registered for endpoint {endpoint!r}") from None
        handler(command)
