"""A running bot's lifecycle state, derived from its bus and reported to a sink.

The trading loop (``domain/bot_lifecycle.py``)::

    MONITORING -> SIGNAL_DETECTED -> POSITION_OPEN -> POSITION_CLOSED -> MONITORING

* ``SIGNAL_DETECTED``: an entry order (one that opens or adds to a position) was accepted
  by the risk engine: the execution engine published it as ``initialized``.
* ``POSITION_OPEN``: a fill left a position open (any symbol of the bot).
* ``POSITION_CLOSED`` then ``MONITORING``: every position of the bot is flat again.
* ``SIGNAL_DETECTED -> MONITORING``: every entry order ended without a fill (denied by the
  intent journal, rejected, canceled, expired) and no position is open.
* ``ERROR``: a strategy raised (its runner stopped it) or the runtime failed.
* ``HALTED``: a breaker that needs a person (``until_ms`` None: the drawdown halt) or a
  kill switch engaged on the kernel. Time-limited breakers (daily loss, cooldown) only
  block entries; the risk engine does that, the state does not change.

Every move is checked against the transition table and reported to the
:class:`LifecycleSink` (the worker persists it with its reason). A move the table does not
allow in one step goes through the loop (``POSITION_OPEN -> POSITION_CLOSED ->
MONITORING``). While ``PAUSED`` nothing in the loop is reported (the bot's recorded state
is ``paused``); resuming goes through ``STARTING`` and :meth:`LifecycleTracker.settle`.

A sink that fails (the database is down, a user moved the bot meanwhile) is logged and
never raised into the engine that published the event: the supervisor, which reads the
recorded state, corrects the runtime.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Protocol

from xor_trading.core.ids import OrderId
from xor_trading.domain.bot_lifecycle import ALLOWED_TRANSITIONS, BotState
from xor_trading.domain.events import OrderStatusChanged, PositionChanged
from xor_trading.domain.orders import OrderStatus
from xor_trading.risk.events import BreakerTripped, KillSwitchEngaged
from xor_trading.runtime.command_guard import is_entry_order
from xor_trading.runtime.kernel import TradingKernel
from xor_trading.runtime.strategy_runner import StrategyStopped

logger = logging.getLogger("xor.runtime")

LOOP_STATES = frozenset(
    {
        BotState.MONITORING,
        BotState.SIGNAL_DETECTED,
        BotState.POSITION_OPEN,
        BotState.POSITION_CLOSED,
    }
)
_ENDED = frozenset(
    {OrderStatus.DENIED, OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED}
)


class LifecycleSink(Protocol):
    """Where a bot's lifecycle moves go (the worker: ``record_runtime_transition``)."""

    def transition(self, target: BotState, reason: str) -> None: ...


def loop_path(current: BotState, target: BotState) -> list[BotState]:
    """The shortest chain of allowed moves from ``current`` to ``target`` inside the loop
    (``target`` itself last); empty when already there or when there is none."""
    if current == target:
        return []
    seen = {current}
    queue: deque[tuple[BotState, list[BotState]]] = deque([(current, [])])
    while queue:
        state, path = queue.popleft()
        for nxt in sorted(ALLOWED_TRANSITIONS[state] & (LOOP_STATES | {target})):
            if nxt in seen:
                continue
            if nxt == target:
                return [*path, nxt]
            seen.add(nxt)
            queue.append((nxt, [*path, nxt]))
    return []


class LifecycleTracker:
    """Derives and reports one bot's state (see the module)."""

    def __init__(self, kernel: TradingKernel, sink: LifecycleSink, state: BotState) -> None:
        self._kernel = kernel
        self._sink = sink
        self.state = state
        self.history: list[tuple[BotState, str]] = []  # every move reported, in order
        self._entries: set[OrderId] = set()  # entry orders working (not ended, not filled)
        bus = kernel.bus
        bus.subscribe(OrderStatusChanged, self._on_status)
        bus.subscribe(PositionChanged, self._on_position)
        bus.subscribe(StrategyStopped, self._on_strategy_stopped)
        bus.subscribe(BreakerTripped, self._on_breaker)
        bus.subscribe(KillSwitchEngaged, self._on_kill_switch)

    # -- moves --------------------------------------------------------------------------

    def move(self, target: BotState, reason: str) -> None:
        """Move to ``target`` now (one allowed step) and report it."""
        if target == self.state or target not in ALLOWED_TRANSITIONS[self.state]:
            return
        self.state = target
        self.history.append((target, reason))
        try:
            self._sink.transition(target, reason)
        except Exception:  # never into the engine: the supervisor corrects the runtime
            logger.exception("could not record the move of a bot to %s", target.value)

    def walk(self, target: BotState, reason: str) -> None:
        """Move to ``target`` through the loop, each step reported with ``reason``."""
        if self.state not in LOOP_STATES:
            return
        for step in loop_path(self.state, target):
            self.move(step, reason)

    def derived(self) -> BotState:
        """The loop state the bot's positions and working entry orders call for."""
        if any(p.quantity != 0 for p in self._kernel.portfolio.positions.values()):
            return BotState.POSITION_OPEN
        return BotState.SIGNAL_DETECTED if self._entries else BotState.MONITORING

    def settle(self, reason: str) -> None:
        """Leave ``STARTING`` (reconciled and warmed up) for the loop state that applies."""
        if self.state is BotState.STARTING:
            self.move(BotState.MONITORING, reason)
        target = self.derived()
        if target is BotState.POSITION_OPEN:
            self.walk(target, "resumed with an open position")
        elif target is BotState.SIGNAL_DETECTED:
            self.walk(target, "resumed with a working entry order")

    # -- events -------------------------------------------------------------------------

    def _on_status(self, event: OrderStatusChanged) -> None:
        if event.status is OrderStatus.INITIALIZED:
            order = self._kernel.execution.cache.get(event.order_id)
            if order is None or not is_entry_order(order, self._kernel):
                return
            self._entries.add(order.order_id)
            if self.state is BotState.MONITORING:
                self.move(
                    BotState.SIGNAL_DETECTED,
                    f"entry order {order.order_id} accepted by risk: {order.side.value} "
                    f"{order.quantity} {order.symbol}",
                )
            return
        if event.order_id not in self._entries:
            return
        if event.status is OrderStatus.FILLED:
            self._entries.discard(event.order_id)
        elif event.status in _ENDED:
            self._entries.discard(event.order_id)
            if self.state is BotState.SIGNAL_DETECTED and self.derived() is BotState.MONITORING:
                why = f": {event.reason}" if event.reason else ""
                self.move(
                    BotState.MONITORING,
                    f"entry order {event.order_id} {event.status.value} without a fill{why}",
                )

    def _on_position(self, event: PositionChanged) -> None:
        if self.state not in LOOP_STATES:
            return
        if event.quantity != 0:
            self.walk(
                BotState.POSITION_OPEN,
                f"position open: {event.quantity} {event.symbol} at {event.avg_entry}",
            )
        elif self.state is BotState.POSITION_OPEN and self.derived() is not BotState.POSITION_OPEN:
            self.move(
                BotState.POSITION_CLOSED,
                f"position closed: {event.symbol}, realised {event.realized_pnl_delta}",
            )
            self.move(BotState.MONITORING, "watching for the next signal")
            if self._entries:
                self.move(BotState.SIGNAL_DETECTED, "an entry order is still working")

    def _on_strategy_stopped(self, event: StrategyStopped) -> None:
        self.move(BotState.ERROR, event.reason[:255])

    def _on_breaker(self, event: BreakerTripped) -> None:
        if event.until_ms is None:  # needs a person to re-arm it
            self.move(BotState.HALTED, event.reason[:255])

    def _on_kill_switch(self, event: KillSwitchEngaged) -> None:
        self.move(BotState.HALTED, (event.reason or "kill switch engaged")[:255])
