"""The validation gate: a bot goes live only if its backtest on recent data is good enough.

:func:`evaluate_gate` checks a backtest's :class:`~xor_trading.backtest.metrics.Metrics`
against :class:`GateThresholds` and the drawdown breaker's limit; every failed check is one
sentence in ``GateResult.failures`` (``"Sharpe 0.82 is below 1.0"``). A check passes on
equality (a Sharpe of exactly 1.0 passes; a drawdown of exactly the limit passes, since the
breaker trips only beyond its limit).

Undefined metrics (``None`` in ``Metrics``, see ``docs/metrics.md``) are decided explicitly:

* Sharpe ``None`` (fewer than two days of returns, a flat curve, equity at or below zero)
  fails: nothing shows the strategy reaches the threshold.
* Profit factor ``None`` because there is no losing trade but at least one winning trade
  passes: gross profit over a gross loss of zero is unbounded, above any threshold. With
  no trade at all, or only break-even trades, it fails.
* Win rate ``None`` (no trades) fails.
* Max drawdown is always defined.

:func:`decide_live_switch` turns a result into a :class:`LiveSwitchDecision`: allowed when
the gate passed, or when an admin overrides a failed gate with a :class:`GateOverride`
(name and a non-empty reason, recorded in the decision).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xor_trading.backtest.metrics import Metrics
from xor_trading.core.errors import ConfigError

__all__ = [
    "DEFAULT_DRAWDOWN_LIMIT_PCT",
    "GateOverride",
    "GateResult",
    "GateThresholds",
    "LiveSwitchDecision",
    "decide_live_switch",
    "evaluate_gate",
]

DEFAULT_DRAWDOWN_LIMIT_PCT = 10.0  # RiskConfig.max_drawdown_pct's default
_MAX_DECIMALS = 10


class GateThresholds(BaseModel):
    """Minimums a backtest must reach. The drawdown bound is the drawdown breaker's limit,
    passed to :func:`evaluate_gate`, so the gate and the live breaker never disagree."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    min_sharpe: float = Field(default=1.0, description="Annualised Sharpe of daily returns.")
    min_profit_factor: float = Field(default=1.5, ge=0, description="Gross profit / gross loss.")
    min_win_rate_pct: float = Field(default=45.0, ge=0, le=100, description="Winning trades, %.")

    @classmethod
    def build(cls, **values: object) -> GateThresholds:
        """Validate, raising ConfigError naming the field instead of pydantic's report."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "gate thresholds"
            raise ConfigError(
                f"invalid {key}: {err['msg']}",
                "thresholds are min_sharpe, min_profit_factor (>= 0), min_win_rate_pct (0-100)",
            ) from None


@dataclass(frozen=True, slots=True)
class GateResult:
    passed: bool
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GateOverride:
    """An admin's decision to go live despite a failed gate; the reason is mandatory."""

    admin: str
    reason: str
    ts_ms: int

    def __post_init__(self) -> None:
        if not self.admin.strip():
            raise ConfigError("a gate override needs the admin's name", "give your user name")
        if not self.reason.strip():
            raise ConfigError(
                "a gate override needs a reason",
                "say why this bot may go live although its backtest failed the gate",
            )


@dataclass(frozen=True, slots=True)
class LiveSwitchDecision:
    """Whether a bot may switch to live, why, and the override that allowed it (if any).

    ``override`` is set only when it was needed: a failed gate allowed by an admin.
    """

    allowed: bool
    reason: str
    override: GateOverride | None = None

    def to_dict(self) -> dict[str, object]:
        override = self.override
        return {
            "allowed": self.allowed,
            "reason": self.reason,
            "override": None
            if override is None
            else {"admin": override.admin, "reason": override.reason, "ts_ms": override.ts_ms},
        }


def _threshold(x: float) -> str:
    """``45``, ``2.5``, ``10``: short, without float noise (percentages)."""
    return f"{x:g}"


def _ratio(x: float) -> str:
    """``1.0``, ``1.5``: a ratio keeps one decimal so it reads as a ratio."""
    text = f"{x:g}"
    return text if "." in text or "e" in text else f"{text}.0"


def _value(x: float, bound: float, decimals: int, *, must_reach: bool) -> str:
    """``x`` with ``decimals`` decimals, or more when rounding would hide the failure
    (0.999 shown as "1.00" against a minimum of 1.0)."""
    for d in range(decimals, _MAX_DECIMALS + 1):
        text = f"{x:.{d}f}"
        shown = float(text)
        if (shown < bound) if must_reach else (shown > bound):
            return text
    return repr(x)


def _check_sharpe(m: Metrics, t: GateThresholds) -> str | None:
    if m.sharpe is None:
        return (
            "Sharpe is undefined (fewer than two days of returns or a flat equity curve), "
            f"so it does not show the minimum of {_ratio(t.min_sharpe)}"
        )
    if m.sharpe < t.min_sharpe:
        shown = _value(m.sharpe, t.min_sharpe, 2, must_reach=True)
        return f"Sharpe {shown} is below {_ratio(t.min_sharpe)}"
    return None


def _check_profit_factor(m: Metrics, t: GateThresholds) -> str | None:
    pf = m.profit_factor
    if pf is None:
        if m.winning_trades > 0:  # no losing trade: gross profit / 0 is unbounded
            return None
        if m.number_of_trades == 0:
            return "Profit factor is undefined: the backtest closed no trades"
        return "Profit factor is undefined: no trade won or lost money"
    if pf < t.min_profit_factor:
        shown = _value(pf, t.min_profit_factor, 2, must_reach=True)
        return f"Profit factor {shown} is below {_ratio(t.min_profit_factor)}"
    return None


def _check_win_rate(m: Metrics, t: GateThresholds) -> str | None:
    if m.win_rate_pct is None:
        return "Win rate is undefined: the backtest closed no trades"
    if m.win_rate_pct < t.min_win_rate_pct:
        shown = _value(m.win_rate_pct, t.min_win_rate_pct, 1, must_reach=True)
        return f"Win rate {shown} % is below {_threshold(t.min_win_rate_pct)} %"
    return None


def _check_drawdown(m: Metrics, limit_pct: float) -> str | None:
    if m.max_drawdown_pct > limit_pct:
        shown = _value(m.max_drawdown_pct, limit_pct, 1, must_reach=False)
        return (
            f"Max drawdown {shown} % is beyond the drawdown breaker limit {_threshold(limit_pct)} %"
        )
    return None


def evaluate_gate(
    metrics: Metrics,
    thresholds: GateThresholds | None = None,
    max_drawdown_limit_pct: Decimal | float = DEFAULT_DRAWDOWN_LIMIT_PCT,
) -> GateResult:
    """Check a backtest against the gate; ``failures`` lists every failed check, in the
    order Sharpe, profit factor, win rate, max drawdown.

    ``max_drawdown_limit_pct`` is the drawdown breaker's limit (``RiskConfig.max_drawdown_pct``);
    it must be above 0 and at most 100.
    """
    t = thresholds if thresholds is not None else GateThresholds()
    limit = float(max_drawdown_limit_pct)
    if not 0 < limit <= 100:
        raise ConfigError(
            f"the drawdown limit must be above 0 and at most 100 %, got {max_drawdown_limit_pct}",
            "pass the drawdown breaker's max_drawdown_pct",
        )
    checks = (
        _check_sharpe(metrics, t),
        _check_profit_factor(metrics, t),
        _check_win_rate(metrics, t),
        _check_drawdown(metrics, limit),
    )
    failures = [c for c in checks if c is not None]
    return GateResult(passed=not failures, failures=failures)


def decide_live_switch(
    result: GateResult, override: GateOverride | None = None
) -> LiveSwitchDecision:
    """Allowed if the gate passed; if it failed, allowed only with an admin's override."""
    if result.passed:
        return LiveSwitchDecision(True, "the backtest passed the validation gate")
    failed = "; ".join(result.failures)
    if override is None:
        return LiveSwitchDecision(False, f"the backtest failed the validation gate: {failed}")
    return LiveSwitchDecision(
        True,
        f"admin {override.admin} overrode the failed validation gate ({failed}): {override.reason}",
        override,
    )
