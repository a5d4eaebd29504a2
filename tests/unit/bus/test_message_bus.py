"""The in-process message bus (bus/message_bus.py): events by exact type, commands by endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from xor_trading.bus.message_bus import MessageBus


@dataclass(frozen=True)
class Tick:
    n: int


@dataclass(frozen=True)
class SpecialTick(Tick):
    pass


@dataclass(frozen=True)
class Echo:
    text: str


def test_message_bus_publish_calls_subscriber_with_event() -> None:
    bus = MessageBus()
    seen: list[Tick] = []
    bus.subscribe(Tick, seen.append)
    event = Tick(1)
    bus.publish(event)
    assert seen == [event]
    assert seen[0] is event


def test_message_bus_publish_without_subscribers_does_nothing() -> None:
    MessageBus().publish(Tick(1))  # no error


def test_message_bus_publish_dispatches_on_exact_type_not_subclass() -> None:
    bus = MessageBus()
    base: list[object] = []
    special: list[object] = []
    bus.subscribe(Tick, base.append)
    bus.subscribe(SpecialTick, special.append)
    bus.publish(SpecialTick(1))
    bus.publish(Tick(2))
    assert base == [Tick(2)]
    assert special == [SpecialTick(1)]


def test_message_bus_publish_object_subscription_does_not_catch_everything() -> None:
    bus = MessageBus()
    seen: list[object] = []
    bus.subscribe(object, seen.append)
    bus.publish(Tick(1))
    assert seen == []


def test_message_bus_publish_other_type_is_not_delivered() -> None:
    bus = MessageBus()
    seen: list[object] = []
    bus.subscribe(Tick, seen.append)
    bus.publish(Echo("x"))
    assert seen == []


def test_message_bus_publish_calls_handlers_in_subscription_order() -> None:
    bus = MessageBus()
    calls: list[str] = []

    def recorder(name: str) -> Callable[[Tick], None]:
        return lambda event: calls.append(name)

    for name in ["risk", "portfolio", "strategy", "recorder"]:
        bus.subscribe(Tick, recorder(name))
    bus.publish(Tick(1))
    assert calls == ["risk", "portfolio", "strategy", "recorder"]


def test_message_bus_same_handler_subscribed_twice_is_called_twice() -> None:
    bus = MessageBus()
    seen: list[Tick] = []
    bus.subscribe(Tick, seen.append)
    bus.subscribe(Tick, seen.append)
    bus.publish(Tick(1))
    assert seen == [Tick(1), Tick(1)]


def test_message_bus_reentrant_publish_is_handled_depth_first() -> None:
    bus = MessageBus()
    calls: list[str] = []

    def on_tick_first(e: Tick) -> None:
        calls.append(f"tick{e.n}:first:start")
        bus.publish(Echo(f"from{e.n}"))
        calls.append(f"tick{e.n}:first:end")

    bus.subscribe(Tick, on_tick_first)
    bus.subscribe(Tick, lambda e: calls.append(f"tick{e.n}:second"))
    bus.subscribe(Echo, lambda e: calls.append(f"echo:{e.text}"))
    bus.publish(Tick(1))
    assert calls == ["tick1:first:start", "echo:from1", "tick1:first:end", "tick1:second"]


def test_message_bus_reentrant_publish_of_same_type_nests() -> None:
    bus = MessageBus()
    calls: list[int] = []

    def handler(e: Tick) -> None:
        calls.append(e.n)
        if e.n < 3:
            bus.publish(Tick(e.n + 1))
        calls.append(-e.n)

    bus.subscribe(Tick, handler)
    bus.publish(Tick(1))
    assert calls == [1, 2, 3, -3, -2, -1]


def test_message_bus_handler_exception_propagates_to_publisher() -> None:
    bus = MessageBus()
    later: list[Tick] = []

    def boom(e: Tick) -> None:
        raise RuntimeError("handler failed")

    bus.subscribe(Tick, boom)
    bus.subscribe(Tick, later.append)
    with pytest.raises(RuntimeError, match="handler failed"):
        bus.publish(Tick(1))
    assert later == []


def test_message_bus_send_calls_registered_endpoint_handler() -> None:
    bus = MessageBus()
    seen: list[object] = []
    bus.register("risk.execute", seen.append)
    command = Echo("submit")
    bus.send("risk.execute", command)
    assert seen == [command]


def test_message_bus_endpoints_are_independent() -> None:
    bus = MessageBus()
    risk: list[object] = []
    execution: list[object] = []
    bus.register("risk.execute", risk.append)
    bus.register("execution.execute", execution.append)
    bus.send("execution.execute", Echo("a"))
    assert risk == []
    assert execution == [Echo("a")]


def test_message_bus_register_duplicate_endpoint_raises_value_error_keeps_first() -> None:
    bus = MessageBus()
    first: list[object] = []
    second: list[object] = []
    bus.register("risk.execute", first.append)
    with pytest.raises(ValueError, match=r"endpoint 'risk.execute' already has a handler"):
        bus.register("risk.execute", second.append)
    bus.send("risk.execute", Echo("x"))
    assert first == [Echo("x")]
    assert second == []


def test_message_bus_send_unknown_endpoint_raises_lookup_error() -> None:
    bus = MessageBus()
    bus.register("risk.execute", lambda c: None)
    with pytest.raises(LookupError, match=r"no handler registered for endpoint 'nowhere'") as info:
        bus.send("nowhere", Echo("x"))
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


def test_message_bus_send_does_not_publish_to_subscribers() -> None:
    bus = MessageBus()
    subscribed: list[object] = []
    bus.subscribe(Echo, subscribed.append)
    bus.register("e", lambda c: None)
    bus.send("e", Echo("x"))
    assert subscribed == []


def test_message_bus_handlers_is_the_live_list_in_subscription_order() -> None:
    bus = MessageBus()
    first: list[Tick] = []
    later: list[Tick] = []
    bus.subscribe(Tick, first.append)
    handlers = bus.handlers(Tick)
    bus.subscribe(Tick, later.append)  # subscribed after the list was taken: still in it
    assert handlers == [first.append, later.append]
    for handler in handlers:
        handler(Tick(1))
    assert (first, later) == ([Tick(1)], [Tick(1)])


def test_message_bus_handlers_of_an_unsubscribed_type_is_empty_and_publish_still_works() -> None:
    bus = MessageBus()
    assert bus.handlers(Echo) == []
    assert bus.has_subscribers(Echo) is False
    bus.publish(Echo("x"))  # no error
