"""Stream hubs: publish from any thread, receive in asyncio, bounded per subscriber."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from xor_trading.sharedstate.memory_stream_hub import MemoryStreamHub
from xor_trading.sharedstate.redis_stream_hub import RedisStreamHub
from xor_trading.sharedstate.stream_hub import (
    Event,
    SlowConsumerError,
    StreamHub,
    Subscription,
    SubscriptionClosedError,
)

TIMEOUT_S = 5.0

MakeHub = Callable[[], StreamHub]


@pytest.fixture(params=("memory", "redis"))
def make_hub(request: pytest.FixtureRequest) -> Iterator[MakeHub]:
    """Builds hubs of one implementation. Memory: one hub (one process). Redis: a new hub
    object per call on one prefix, as separate processes would have."""
    made: list[StreamHub] = []
    if request.param == "memory":
        shared = MemoryStreamHub()
        made.append(shared)

        def make() -> StreamHub:
            return shared

    else:
        prefix: str = request.getfixturevalue("redis_prefix")
        url: str = request.getfixturevalue("redis_url")

        def make() -> StreamHub:
            hub = RedisStreamHub(url, prefix=prefix)
            made.append(hub)
            return hub

    yield make
    for hub in made:
        hub.close()


async def next_event(subscription: Subscription) -> Event:
    return await asyncio.wait_for(anext(subscription), TIMEOUT_S)


async def wait_until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(TIMEOUT_S):
        while not condition():
            await asyncio.sleep(0.005)


def test_events_published_from_a_thread_reach_an_asyncio_subscriber(make_hub: MakeHub) -> None:
    publisher, receiver = make_hub(), make_hub()

    async def scenario() -> list[Event]:
        subscription = await receiver.subscribe(["bots.b1.status"])

        def publish() -> None:
            publisher.publish("bots.b2.status", {"state": "other bot"})
            for i in range(3):
                publisher.publish("bots.b1.status", {"seq": i, "state": "running"})

        thread = threading.Thread(target=publish)
        thread.start()
        received = [await next_event(subscription) for _ in range(3)]
        thread.join()
        await subscription.close()
        return received

    assert asyncio.run(scenario()) == [
        ("bots.b1.status", {"seq": 0, "state": "running"}),
        ("bots.b1.status", {"seq": 1, "state": "running"}),
        ("bots.b1.status", {"seq": 2, "state": "running"}),
    ]


def test_every_subscriber_of_a_channel_receives_each_event(make_hub: MakeHub) -> None:
    hub = make_hub()

    async def scenario() -> tuple[Event, Event, Event]:
        first = await hub.subscribe(["pnl.u1"])
        second = await hub.subscribe(["pnl.u1", "alerts.u1"])
        await asyncio.to_thread(hub.publish, "pnl.u1", {"realized": "1.50"})
        await asyncio.to_thread(hub.publish, "alerts.u1", {"level": "info"})
        events = (await next_event(first), await next_event(second), await next_event(second))
        await first.close()
        await second.close()
        return events

    assert asyncio.run(scenario()) == (
        ("pnl.u1", {"realized": "1.50"}),
        ("pnl.u1", {"realized": "1.50"}),
        ("alerts.u1", {"level": "info"}),
    )


def test_channels_can_be_added_and_removed(make_hub: MakeHub) -> None:
    hub = make_hub()

    async def scenario() -> tuple[frozenset[str], Event]:
        subscription = await hub.subscribe()
        await subscription.add(["a.one", "a.two"])
        await subscription.remove(["a.one", "never.subscribed"])
        channels = subscription.channels
        await asyncio.to_thread(hub.publish, "a.one", {"n": 1})
        await asyncio.to_thread(hub.publish, "a.two", {"n": 2})
        event = await next_event(subscription)
        await subscription.close()
        return channels, event

    channels, event = asyncio.run(scenario())
    assert channels == frozenset({"a.two"})
    assert event == ("a.two", {"n": 2})


def test_a_slow_consumer_is_dropped_instead_of_buffering_without_bound(
    make_hub: MakeHub,
) -> None:
    hub = make_hub()

    async def scenario() -> None:
        slow = await hub.subscribe(["candles.binance.BTC-USDT.1m"], max_pending=5)
        healthy = await hub.subscribe(["candles.binance.BTC-USDT.1m"], max_pending=100)

        def flood() -> None:
            for i in range(6):
                hub.publish("candles.binance.BTC-USDT.1m", {"i": i})

        await asyncio.to_thread(flood)
        # The healthy subscriber gets all six; the slow one held at most five, then was
        # dropped: its buffer is emptied and it gets the notice instead of the events.
        assert [(await next_event(healthy))[1]["i"] for _ in range(6)] == list(range(6))
        with pytest.raises(SlowConsumerError, match="more than 5 messages behind"):
            await next_event(slow)
        with pytest.raises(SlowConsumerError):  # it stays dropped
            await next_event(slow)
        if isinstance(hub, MemoryStreamHub):
            assert hub.subscriber_count("candles.binance.BTC-USDT.1m") == 1
        await slow.close()
        await healthy.close()

    asyncio.run(scenario())


def test_closing_ends_iteration_and_further_changes(make_hub: MakeHub) -> None:
    hub = make_hub()

    async def scenario() -> None:
        subscription = await hub.subscribe(["alerts.u1"])
        waiter = asyncio.create_task(anext(subscription))
        await asyncio.sleep(0.01)
        await subscription.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiter, TIMEOUT_S)
        await subscription.close()  # idempotent
        with pytest.raises(SubscriptionClosedError):
            await subscription.add(["alerts.u2"])
        hub.publish("alerts.u1", {"level": "info"})  # nobody listens: not an error

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "message",
    [{"amount": Decimal("1.5")}, {"price": float("nan")}, {"when": object()}],
    ids=["decimal", "nan", "object"],
)
def test_messages_that_are_not_json_are_refused(
    make_hub: MakeHub, message: dict[str, object]
) -> None:
    with pytest.raises(TypeError):
        make_hub().publish("alerts.u1", message)
