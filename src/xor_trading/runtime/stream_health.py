"""A live bot's private stream as its owner should see it, published on the bot's bus.

:class:`StreamHealth` is fed by the bot's :class:`~xor_trading.runtime.live_session.LiveSession`
with the port's :class:`~xor_trading.exchanges.ccxt_client.live_port.PrivateStreamStatus` and
whether a resync is pending, each time the port signals a drop or a reconnection and at
every wake of the session's watch. It publishes :class:`PrivateStreamChanged` on the bot's
bus when what it reports changes, and :class:`PrivateStreamEnded` once the session closes.
Services listen (the owner's alerts, the status the API shows); the runtime imports no
service.

States (:class:`PrivateStreamState`):

* ``reconnecting``: the stream is down (it dropped, or it has not connected yet since the
  session started), or it is back but the resync that follows has not passed yet.
* ``stalled``: the same, for an outage whose latest cause is a stall found by evidence (the
  stream was connected and answered pings but did not deliver: ADR 0021).
* ``connected``: connected, and resynced since the last drop.

``orders_held``: a resync is pending, so the command guard refuses new orders (rule
``reconciling``). It can be false while ``reconnecting``: the resync after a drop reads
REST and may pass before the stream is back; orders then flow again and REST polling
books their fills until the stream returns (and the resync after the reconnection holds
them again, briefly).

Times are epoch milliseconds of the bot's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.exchanges.ccxt_client.live_port import PrivateStreamStatus

__all__ = ["PrivateStreamChanged", "PrivateStreamEnded", "PrivateStreamState", "StreamHealth"]


class PrivateStreamState(StrEnum):
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STALLED = "stalled"


@dataclass(frozen=True, slots=True)
class PrivateStreamChanged:
    """What the bot's private stream looks like since ``at_ms``.

    ``drops`` and ``stalls`` count the outages of this session (a stall is also a drop).
    ``down_since_ms``: when the current outage began; on the change to ``connected``, when
    the outage that just ended began (its length is ``at_ms - down_since_ms``); ``None`` on
    a change to ``connected`` that ends no outage.
    """

    state: PrivateStreamState
    orders_held: bool
    drops: int
    stalls: int
    at_ms: int
    down_since_ms: int | None


@dataclass(frozen=True, slots=True)
class PrivateStreamEnded:
    """The session closed at ``at_ms``: nothing more will be reported for this run."""

    at_ms: int


class StreamHealth:
    """Derives and publishes one session's private stream state (see the module)."""

    def __init__(self, bus: MessageBus, clock: Clock) -> None:
        self._bus = bus
        self._clock = clock
        self._drops = 0
        self._stalls = 0
        self._cause = PrivateStreamState.RECONNECTING  # of the current outage
        self._down_since_ms: int | None = None
        self._reported: tuple[PrivateStreamState, bool, int, int] | None = None
        self._ended = False

    def observe(self, status: PrivateStreamStatus, *, resync_pending: bool) -> None:
        """Take the port's status now; publish a change if what is reported changed."""
        if self._ended:
            return
        now = self._clock.now_ms()
        if status.stalls > self._stalls:
            self._cause = PrivateStreamState.STALLED
        elif status.drops > self._drops:
            self._cause = PrivateStreamState.RECONNECTING
        self._drops, self._stalls = status.drops, status.stalls
        down = resync_pending or not status.connected
        if down and self._down_since_ms is None:
            self._down_since_ms = now
        state = self._cause if down else PrivateStreamState.CONNECTED
        reported = (state, resync_pending, status.drops, status.stalls)
        if reported != self._reported:
            self._reported = reported
            self._bus.publish(
                PrivateStreamChanged(
                    state, resync_pending, status.drops, status.stalls, now, self._down_since_ms
                )
            )
        if not down:
            self._down_since_ms = None
            self._cause = PrivateStreamState.RECONNECTING

    def end(self) -> None:
        """The session is closing: publish :class:`PrivateStreamEnded` once."""
        if self._ended:
            return
        self._ended = True
        self._bus.publish(PrivateStreamEnded(self._clock.now_ms()))
