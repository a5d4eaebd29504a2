"""Kill switches: scopes (global, account, bot), actions as data, re-arming."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.risk.events import KillSwitchEngaged, KillSwitchRearmed
from xor_trading.risk.kill_switch import (
    GLOBAL_SCOPE,
    CancelOpenOrders,
    FlattenPositions,
    KillScope,
    KillSwitch,
    KillSwitchBoard,
)

T = 1_710_028_800_000
ACC1 = KillScope.account("acc-1")
BOT_A = KillScope.bot("bot-a")


def test_kill_switch_board_blocks_nothing_when_disarmed() -> None:
    board = KillSwitchBoard()
    assert board.blocks("bot-a", "acc-1") is None
    assert board.engaged() == []


def test_kill_switch_global_blocks_every_bot_of_every_account() -> None:
    board = KillSwitchBoard()
    board.engage(GLOBAL_SCOPE, "exchange incident", ts_ms=T, by="ops")
    for bot, account in [("bot-a", "acc-1"), ("bot-b", "acc-1"), ("bot-z", "acc-9")]:
        assert board.blocks(bot, account) == (
            "the global kill switch was engaged by ops: exchange incident; "
            "no new orders until it is re-armed"
        )


def test_kill_switch_account_blocks_its_bots_only() -> None:
    board = KillSwitchBoard()
    board.engage(ACC1, "API key leaked", ts_ms=T)
    assert board.blocks("bot-a", "acc-1") == (
        "the account acc-1 kill switch was engaged: API key leaked; "
        "no new orders until it is re-armed"
    )
    assert board.blocks("bot-b", "acc-1") is not None
    assert board.blocks("bot-c", "acc-2") is None


def test_kill_switch_bot_blocks_itself_only() -> None:
    board = KillSwitchBoard()
    board.engage(BOT_A, "runaway orders", ts_ms=T)
    assert board.blocks("bot-a", "acc-1") is not None
    assert board.blocks("bot-b", "acc-1") is None
    # A bot id is a bot id, whichever account it is asked about with.
    assert board.blocks("bot-a", "acc-2") is not None


def test_kill_switch_broadest_engaged_scope_answers() -> None:
    board = KillSwitchBoard()
    board.engage(BOT_A, "bot reason", ts_ms=T)
    board.engage(ACC1, "account reason", ts_ms=T + 1)
    assert "account reason" in (board.blocks("bot-a", "acc-1") or "")
    board.engage(GLOBAL_SCOPE, "global reason", ts_ms=T + 2)
    assert "global reason" in (board.blocks("bot-a", "acc-1") or "")


def test_kill_switch_engage_returns_cancel_then_flatten_and_the_event() -> None:
    board = KillSwitchBoard()
    done = board.engage(ACC1, "margin call", flatten=True, ts_ms=T, by="eve")
    assert done.actions == (CancelOpenOrders(ACC1), FlattenPositions(ACC1))
    assert done.event == KillSwitchEngaged(
        "account", "margin call", True, T, target="acc-1", by="eve"
    )


def test_kill_switch_engage_without_flatten_only_cancels() -> None:
    done = KillSwitchBoard().engage(GLOBAL_SCOPE, "maintenance", ts_ms=T)
    assert done.actions == (CancelOpenOrders(GLOBAL_SCOPE),)
    assert done.event == KillSwitchEngaged("global", "maintenance", False, T)


def test_kill_switch_engaging_again_repeats_actions_and_keeps_first_time() -> None:
    board = KillSwitchBoard()
    board.engage(BOT_A, "first", ts_ms=T)
    again = board.engage(BOT_A, "now flatten too", flatten=True, ts_ms=T + 60_000)
    assert again.actions == (CancelOpenOrders(BOT_A), FlattenPositions(BOT_A))
    switch = board.switch(BOT_A)
    assert switch.engaged_ms == T
    assert switch.reason == "now flatten too"
    assert switch.flatten


def test_kill_switch_rearm_reopens_the_scope_and_records_who_and_why() -> None:
    board = KillSwitchBoard()
    board.engage(ACC1, "API key leaked", ts_ms=T)
    event = board.rearm(ACC1, "frank", "key rotated", ts_ms=T + 3_600_000)
    assert event == KillSwitchRearmed(
        "account", T + 3_600_000, target="acc-1", by="frank", reason="key rotated"
    )
    assert board.blocks("bot-a", "acc-1") is None
    assert board.engaged() == []


def test_kill_switch_rearm_of_a_disarmed_switch_returns_none() -> None:
    assert KillSwitchBoard().rearm(BOT_A, "frank", "nothing to do", ts_ms=T) is None


def test_kill_switch_rearming_global_leaves_other_switches_engaged() -> None:
    board = KillSwitchBoard()
    board.engage(GLOBAL_SCOPE, "incident", ts_ms=T)
    board.engage(BOT_A, "bad strategy", ts_ms=T)
    board.rearm(GLOBAL_SCOPE, "ops", "incident over", ts_ms=T + 1)
    assert "bad strategy" in (board.blocks("bot-a", "acc-1") or "")
    assert board.blocks("bot-b", "acc-1") is None
    assert [s.scope for s in board.engaged()] == [BOT_A]


@pytest.mark.parametrize(("by", "reason"), [("", "ok"), ("frank", " ")])
def test_kill_switch_rearm_needs_a_person_and_a_reason(by: str, reason: str) -> None:
    switch = KillSwitch(BOT_A)
    switch.engage("stop", flatten=False, ts_ms=T)
    with pytest.raises(ConfigError, match="is required"):
        switch.rearm(by, reason, ts_ms=T + 1)
    assert switch.is_tripped


def test_kill_switch_engage_needs_a_reason() -> None:
    with pytest.raises(ConfigError, match="a reason to engage the kill switch is required"):
        KillSwitchBoard().engage(GLOBAL_SCOPE, "", ts_ms=T)


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("bot", None, "a bot kill switch needs the bot id"),
        ("account", " ", "an account kill switch needs the account id"),
        ("global", "x", "the global kill switch has no target"),
        ("desk", "x", "unknown kill switch scope 'desk'"),
    ],
)
def test_kill_scope_invalid_is_refused(kind: str, target: str | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        KillScope(kind, target)  # type: ignore[arg-type]


def test_kill_scope_describe() -> None:
    assert GLOBAL_SCOPE.describe() == "global"
    assert ACC1.describe() == "account acc-1"
    assert BOT_A.describe() == "bot bot-a"
