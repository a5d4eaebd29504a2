"""The bot lifecycle (domain/bot_lifecycle.py): every pair of states is allowed or refused
exactly as written below, and the user commands apply only in their states.

The expected table is written out here independently of the module's, so a change to the
module's table fails these tests until the specification here changes too.
"""

from __future__ import annotations

import itertools

import pytest

from xor_trading.core.errors import ConflictError
from xor_trading.domain.bot_lifecycle import (
    ACTIVE_STATES,
    DELETABLE_STATES,
    BotCommand,
    BotState,
    allowed_targets,
    command_target,
    transition,
)

S = BotState
INTERRUPT = {S.PAUSED, S.HALTED, S.ERROR, S.STOPPED}
EXPECTED: dict[BotState, set[BotState]] = {
    S.IDLE: {S.STARTING},
    S.STARTING: {S.MONITORING} | INTERRUPT,
    S.MONITORING: {S.SIGNAL_DETECTED} | INTERRUPT,
    S.SIGNAL_DETECTED: {S.POSITION_OPEN, S.MONITORING} | INTERRUPT,
    S.POSITION_OPEN: {S.POSITION_CLOSED} | INTERRUPT,
    S.POSITION_CLOSED: {S.MONITORING} | INTERRUPT,
    S.PAUSED: {S.STARTING, S.HALTED, S.ERROR, S.STOPPED},
    S.HALTED: {S.STOPPED},
    S.ERROR: {S.STOPPED},
    S.STOPPED: {S.STARTING},
}
ALL_PAIRS = list(itertools.product(BotState, BotState))
ALLOWED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in EXPECTED[a]]
REFUSED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b not in EXPECTED[a]]


def test_the_specification_covers_every_state() -> None:
    assert set(EXPECTED) == set(BotState)
    assert len(ALLOWED_PAIRS) == 34
    assert len(REFUSED_PAIRS) == 66


def test_state_values_fit_the_column_and_are_stable() -> None:
    assert [s.value for s in BotState] == [
        "idle",
        "starting",
        "monitoring",
        "signal_detected",
        "position_open",
        "position_closed",
        "paused",
        "halted",
        "error",
        "stopped",
    ]
    assert max(len(s.value) for s in BotState) <= 24


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS, ids=lambda s: s.value)
def test_allowed_transition_returns_the_target(current: BotState, target: BotState) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), REFUSED_PAIRS, ids=lambda s: s.value)
def test_refused_transition_names_the_state_and_the_allowed_targets(
    current: BotState, target: BotState
) -> None:
    with pytest.raises(ConflictError) as info:
        transition(current, target)
    allowed = ", ".join(s.value for s in BotState if s in EXPECTED[current])
    assert info.value.message == (
        f"a bot in state {current.value} cannot move to {target.value}; "
        f"from {current.value} it may move to: {allowed}"
    )
    assert info.value.code == "conflict"
    assert info.value.hint


def test_allowed_targets_is_the_table() -> None:
    assert {s: set(allowed_targets(s)) for s in BotState} == EXPECTED


def test_active_and_deletable_states() -> None:
    assert {
        S.STARTING,
        S.MONITORING,
        S.SIGNAL_DETECTED,
        S.POSITION_OPEN,
        S.POSITION_CLOSED,
    } == ACTIVE_STATES
    assert {S.IDLE, S.STOPPED} == DELETABLE_STATES


# Command -> {state it applies in: resulting state}; every other state is refused.
COMMANDS: dict[BotCommand, dict[BotState, BotState]] = {
    BotCommand.START: {S.IDLE: S.STARTING, S.STOPPED: S.STARTING},
    BotCommand.STOP: {s: S.STOPPED for s in BotState if s not in (S.IDLE, S.STOPPED)},
    BotCommand.PAUSE: dict.fromkeys(
        (S.STARTING, S.MONITORING, S.SIGNAL_DETECTED, S.POSITION_OPEN, S.POSITION_CLOSED), S.PAUSED
    ),
    BotCommand.RESUME: {S.PAUSED: S.STARTING},
}
COMMAND_CASES = list(itertools.product(BotCommand, BotState))


@pytest.mark.parametrize(("command", "current"), COMMAND_CASES, ids=lambda x: x.value)
def test_command_applies_only_in_its_states(command: BotCommand, current: BotState) -> None:
    expected = COMMANDS[command].get(current)
    if expected is not None:
        assert command_target(command, current) is expected
        return
    with pytest.raises(ConflictError) as info:
        command_target(command, current)
    sources = ", ".join(s.value for s in BotState if s in COMMANDS[command])
    assert info.value.message == (
        f"cannot {command.value} a bot that is {current.value}; "
        f"{command.value} applies to a bot that is: {sources}"
    )


def test_start_does_not_resume_a_paused_bot() -> None:
    # PAUSED -> STARTING is in the table, but it is the resume command's move.
    assert transition(S.PAUSED, S.STARTING) is S.STARTING
    with pytest.raises(ConflictError, match="cannot start a bot that is paused"):
        command_target(BotCommand.START, S.PAUSED)
