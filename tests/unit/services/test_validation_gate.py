"""The validation gate: thresholds, failure sentences, undefined metrics, admin override."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

import pytest

from xor_trading.backtest.metrics import Metrics
from xor_trading.core.errors import ConfigError
from xor_trading.services.validation_gate import (
    GateOverride,
    GateResult,
    GateThresholds,
    LiveSwitchDecision,
    decide_live_switch,
    evaluate_gate,
)

_GOOD = Metrics(
    start_time_ms=0,
    end_time_ms=86_400_000 * 90,
    initial_capital=D(10_000),
    final_equity=11_500.0,
    net_profit=D(1_500),
    total_return_pct=15.0,
    cagr_pct=76.0,
    sharpe=1.8,
    sortino=2.5,
    calmar=9.0,
    max_drawdown_pct=6.0,
    max_drawdown_duration_ms=86_400_000 * 5,
    exposure_pct=40.0,
    number_of_trades=40,
    winning_trades=22,
    losing_trades=18,
    win_rate_pct=55.0,
    profit_factor=1.9,
    gross_profit=D(3_166),
    gross_loss=D(1_666),
    expectancy=D("37.5"),
    avg_win=D("143.9"),
    avg_loss=D("-92.6"),
    best_trade_pct=4.0,
    worst_trade_pct=-2.0,
    avg_holding_ms=3_600_000.0,
    fees_paid=D(80),
)


def _m(**changes: Any) -> Metrics:
    return replace(_GOOD, **changes)


def test_gate_good_backtest_passes_with_no_failures() -> None:
    assert evaluate_gate(_GOOD) == GateResult(passed=True, failures=[])


def test_gate_each_failure_is_one_sentence_in_order() -> None:
    bad = _m(sharpe=0.82, profit_factor=1.2, win_rate_pct=40.0, max_drawdown_pct=12.34)
    result = evaluate_gate(bad, GateThresholds(), 10)
    assert not result.passed
    assert result.failures == [
        "Sharpe 0.82 is below 1.0",
        "Profit factor 1.20 is below 1.5",
        "Win rate 40.0 % is below 45 %",
        "Max drawdown 12.3 % is beyond the drawdown breaker limit 10 %",
    ]


def test_gate_values_exactly_at_thresholds_pass() -> None:
    edge = _m(sharpe=1.0, profit_factor=1.5, win_rate_pct=45.0, max_drawdown_pct=10.0)
    assert evaluate_gate(edge, GateThresholds(), D(10)).passed


def test_gate_rounding_never_hides_a_failure() -> None:
    near = _m(sharpe=0.999, profit_factor=1.4999, win_rate_pct=44.96, max_drawdown_pct=10.04)
    assert evaluate_gate(near).failures == [
        "Sharpe 0.999 is below 1.0",
        "Profit factor 1.4999 is below 1.5",
        "Win rate 44.96 % is below 45 %",
        "Max drawdown 10.04 % is beyond the drawdown breaker limit 10 %",
    ]


def test_gate_uses_the_drawdown_breaker_limit_passed_in() -> None:
    dd = _m(max_drawdown_pct=6.0)
    assert evaluate_gate(dd, max_drawdown_limit_pct=D(8)).passed
    assert evaluate_gate(dd, max_drawdown_limit_pct=D(5)).failures == [
        "Max drawdown 6.0 % is beyond the drawdown breaker limit 5 %"
    ]


def test_gate_custom_thresholds() -> None:
    t = GateThresholds(min_sharpe=2.0, min_profit_factor=1.0, min_win_rate_pct=30)
    assert evaluate_gate(_GOOD, t).failures == ["Sharpe 1.80 is below 2.0"]


def test_gate_undefined_sharpe_fails_with_explanation() -> None:
    (failure,) = evaluate_gate(_m(sharpe=None)).failures
    assert failure == (
        "Sharpe is undefined (fewer than two days of returns or a flat equity curve), "
        "so it does not show the minimum of 1.0"
    )


def test_gate_no_losing_trade_profit_factor_none_passes() -> None:
    no_loss = _m(profit_factor=None, losing_trades=0, winning_trades=40, win_rate_pct=100.0)
    assert evaluate_gate(no_loss).passed


def test_gate_no_trades_fails_on_every_trade_metric() -> None:
    empty = _m(
        number_of_trades=0,
        winning_trades=0,
        losing_trades=0,
        win_rate_pct=None,
        profit_factor=None,
        sharpe=None,
        max_drawdown_pct=0.0,
    )
    result = evaluate_gate(empty)
    assert result.failures[1:] == [
        "Profit factor is undefined: the backtest closed no trades",
        "Win rate is undefined: the backtest closed no trades",
    ]
    assert result.failures[0].startswith("Sharpe is undefined")


def test_gate_only_break_even_trades_profit_factor_fails() -> None:
    flat = _m(winning_trades=0, losing_trades=0, win_rate_pct=0.0, profit_factor=None)
    assert "Profit factor is undefined: no trade won or lost money" in evaluate_gate(flat).failures


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_gate_absurd_drawdown_limit_is_refused(limit: int) -> None:
    with pytest.raises(ConfigError, match="drawdown limit must be above 0"):
        evaluate_gate(_GOOD, max_drawdown_limit_pct=limit)


@pytest.mark.parametrize(
    "values",
    [{"min_win_rate_pct": 120}, {"min_profit_factor": -1}, {"min_sharpe": float("inf")}, {"x": 1}],
)
def test_gate_thresholds_bad_values_raise_config_error(values: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="invalid"):
        GateThresholds.build(**values)


def test_gate_thresholds_defaults() -> None:
    t = GateThresholds()
    assert (t.min_sharpe, t.min_profit_factor, t.min_win_rate_pct) == (1.0, 1.5, 45.0)


def test_live_switch_allowed_when_the_gate_passes() -> None:
    decision = decide_live_switch(evaluate_gate(_GOOD))
    assert decision == LiveSwitchDecision(True, "the backtest passed the validation gate", None)


def test_live_switch_refused_when_the_gate_fails_without_override() -> None:
    decision = decide_live_switch(evaluate_gate(_m(sharpe=0.5)))
    assert decision == LiveSwitchDecision(
        False, "the backtest failed the validation gate: Sharpe 0.50 is below 1.0", None
    )


def test_live_switch_admin_override_is_recorded() -> None:
    override = GateOverride("root", "regime changed; paper results are strong", 1_700_000_000_000)
    decision = decide_live_switch(evaluate_gate(_m(sharpe=0.5)), override)
    assert decision.allowed
    assert decision.override == override
    assert decision.reason == (
        "admin root overrode the failed validation gate (Sharpe 0.50 is below 1.0): "
        "regime changed; paper results are strong"
    )
    assert decision.to_dict()["override"] == {
        "admin": "root",
        "reason": "regime changed; paper results are strong",
        "ts_ms": 1_700_000_000_000,
    }


def test_live_switch_override_not_needed_is_not_recorded() -> None:
    override = GateOverride("root", "just in case", 1)
    decision = decide_live_switch(evaluate_gate(_GOOD), override)
    assert decision.allowed
    assert decision.override is None


@pytest.mark.parametrize(("admin", "reason"), [("root", ""), ("root", "   "), ("", "why")])
def test_gate_override_needs_admin_and_reason(admin: str, reason: str) -> None:
    with pytest.raises(ConfigError, match="a gate override needs"):
        GateOverride(admin, reason, 1)
