"""The lifecycle of a bot: its states, the transitions allowed between them, the user commands.

A bot is born ``IDLE``. Starting it moves it to ``STARTING``; the runtime (issue 6) moves it
to ``MONITORING`` once it is reconciled and watching candles, and then round the trading
loop::

    MONITORING -> SIGNAL_DETECTED -> POSITION_OPEN -> POSITION_CLOSED -> MONITORING

``SIGNAL_DETECTED -> MONITORING`` is the signal that did not become a position (refused by
the risk engine, entry order not filled). Every *active* state (``STARTING`` and the loop)
may also be paused by the user, halted (a circuit breaker or the kill switch), fail
(``ERROR``) or be stopped. A ``PAUSED`` bot resumes through ``STARTING`` (it reconciles
again before trading). ``HALTED`` and ``ERROR`` need a person: they only lead to
``STOPPED``, from which the bot may be started again.

:func:`transition` is the one check of this table, used by the API's commands and by the
runtime alike; :func:`command_target` adds the rule of each user command (``start`` only
from ``IDLE`` or ``STOPPED``, ``resume`` only from ``PAUSED``...).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from xor_trading.core.errors import ConflictError

__all__ = [
    "ACTIVE_STATES",
    "ALLOWED_TRANSITIONS",
    "COMMAND_SOURCES",
    "COMMAND_TARGETS",
    "DELETABLE_STATES",
    "BotCommand",
    "BotState",
    "allowed_targets",
    "command_target",
    "transition",
]


class BotState(StrEnum):
    """Where a bot is in its lifecycle (stored as this value, at most 24 characters)."""

    IDLE = "idle"
    STARTING = "starting"
    MONITORING = "monitoring"
    SIGNAL_DETECTED = "signal_detected"
    POSITION_OPEN = "position_open"
    POSITION_CLOSED = "position_closed"
    PAUSED = "paused"
    HALTED = "halted"
    ERROR = "error"
    STOPPED = "stopped"


ACTIVE_STATES: frozenset[BotState] = frozenset(
    {
        BotState.STARTING,
        BotState.MONITORING,
        BotState.SIGNAL_DETECTED,
        BotState.POSITION_OPEN,
        BotState.POSITION_CLOSED,
    }
)
"""States in which the runtime is working: it reconciles, watches candles or holds a position."""

DELETABLE_STATES: frozenset[BotState] = frozenset({BotState.IDLE, BotState.STOPPED})
"""States in which nothing runs and nothing is owed: a bot may be deleted only in these.

A paused, halted or failed bot may still hold a position, so it must be stopped first."""

# Every active state may leave the loop this way.
_INTERRUPTIONS = frozenset({BotState.PAUSED, BotState.HALTED, BotState.ERROR, BotState.STOPPED})

ALLOWED_TRANSITIONS: Mapping[BotState, frozenset[BotState]] = {
    BotState.IDLE: frozenset({BotState.STARTING}),
    BotState.STARTING: frozenset({BotState.MONITORING}) | _INTERRUPTIONS,
    BotState.MONITORING: frozenset({BotState.SIGNAL_DETECTED}) | _INTERRUPTIONS,
    BotState.SIGNAL_DETECTED: frozenset({BotState.POSITION_OPEN, BotState.MONITORING})
    | _INTERRUPTIONS,
    BotState.POSITION_OPEN: frozenset({BotState.POSITION_CLOSED}) | _INTERRUPTIONS,
    BotState.POSITION_CLOSED: frozenset({BotState.MONITORING}) | _INTERRUPTIONS,
    # Paused: the runtime still watches open positions, so a breaker, the kill switch or a
    # failure can still reach it; resuming reconciles again (STARTING).
    BotState.PAUSED: frozenset(
        {BotState.STARTING, BotState.HALTED, BotState.ERROR, BotState.STOPPED}
    ),
    BotState.HALTED: frozenset({BotState.STOPPED}),
    BotState.ERROR: frozenset({BotState.STOPPED}),
    BotState.STOPPED: frozenset({BotState.STARTING}),
}
"""state -> the states it may move to; a pair not listed (a state to itself too) is refused."""


def allowed_targets(current: BotState) -> frozenset[BotState]:
    """The states ``current`` may move to."""
    return ALLOWED_TRANSITIONS[current]


def _names(states: frozenset[BotState]) -> str:
    ordered = [s.value for s in BotState if s in states]  # declaration order, stable
    return ", ".join(ordered) if ordered else "none"


def transition(current: BotState, target: BotState) -> BotState:
    """``target`` when the table allows ``current -> target``.

    Raises :class:`~xor_trading.core.errors.ConflictError` naming the current state and the
    states it may move to otherwise.
    """
    allowed = ALLOWED_TRANSITIONS[current]
    if target not in allowed:
        raise ConflictError(
            f"a bot in state {current.value} cannot move to {target.value}; "
            f"from {current.value} it may move to: {_names(allowed)}",
            "read the bot's state and send a command that state allows",
        )
    return target


class BotCommand(StrEnum):
    """What a user may ask of a bot's lifecycle through the API or the CLI."""

    START = "start"
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"


COMMAND_TARGETS: Mapping[BotCommand, BotState] = {
    BotCommand.START: BotState.STARTING,
    BotCommand.STOP: BotState.STOPPED,
    BotCommand.PAUSE: BotState.PAUSED,
    BotCommand.RESUME: BotState.STARTING,
}
"""The state each command moves a bot to."""

COMMAND_SOURCES: Mapping[BotCommand, frozenset[BotState]] = {
    BotCommand.START: frozenset({BotState.IDLE, BotState.STOPPED}),
    # Stop is the way out of every state except the two where nothing runs.
    BotCommand.STOP: frozenset(BotState) - DELETABLE_STATES,
    BotCommand.PAUSE: ACTIVE_STATES,
    BotCommand.RESUME: frozenset({BotState.PAUSED}),
}
"""The states each command may be given in (a subset of what the transition table allows:
``PAUSED -> STARTING`` is a resume, not a start)."""


def command_target(command: BotCommand, current: BotState) -> BotState:
    """The state ``command`` moves a bot in ``current`` to.

    Raises :class:`~xor_trading.core.errors.ConflictError` naming the current state and the
    states the command may be given in when it does not apply.
    """
    sources = COMMAND_SOURCES[command]
    if current not in sources:
        raise ConflictError(
            f"cannot {command.value} a bot that is {current.value}; "
            f"{command.value} applies to a bot that is: {_names(sources)}",
            "read the bot's state first (GET /api/v1/bots/{bot_id})",
        )
    return transition(current, COMMAND_TARGETS[command])
