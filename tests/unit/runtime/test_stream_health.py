"""What a live bot's session publishes about its private stream: reconnecting until the
stream is connected and the resync after the last drop passed, stalled when the latest
drop was a stall, orders held exactly while a resync is pending, each change once, the
outage's start carried to the change that ends it, and one end."""

from __future__ import annotations

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.exchanges.ccxt_client.live_port import PrivateStreamStatus
from xor_trading.runtime.stream_health import (
    PrivateStreamChanged,
    PrivateStreamEnded,
    PrivateStreamState,
    StreamHealth,
)

T0 = 1_800_000_000_000
CONNECTED = PrivateStreamState.CONNECTED
RECONNECTING = PrivateStreamState.RECONNECTING
STALLED = PrivateStreamState.STALLED


def status(connected: bool, drops: int = 0, stalls: int = 0) -> PrivateStreamStatus:
    return PrivateStreamStatus(connected=connected, drops=drops, stalls=stalls, events=0)


class Rig:
    def __init__(self) -> None:
        self.clock = TestClock(T0)
        bus = MessageBus()
        self.published: list[object] = []
        bus.subscribe(PrivateStreamChanged, self.published.append)
        bus.subscribe(PrivateStreamEnded, self.published.append)
        self.health = StreamHealth(bus, self.clock)

    def at(self, ms: int, port: PrivateStreamStatus, *, resync_pending: bool = False) -> None:
        self.clock.set_time(T0 + ms)
        self.health.observe(port, resync_pending=resync_pending)


def test_a_drop_reconnect_and_resync_are_reported_with_the_orders_held_while_resyncing() -> None:
    rig = Rig()
    rig.at(0, status(False))  # the session started; the stream is not connected yet
    rig.at(300, status(True))
    rig.at(1_000, status(False, drops=1), resync_pending=True)  # the port's drop signal
    rig.at(1_400, status(False, drops=1))  # the REST resync passed; still down
    rig.at(3_000, status(True, drops=1), resync_pending=True)  # reconnected: resync again
    rig.at(3_500, status(True, drops=1))  # resynced

    assert rig.published == [
        PrivateStreamChanged(RECONNECTING, False, 0, 0, T0, T0),
        PrivateStreamChanged(CONNECTED, False, 0, 0, T0 + 300, T0),
        PrivateStreamChanged(RECONNECTING, True, 1, 0, T0 + 1_000, T0 + 1_000),
        PrivateStreamChanged(RECONNECTING, False, 1, 0, T0 + 1_400, T0 + 1_000),
        PrivateStreamChanged(RECONNECTING, True, 1, 0, T0 + 3_000, T0 + 1_000),
        PrivateStreamChanged(CONNECTED, False, 1, 0, T0 + 3_500, T0 + 1_000),
    ]


def test_a_stall_is_reported_as_stalled_until_resynced_and_a_later_drop_as_reconnecting() -> None:
    rig = Rig()
    rig.at(0, status(True))
    rig.at(10_000, status(False, drops=1, stalls=1), resync_pending=True)
    rig.at(12_000, status(True, drops=1, stalls=1), resync_pending=True)
    rig.at(12_500, status(True, drops=1, stalls=1))
    rig.at(20_000, status(False, drops=2, stalls=1), resync_pending=True)

    changes = [c for c in rig.published if isinstance(c, PrivateStreamChanged)]
    # Reconnected at 12 s but resyncing: still the stall's outage, nothing new to publish.
    assert [(c.state, c.orders_held, c.at_ms, c.down_since_ms) for c in changes] == [
        (CONNECTED, False, T0, None),
        (STALLED, True, T0 + 10_000, T0 + 10_000),
        (CONNECTED, False, T0 + 12_500, T0 + 10_000),
        (RECONNECTING, True, T0 + 20_000, T0 + 20_000),
    ]


def test_an_unchanged_stream_is_published_once() -> None:
    rig = Rig()
    for ms in range(0, 5_000, 1_000):  # the watch wakes every second
        rig.at(ms, status(True))

    assert rig.published == [PrivateStreamChanged(CONNECTED, False, 0, 0, T0, None)]


def test_the_end_is_published_once_and_nothing_after_it() -> None:
    rig = Rig()
    rig.at(0, status(True))

    rig.clock.set_time(T0 + 5_000)
    rig.health.end()
    rig.health.end()
    rig.at(6_000, status(False, drops=1), resync_pending=True)

    assert rig.published == [
        PrivateStreamChanged(CONNECTED, False, 0, 0, T0, None),
        PrivateStreamEnded(T0 + 5_000),
    ]
