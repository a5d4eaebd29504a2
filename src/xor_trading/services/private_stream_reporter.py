"""A live bot's private stream, reported: the status the API shows and the owner's alerts.

:class:`PrivateStreamReporter` listens to one live bot's bus for
:class:`~xor_trading.runtime.stream_health.PrivateStreamChanged` and
:class:`~xor_trading.runtime.stream_health.PrivateStreamEnded` (published by the bot's live
session) and:

* records each change in ``bot_stream_status`` under the run's fencing token, and deletes
  the record when the run ends (ADR 0023: how the API, maybe another process, learns it);
* applies the bot's :class:`~xor_trading.services.stream_alert_rule.StreamAlertRule` and
  delivers its alerts to the owner (:meth:`AlertDeliveryService.deliver`, event
  ``exchange_stream``: the owner's subscribed channels and the ``alerts.<owner>`` stream),
  and arms a timer on the event loop for a warning the rule's 5-minute window deferred.

Like the ``halted``/``error`` alerts of the worker, the I/O (database writes; deliveries do
network calls with 5 s timeouts) never runs on the event loop: it goes to ``io``, one
thread per worker, so records and alerts keep the order of the events. Nothing is ever
raised into the bot: a failure is logged and the bot trades on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.persistence.repositories import bot_stream_status as status_repo
from xor_trading.runtime.stream_health import PrivateStreamChanged, PrivateStreamEnded
from xor_trading.services.alert_delivery import AlertDeliveryService, AlertEvent
from xor_trading.services.audit import datetime_of_ms
from xor_trading.services.container import Container
from xor_trading.services.stream_alert_rule import StreamAlert, StreamAlertRule

__all__ = ["PrivateStreamReporter"]

logger = logging.getLogger("xor.worker")


class PrivateStreamReporter:
    """Records and alerts one live bot run's private stream (see the module)."""

    def __init__(
        self,
        container: Container,
        *,
        owner_id: str,
        bot_id: str,
        fencing_token: int,
        rule: StreamAlertRule,
        clock: Clock,
        io: Executor | None = None,
    ) -> None:
        """``clock``: the bot's (the events' times); ``io``: where the I/O runs (``None``:
        at once, in the caller's thread)."""
        self._container = container
        self.owner_id = owner_id
        self.bot_id = bot_id
        self._token = fencing_token
        self.rule = rule
        self._clock = clock
        self._io = io
        self._timer: asyncio.TimerHandle | None = None

    def attach(self, bus: MessageBus) -> None:
        bus.subscribe(PrivateStreamChanged, self._on_change)
        bus.subscribe(PrivateStreamEnded, self._on_end)

    # -- bus handlers (on the event loop; never raise) -------------------------------------

    def _on_change(self, change: PrivateStreamChanged) -> None:
        try:
            record = status_repo.StreamStatusRecord(
                change.state.value, change.orders_held, change.drops, change.stalls, change.at_ms
            )
            self._later("record the private stream status", lambda: self._save(record))
            alert = self.rule.on_change(change)
            if alert is not None:
                self._send(alert)
            self._arm_timer()
        except Exception:
            logger.exception("bot %s: could not report its private stream", self.bot_id)

    def _on_end(self, ended: PrivateStreamEnded) -> None:
        del ended
        try:
            self.rule.run_ended()
            self._disarm_timer()
            self._later("forget the private stream status", self._forget)
        except Exception:
            logger.exception("bot %s: could not end its private stream report", self.bot_id)

    def _on_timer(self) -> None:
        self._timer = None
        try:
            alert = self.rule.due(self._clock.now_ms())
            if alert is not None:
                self._send(alert)
            self._arm_timer()  # not due yet (a clock that moved less than the loop's)
        except Exception:
            logger.exception("bot %s: could not check its private stream alert", self.bot_id)

    def _arm_timer(self) -> None:
        self._disarm_timer()
        due_ms = self.rule.next_due_ms()
        if due_ms is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop, no timer: the next change checks the window again
        delay_s = max(due_ms - self._clock.now_ms(), 0) / 1000
        self._timer = loop.call_later(delay_s, self._on_timer)

    def _disarm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- I/O (on the io thread) -----------------------------------------------------------

    def _send(self, alert: StreamAlert) -> None:
        def deliver() -> None:
            AlertDeliveryService(self._container).deliver(
                self.owner_id, AlertEvent.EXCHANGE_STREAM, alert.message, level=alert.level
            )

        self._later("deliver a private stream alert", deliver)

    def _save(self, record: status_repo.StreamStatusRecord) -> None:
        now = datetime_of_ms(self._container.clock.now_ms())
        with self._container.database.session() as session:
            status_repo.save_stream_status(session, self.bot_id, self._token, record, now)

    def _forget(self) -> None:
        with self._container.database.session() as session:
            status_repo.delete_stream_status(session, self.bot_id, self._token)

    def _later(self, what: str, work: Callable[[], None]) -> None:
        def safely() -> None:
            try:
                work()
            except Exception:
                logger.exception("bot %s: could not %s", self.bot_id, what)

        if self._io is None:
            safely()
        else:
            self._io.submit(safely)
