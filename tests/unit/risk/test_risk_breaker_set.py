"""The three breakers of one bot fed together; events serialise with their kind."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, dataclass
from decimal import Decimal as D

import pytest

from xor_trading.risk.breakers import DAY_MS, BreakerSet
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.events import (
    DAILY_LOSS,
    MAX_DRAWDOWN,
    STOP_LOSS_COOLDOWN,
    BreakerReset,
    BreakerTripped,
    KillSwitchEngaged,
)

DAY0 = 1_710_028_800_000
HOUR = 3_600_000


@dataclass(frozen=True)
class _Settings:  # the fields RiskConfig carries for the breakers
    daily_loss_limit_pct: D = D(3)
    max_drawdown_pct: D = D(10)
    stop_loss_streak: int = 3
    cooldown_minutes: int = 240


def test_breaker_set_from_config_reads_the_limits() -> None:
    s = BreakerSet.from_config(_Settings(D("2.5"), D(8), 2, 15))
    assert s.daily.limit_pct == 2.5
    assert s.drawdown.limit_pct == 8.0
    assert s.cooldown.streak_limit == 2
    assert s.cooldown.cooldown_ms == 15 * 60_000


def test_breaker_set_from_risk_config_defaults() -> None:
    s = BreakerSet.from_config(RiskConfig())
    assert (s.daily.limit_pct, s.drawdown.limit_pct) == (3.0, 10.0)
    assert (s.cooldown.streak_limit, s.cooldown.cooldown_ms) == (3, 240 * 60_000)


def test_breaker_set_open_by_default() -> None:
    s = BreakerSet()
    assert s.observe_equity(DAY0, 10_000.0) == []
    assert not s.blocks(DAY0)
    assert s.blocking(DAY0) is None


def test_breaker_set_names_the_most_severe_blocking_breaker() -> None:
    s = BreakerSet()
    s.observe_equity(DAY0, 10_000.0)
    events = s.observe_equity(DAY0 + HOUR, 8_000.0)
    assert [(type(e), e.breaker) for e in events] == [
        (BreakerTripped, MAX_DRAWDOWN),
        (BreakerTripped, DAILY_LOSS),
    ]
    rule, message = s.blocking(DAY0 + HOUR) or ("", "")
    assert rule == MAX_DRAWDOWN
    assert "halted" in message
    s.drawdown.rearm(DAY0 + 2 * HOUR, "dana", "reviewed")
    assert s.blocking(DAY0 + 2 * HOUR) == (DAILY_LOSS, s.daily.block_reason(DAY0 + 2 * HOUR))
    assert s.blocking(DAY0 + DAY_MS) is None


def test_breaker_set_trade_and_advance_drive_the_cooldown() -> None:
    s = BreakerSet()
    for i in range(3):
        s.observe_trade(DAY0 + i, pnl=D(-1), by_stop_loss=True)
    assert s.blocking(DAY0 + 3) == (STOP_LOSS_COOLDOWN, s.cooldown.block_reason(DAY0 + 3))
    (reset,) = s.advance(DAY0 + 5 * HOUR)
    assert reset == BreakerReset(STOP_LOSS_COOLDOWN, reset.reason, DAY0 + 2 + 4 * HOUR)
    assert not s.blocks(DAY0 + 5 * HOUR)


def test_risk_events_are_frozen_and_serialise_with_their_kind() -> None:
    trip = BreakerTripped(DAILY_LOSS, "lost too much", 5, 10)
    with pytest.raises(FrozenInstanceError):
        trip.ts_ms = 6  # type: ignore[misc]
    assert trip.to_dict() == {
        "kind": "breaker_tripped",
        "breaker": "daily_loss",
        "reason": "lost too much",
        "ts_ms": 5,
        "until_ms": 10,
    }
    engaged = KillSwitchEngaged("account", "exchange down", True, 7, target="acc-1", by="ed")
    assert json.loads(json.dumps(engaged.to_dict()))["kind"] == "kill_switch_engaged"
