"""The live gate use case: backtest a bot's strategy on recent data and decide if it may go live.

Issue 4 item 5: a bot switches to live only if its strategy and configuration pass the
validation gate (:mod:`xor_trading.services.validation_gate`) on recent data, or an admin
overrides a failed gate with a recorded reason. :func:`run_live_gate` is the one entry point,
for the ``xor gate`` command today and for the bots' live switch later.

The window is the last ``recent_days`` of stored candles, ending at the last stored candle
(not at "now": a store that is not up to date gives a warning, not a different window).
Fewer than :data:`MIN_GATE_DAYS` days stored is refused with a ``DataError``; between that
and ``recent_days`` the gate uses what is stored and says so in a warning. The backtest runs
with the given :class:`~xor_trading.backtest.config.BacktestConfig`, risk settings included,
and the drawdown bound is the config's drawdown breaker limit
(``risk.max_drawdown_pct``, or :data:`DEFAULT_DRAWDOWN_LIMIT_PCT` when risk is off).

The results go to ``output`` like ``xor backtest`` writes them, plus ``gate.json``: the
report of :meth:`LiveGateReport.to_dict`, which records the decision and any override.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import DAY_MS, Metrics
from xor_trading.backtest.output_files import iso_utc
from xor_trading.core.errors import ConfigError, DataError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.services.backtest_service import BacktestRequest, run_backtest_job
from xor_trading.services.validation_gate import (
    DEFAULT_DRAWDOWN_LIMIT_PCT,
    GateOverride,
    GateResult,
    GateThresholds,
    LiveSwitchDecision,
    decide_live_switch,
    evaluate_gate,
)
from xor_trading.strategy.registry import get_strategy

__all__ = [
    "DEFAULT_RECENT_DAYS",
    "GATE_FILE",
    "MIN_GATE_DAYS",
    "STALE_AFTER_MS",
    "GateCriterion",
    "LiveGateReport",
    "run_live_gate",
]

DEFAULT_RECENT_DAYS = 90
MIN_GATE_DAYS = 30  # less recent history than this says too little about a strategy
STALE_AFTER_MS = DAY_MS  # a store whose last candle closed longer ago than this gets a warning
GATE_FILE = "gate.json"

# Each failure sentence of evaluate_gate starts with its criterion's name (see
# validation_gate), in this order; that is how a failure is matched to its criterion.
_CRITERIA = ("Sharpe", "Profit factor", "Win rate", "Max drawdown")


@dataclass(frozen=True, slots=True)
class GateCriterion:
    """One check of the gate: the backtest's value, the bound it must meet, and the outcome.

    ``value`` is ``None`` when the metric is undefined; ``threshold`` reads like ``>= 1.0``
    or ``<= 10 %``; ``failure`` is the gate's sentence when the check failed.
    """

    name: str
    value: float | None
    threshold: str
    passed: bool
    failure: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "threshold": self.threshold,
            "passed": self.passed,
            "failure": self.failure,
        }


@dataclass(frozen=True, slots=True)
class LiveGateReport:
    """Everything the gate decided and why; ``decision.allowed`` is the answer."""

    strategy: str
    exchange: str
    symbol: str
    timeframe: str
    params: Mapping[str, Any]
    start_ms: int  # open of the first candle of the window
    end_ms: int  # close of the last candle of the window (the last stored candle)
    days: float  # length of the window, in days
    candles: int
    metrics: Metrics
    thresholds: GateThresholds
    drawdown_limit_pct: Decimal
    criteria: list[GateCriterion]
    result: GateResult
    decision: LiveSwitchDecision
    output: Path
    files: list[Path]
    warnings: list[str]
    evaluated_at_ms: int

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    def to_dict(self) -> dict[str, object]:
        """Plain JSON values (Decimals as exact strings); what ``gate.json`` holds."""
        return {
            "allowed": self.decision.allowed,
            "decision": self.decision.to_dict(),
            "gate": {"passed": self.result.passed, "failures": list(self.result.failures)},
            "criteria": [c.to_dict() for c in self.criteria],
            "thresholds": {
                **self.thresholds.model_dump(mode="json"),
                "max_drawdown_pct": f"{self.drawdown_limit_pct:f}",
            },
            "strategy": self.strategy,
            "params": dict(self.params),
            "exchange": self.exchange,
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "window": {
                "from": iso_utc(self.start_ms),
                "to": iso_utc(self.end_ms),
                "days": round(self.days, 4),
                "candles": self.candles,
            },
            "metrics": self.metrics.to_dict(),
            "warnings": list(self.warnings),
            "output": str(self.output),
            "files": [p.name for p in self.files],
            "evaluated_at_ms": self.evaluated_at_ms,
            "evaluated_at": iso_utc(self.evaluated_at_ms),
        }


def run_live_gate(
    strategy: str,
    symbol: str,
    timeframe: str,
    params: Mapping[str, Any],
    config: BacktestConfig,
    candles_root: Path,
    *,
    output: Path,
    now_ms: int,
    recent_days: int = DEFAULT_RECENT_DAYS,
    thresholds: GateThresholds | None = None,
    override: GateOverride | None = None,
    exchange: str = "binance",
) -> LiveGateReport:
    """Backtest ``strategy`` on the last ``recent_days`` of stored candles and decide.

    ``override`` is an admin's override; it is recorded in the decision only if the gate
    failed (it was needed). ``now_ms`` is the time of the decision (UTC epoch ms): it stamps
    the report and tells how old the stored candles are. Raises ``ConfigError`` for bad
    settings (``recent_days`` below :data:`MIN_GATE_DAYS`, an unknown strategy or parameter,
    ...) and ``DataError`` when fewer than :data:`MIN_GATE_DAYS` days are stored; nothing is
    written then.
    """
    if recent_days < MIN_GATE_DAYS:
        raise ConfigError(
            f"the live gate needs at least {MIN_GATE_DAYS} days of recent data, "
            f"got {recent_days} days",
            f"ask for {MIN_GATE_DAYS} days or more; the default is {DEFAULT_RECENT_DAYS}",
        )
    gate_thresholds = thresholds if thresholds is not None else GateThresholds()
    limit = config.risk.max_drawdown_pct if config.risk.enabled else None
    drawdown_limit = limit if limit is not None else Decimal(str(DEFAULT_DRAWDOWN_LIMIT_PCT))
    tf = Timeframe.parse(timeframe)
    get_strategy(strategy).config_class.parse_params(dict(params), strategy)  # before the data

    first_ms, last_ms = _stored_span(ParquetCandleStore(candles_root), exchange, symbol, tf)
    end_ms = last_ms + tf.ms
    stored_days = (end_ms - first_ms) / DAY_MS
    if stored_days < MIN_GATE_DAYS:
        raise DataError(
            f"only {stored_days:.1f} days of {exchange} {symbol} {tf} candles are stored "
            f"({iso_utc(first_ms)} to {iso_utc(end_ms)}); the live gate needs at least "
            f"{MIN_GATE_DAYS} days",
            f"import at least {MIN_GATE_DAYS} days of recent candles with `xor data import`; "
            "`xor data list` shows the store",
        )
    warnings: list[str] = []
    if stored_days < recent_days:
        warnings.append(
            f"only {stored_days:.1f} days are stored, so the gate used those instead of the "
            f"{recent_days} days asked for"
        )
    age_ms = now_ms - end_ms
    if age_ms > STALE_AFTER_MS:
        warnings.append(
            f"the stored candles end {age_ms / DAY_MS:.1f} days before now ({iso_utc(end_ms)}); "
            "import newer candles so the gate judges recent data"
        )

    window_start = max(first_ms, end_ms - recent_days * DAY_MS)
    request = BacktestRequest(
        strategy=strategy,
        symbol=symbol,
        timeframe=tf.text,
        config=config,
        output=output,
        exchange=exchange,
        params=dict(params),
        start_ms=window_start,
        end_ms=end_ms,
    )
    outcome = run_backtest_job(request, candles_root)
    metrics = outcome.metrics
    result = evaluate_gate(metrics, gate_thresholds, drawdown_limit)
    decision = decide_live_switch(result, override)
    start = metrics.start_time_ms if metrics.start_time_ms is not None else window_start
    end = metrics.end_time_ms if metrics.end_time_ms is not None else end_ms
    report = LiveGateReport(
        strategy=strategy,
        exchange=exchange,
        symbol=symbol,
        timeframe=tf.text,
        params=dict(params),
        start_ms=start,
        end_ms=end,
        days=(end - start) / DAY_MS,
        candles=outcome.candles,
        metrics=metrics,
        thresholds=gate_thresholds,
        drawdown_limit_pct=drawdown_limit,
        criteria=_criteria(metrics, gate_thresholds, drawdown_limit, result),
        result=result,
        decision=decision,
        output=output,
        files=[*outcome.files, output / GATE_FILE],
        warnings=[*outcome.warnings, *warnings],
        evaluated_at_ms=now_ms,
    )
    _write_json(output / GATE_FILE, report.to_dict())
    return report


def _stored_span(
    store: ParquetCandleStore, exchange: str, symbol: str, tf: Timeframe
) -> tuple[int, int]:
    """Open times of the first and last stored candle (resampled if only a lower timeframe
    is stored); ``UnknownSymbolError`` if nothing is stored, ``DataError`` if it is empty."""
    if store.has(exchange, symbol, tf):
        series = store.describe(exchange, symbol, tf)
        first, last = series.first_ms, series.last_ms
    else:
        frame = store.read(exchange, symbol, tf).frame
        first, last = (
            (None, None) if frame.is_empty else (int(frame.ts_ms[0]), int(frame.ts_ms[-1]))
        )
    if first is None or last is None:
        raise DataError(
            f"the store holds no {exchange} {symbol} {tf} candles",
            "import candles with `xor data import`; `xor data list` shows the store",
        )
    return first, last


def _ratio(x: float) -> str:
    text = f"{x:g}"
    return text if "." in text or "e" in text else f"{text}.0"


def _criteria(
    m: Metrics, t: GateThresholds, drawdown_limit: Decimal, result: GateResult
) -> list[GateCriterion]:
    """The four checks in the gate's order, each with the failure sentence that is its own."""
    failures = {name: next((f for f in result.failures if f.startswith(name)), None)
                for name in _CRITERIA}  # fmt: skip
    if sum(f is not None for f in failures.values()) != len(result.failures):
        raise AssertionError(f"unmatched gate failures: {result.failures}")  # a renamed check
    rows = (
        ("Sharpe", m.sharpe, f">= {_ratio(t.min_sharpe)}"),
        ("Profit factor", m.profit_factor, f">= {_ratio(t.min_profit_factor)}"),
        ("Win rate", m.win_rate_pct, f">= {t.min_win_rate_pct:g} %"),
        ("Max drawdown", m.max_drawdown_pct, f"<= {float(drawdown_limit):g} %"),
    )
    return [
        GateCriterion(name, value, bound, failures[name] is None, failures[name])
        for name, value, bound in rows
    ]


def _write_json(path: Path, document: Mapping[str, object]) -> None:
    """Write atomically: a temporary file in the same directory, then a rename."""
    text = json.dumps(document, indent=2, allow_nan=False, default=str) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".writing-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
