"""When a live bot's owner is told that its private stream dropped, stalled or recovered.

:class:`StreamAlertRule` takes one bot's
:class:`~xor_trading.runtime.stream_health.PrivateStreamChanged` events and decides, without
I/O and without reading a clock (times come from the events and the caller), which
:class:`StreamAlert` to send. The rule, per bot:

* **Down.** An outage that includes a drop or a stall (the port's ``drops`` grew since the
  stream was last connected: the stream not being connected *yet* at start is no drop)
  gives one ``warning`` naming the bot, the exchange, whether the stream dropped or
  stalled, and that new orders are held until the bot has resynced with the exchange.
* **At most one down warning per bot per** :data:`DROP_ALERT_WINDOW_MS` **(5 minutes).**
  An outage that begins sooner after the last warning is not announced at once. If it is
  still going on when the window closes, it is announced then (:meth:`StreamAlertRule.due`,
  the caller's timer), so a stream that flaps and then stays down is never silent; an
  outage that ended before the window closed is never announced.
* **Recovered.** When the stream is connected again *and* the resync after it passed
  (state ``connected``), an ``info`` alert saying so and how long the stream was down, only
  for an outage whose warning was sent: every recovery message pairs with a warning.
* A run that ends (:meth:`StreamAlertRule.run_ended`) forgets its outage without a
  recovery message (the bot stopped) and keeps the window, so a bot restarted in the
  same process does not warn twice within it.

Flapping every 30 s therefore gives one warning and one recovery message per 5 minutes.
The window is per bot and per process: a bot taken over by another worker starts a new
one there.
"""

from __future__ import annotations

from dataclasses import dataclass

from xor_trading.runtime.stream_health import PrivateStreamChanged, PrivateStreamState
from xor_trading.services.stream_events import AlertLevel

__all__ = ["DROP_ALERT_WINDOW_MS", "StreamAlert", "StreamAlertRule", "duration_text"]

DROP_ALERT_WINDOW_MS = 5 * 60_000


@dataclass(frozen=True, slots=True)
class StreamAlert:
    """One alert to deliver: its level and its sentence for the owner."""

    level: AlertLevel
    message: str


@dataclass(slots=True)
class _Outage:
    since_ms: int
    dropped: bool = False  # a drop or stall happened in it (not just "not connected yet")
    stalled: bool = False  # its latest cause is a stall
    announced: bool = False  # its warning was sent


def duration_text(ms: int) -> str:
    """``ms`` for a person: ``"42 s"``, ``"3 min 5 s"``, ``"2 h 10 min"`` (rounded to the
    second; ``"0 s"`` for less than half a second)."""
    seconds = max(0, (ms + 500) // 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class StreamAlertRule:
    """The alert decisions of one live bot (see the module)."""

    def __init__(
        self, bot_name: str, exchange: str, *, window_ms: int = DROP_ALERT_WINDOW_MS
    ) -> None:
        self.bot_name = bot_name  # the worker renews it at each run (a bot can be renamed)
        self.exchange = exchange
        self.window_ms = window_ms
        self._connected_drops = 0  # the port's drop count when last connected
        self._outage: _Outage | None = None
        self.last_warning_ms: int | None = None

    def on_change(self, change: PrivateStreamChanged) -> StreamAlert | None:
        """The alert ``change`` calls for now, if any."""
        if change.state is PrivateStreamState.CONNECTED:
            outage, self._outage = self._outage, None
            self._connected_drops = change.drops
            if outage is None or not outage.announced:
                return None
            return StreamAlert(
                "info",
                f"{self._who()}: the private stream of orders and fills is back and the bot has "
                f"resynced with the exchange after {duration_text(change.at_ms - outage.since_ms)}"
                " down; new orders are accepted again.",
            )
        if self._outage is None:
            since = change.at_ms if change.down_since_ms is None else change.down_since_ms
            self._outage = _Outage(since)
        outage = self._outage
        if change.drops <= self._connected_drops:
            return None  # not connected yet since the run started: nothing dropped
        outage.dropped = True
        outage.stalled = change.state is PrivateStreamState.STALLED
        if outage.announced or not self._window_open(change.at_ms):
            return None
        return self._announce(outage, change.at_ms, late=False)

    def next_due_ms(self) -> int | None:
        """When :meth:`due` will have a warning to give (an outage not announced because of
        the window, still going on); ``None`` when there is none to wait for."""
        outage = self._outage
        if outage is None or not outage.dropped or outage.announced:
            return None
        return None if self.last_warning_ms is None else self.last_warning_ms + self.window_ms

    def due(self, now_ms: int) -> StreamAlert | None:
        """The warning of an outage that outlasted the window, if it is due at ``now_ms``."""
        due = self.next_due_ms()
        if due is None or now_ms < due or self._outage is None:
            return None
        return self._announce(self._outage, now_ms, late=True)

    def run_ended(self) -> None:
        """The bot's run ended: no outage goes on, counts restart at zero (new port)."""
        self._outage = None
        self._connected_drops = 0

    def _who(self) -> str:
        return f'Live bot "{self.bot_name}" on {self.exchange}'

    def _window_open(self, now_ms: int) -> bool:
        last = self.last_warning_ms
        return last is None or now_ms - last >= self.window_ms

    def _announce(self, outage: _Outage, now_ms: int, *, late: bool) -> StreamAlert:
        outage.announced = True
        self.last_warning_ms = now_ms
        what = (
            "stalled (connected, but it stopped delivering the exchange's events)"
            if outage.stalled
            else "dropped"
        )
        if late:
            return StreamAlert(
                "warning",
                f"{self._who()}: the private stream of orders and fills {what} again and has "
                f"been down for {duration_text(now_ms - outage.since_ms)}; the bot keeps "
                "reconnecting, and new orders are held whenever it resyncs with the exchange.",
            )
        return StreamAlert(
            "warning",
            f"{self._who()}: the private stream of orders and fills {what}; the bot is "
            "reconnecting, and new orders are held until it has resynced with the exchange.",
        )
