"""Evidence that the private stream stalled: venue facts REST learned that it never said.

Binance's user data stream sends nothing while nothing happens, so its silence proves
nothing: a stream that stays connected and answers pings but delivers no event cannot be
told from a quiet account by timing. Evidence can tell them apart. Every fact the venue
puts on the stream is also visible through REST: a trade, that an order exists, that it
was canceled or expired. When the port's REST path (create replies, in-flight polling,
cancel replies) learns such a fact *first* and the stream has not delivered it within
``grace_s``, the stream is **stalled**, and the port treats it as a drop.

Rules of :class:`StreamEvidence` (pure: times are passed in, nothing is read):

* A fact is evidence only while a connection is up, and only when it happened on the
  venue (its venue timestamp, ms) at least ``connect_margin_ms`` after that connection
  opened (:meth:`StreamEvidence.connected`, venue ms): an event from before the
  connection, or before its subscription took effect, is never streamed, by design.
* Only the kinds the running streams carry count (``watch_my_trades`` alone carries
  trades; ``watch_orders`` carries every order event): see :meth:`expect`.
* A fact the stream already delivered is not evidence, whichever came first: the stream
  side is remembered (the newest :data:`STREAM_MEMORY` facts).
* :meth:`overdue` lists the facts seen by REST at least ``grace_s`` ago (the caller's
  monotonic seconds) and never by the stream; a drop (:meth:`disconnected`) forgets every
  pending fact: after a reconnect the runtime resyncs through REST anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["STREAM_MEMORY", "FactKind", "StreamEvidence", "StreamFact"]

STREAM_MEMORY = 4096  # facts the stream delivered, kept to match a later REST answer


class FactKind(StrEnum):
    TRADE = "trade"  # key: the venue trade id
    ORDER = "order"  # key: the client order id; any stream event of that order says it
    END = "end"  # key: the client order id; the order was canceled or expired


@dataclass(frozen=True, slots=True)
class StreamFact:
    """One venue fact the private stream must carry."""

    kind: FactKind
    key: str

    def __str__(self) -> str:
        return f"{self.kind.value} {self.key}"


class StreamEvidence:
    """What REST learned and the private stream has not said (see the module)."""

    def __init__(self, grace_s: float, connect_margin_ms: int) -> None:
        if grace_s <= 0:
            raise ValueError(f"grace_s must be positive, got {grace_s}")
        if connect_margin_ms < 0:
            raise ValueError(f"connect_margin_ms must be >= 0, got {connect_margin_ms}")
        self.grace_s = grace_s
        self.connect_margin_ms = connect_margin_ms
        self._kinds: frozenset[FactKind] = frozenset()
        self._connected_at_ms: int | None = None
        self._pending: dict[StreamFact, float] = {}  # fact -> when REST saw it (monotonic s)
        self._streamed: dict[StreamFact, None] = {}  # insertion-ordered, at most STREAM_MEMORY

    def expect(self, kinds: frozenset[FactKind]) -> None:
        """The kinds of fact the running streams deliver (none: nothing is evidence)."""
        self._kinds = kinds

    @property
    def connected_at_ms(self) -> int | None:
        """Venue time the current connection opened; ``None`` while there is none."""
        return self._connected_at_ms

    def connected(self, venue_now_ms: int) -> None:
        """A connection is up since ``venue_now_ms`` (kept if one is already up)."""
        if self._connected_at_ms is None:
            self._connected_at_ms = venue_now_ms

    def disconnected(self) -> None:
        """The connection is gone: no expectation until the next one; pending forgotten."""
        self._connected_at_ms = None
        self._pending.clear()

    def seen_by_stream(self, fact: StreamFact) -> None:
        self._pending.pop(fact, None)
        self._streamed.pop(fact, None)
        self._streamed[fact] = None
        if len(self._streamed) > STREAM_MEMORY:
            del self._streamed[next(iter(self._streamed))]

    def seen_by_rest(self, fact: StreamFact, venue_ts_ms: int, now_s: float) -> bool:
        """REST learned ``fact`` (which happened at ``venue_ts_ms``) at ``now_s``; whether it
        is now pending evidence."""
        since = self._connected_at_ms
        if (
            since is None
            or fact.kind not in self._kinds
            or venue_ts_ms < since + self.connect_margin_ms
            or fact in self._streamed
            or fact in self._pending
        ):
            return False
        self._pending[fact] = now_s
        return True

    @property
    def pending(self) -> dict[StreamFact, float]:
        """Facts seen by REST only, with when (a copy)."""
        return dict(self._pending)

    def next_deadline_s(self) -> float | None:
        """When the oldest pending fact becomes overdue (monotonic s), or ``None``."""
        if not self._pending:
            return None
        return min(self._pending.values()) + self.grace_s

    def overdue(self, now_s: float) -> list[StreamFact]:
        """Facts REST saw at least ``grace_s`` before ``now_s`` that the stream never
        delivered, oldest first; non-empty means the stream stalled."""
        return [
            fact
            for fact, seen in sorted(self._pending.items(), key=lambda item: item[1])
            if now_s - seen >= self.grace_s
        ]
