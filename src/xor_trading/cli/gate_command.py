"""``xor gate``: may this strategy and configuration go live? The validation gate's entry point.

Backtests on the most recent stored candles, checks the result against the gate and prints
each criterion and the decision. Exit codes: 0 live allowed, 3 refused by the gate, 2 bad
input (see :mod:`xor_trading.cli.errors`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.output_files import iso_utc
from xor_trading.cli.backtest_command import _decimal, _fmt, _risk_config
from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.clock import LiveClock, utc_now
from xor_trading.core.errors import ConfigError
from xor_trading.runtime.settings import load_settings
from xor_trading.services.backtest_service import parse_params
from xor_trading.services.live_gate_service import (
    DEFAULT_RECENT_DAYS,
    MIN_GATE_DAYS,
    LiveGateReport,
    run_live_gate,
)
from xor_trading.services.validation_gate import GateOverride, GateThresholds

GATE_REFUSED_EXIT_CODE = 3

_COSTS = "Costs and sizing"
_EXITS = "Protective exits"
_RISK = "Risk limits (on by default)"
_GATE = "Gate"
_OVERRIDE = "Admin override"


def _override(by: str | None, reason: str | None, ts_ms: int) -> GateOverride | None:
    if by is None and reason is None:
        return None
    if by is None or reason is None:
        missing = "--override-by" if by is None else "--override-reason"
        raise ConfigError(
            f"an override needs both --override-by and --override-reason; {missing} is missing",
            "give your name and why this bot may go live although the gate fails it",
        )
    return GateOverride(admin=by.strip(), reason=reason.strip(), ts_ms=ts_ms)


def _thresholds(
    sharpe: float | None, profit_factor: float | None, win_rate: float | None
) -> GateThresholds:
    given = {
        "min_sharpe": sharpe,
        "min_profit_factor": profit_factor,
        "min_win_rate_pct": win_rate,
    }
    return GateThresholds.build(**{k: v for k, v in given.items() if v is not None})


def gate(
    strategy: Annotated[str, typer.Option(help="Strategy name, e.g. [bold]sma_cross[/].")],
    symbol: Annotated[str, typer.Option(help="Market in CCXT spelling, e.g. BTC/USDT.")],
    timeframe: Annotated[str, typer.Option(help="Candle size: 1m, 5m, 1h, 1d...")] = "1m",
    exchange: Annotated[
        str, typer.Option(help="Exchange whose rules and data to use.")
    ] = "binance",
    param: Annotated[
        list[str] | None,
        typer.Option(help="Strategy parameter key=value; repeat it. Unknown keys are refused."),
    ] = None,
    days: Annotated[
        int,
        typer.Option(
            help=f"Backtest the last N days of stored candles (at least {MIN_GATE_DAYS}).",
            rich_help_panel=_GATE,
        ),
    ] = DEFAULT_RECENT_DAYS,
    min_sharpe: Annotated[
        float | None,
        typer.Option(help="Minimum Sharpe (default 1.0).", rich_help_panel=_GATE),
    ] = None,
    min_profit_factor: Annotated[
        float | None,
        typer.Option(help="Minimum profit factor (default 1.5).", rich_help_panel=_GATE),
    ] = None,
    min_win_rate: Annotated[
        float | None,
        typer.Option(help="Minimum win rate in % (default 45).", rich_help_panel=_GATE),
    ] = None,
    override_by: Annotated[
        str | None,
        typer.Option(
            help="Admin who allows live despite a failed gate; needs --override-reason.",
            rich_help_panel=_OVERRIDE,
        ),
    ] = None,
    override_reason: Annotated[
        str | None,
        typer.Option(
            help="Why live is allowed anyway (recorded; must not be empty).",
            rich_help_panel=_OVERRIDE,
        ),
    ] = None,
    capital: Annotated[
        str, typer.Option(help="Starting balance (quote currency).", rich_help_panel=_COSTS)
    ] = "10000",
    stake: Annotated[
        str,
        typer.Option(help="Value of each entry (quote currency).", rich_help_panel=_COSTS),
    ] = "200",
    fee_bps: Annotated[
        str, typer.Option(help="Taker fee in basis points (10 = 0.1 %).", rich_help_panel=_COSTS)
    ] = "10",
    slippage_bps: Annotated[
        str, typer.Option(help="Slippage in bps against every taker fill.", rich_help_panel=_COSTS)
    ] = "0",
    spread_bps: Annotated[
        str, typer.Option(help="Full bid-ask spread; takers pay half.", rich_help_panel=_COSTS)
    ] = "0",
    stop_loss_pct: Annotated[
        str | None, typer.Option(help="Stop loss, % below the entry.", rich_help_panel=_EXITS)
    ] = None,
    take_profit_pct: Annotated[
        str | None, typer.Option(help="Take profit, % above the entry.", rich_help_panel=_EXITS)
    ] = None,
    risk: Annotated[
        list[str] | None,
        typer.Option(
            help="Risk setting key=value (repeat it), or 'off'. Its max_drawdown_pct is the "
            "gate's drawdown bound (10 when risk is off). Keys: see docs/risk.md.",
            rich_help_panel=_RISK,
        ),
    ] = None,
    risk_file: Annotated[
        Path | None,
        typer.Option(
            help="TOML file of risk settings (key = value); --risk overrides it.",
            rich_help_panel=_RISK,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            help="Directory for the backtest's files and gate.json. "
            "Default: $XOR_DATA_DIR/gates/<time>-<strategy>."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of a table.")
    ] = False,
) -> None:
    """Decide whether a strategy and configuration may go live: the validation gate.

    Backtests on the last --days of stored candles (ending at the last stored candle) and
    requires Sharpe, profit factor and win rate at their minimums and the max drawdown
    within the drawdown breaker's limit (--risk max_drawdown_pct). An admin may allow a
    failed gate with --override-by and --override-reason; the override is recorded.

    Exit codes: [bold]0[/] live allowed (passed, or overridden), [bold]3[/] refused by the
    gate, [bold]2[/] bad input or too little data.

    Example:

      xor gate --strategy sma_cross --symbol BTC/USDT --timeframe 1h --param fast=20
    """
    with exit_on_xor_error():
        now_ms = LiveClock().now_ms()
        override = _override(override_by, override_reason, now_ms)
        thresholds = _thresholds(min_sharpe, min_profit_factor, min_win_rate)
        config = BacktestConfig.build(
            capital=_decimal(capital, "--capital"),
            stake=_decimal(stake, "--stake"),
            fee_bps=_decimal(fee_bps, "--fee-bps"),
            slippage_bps=_decimal(slippage_bps, "--slippage-bps"),
            spread_bps=_decimal(spread_bps, "--spread-bps"),
            stop_loss_pct=_decimal(stop_loss_pct, "--stop-loss-pct"),
            take_profit_pct=_decimal(take_profit_pct, "--take-profit-pct"),
            risk=_risk_config(risk or [], risk_file),
        )
        settings = load_settings()
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        report = run_live_gate(
            strategy,
            symbol,
            timeframe,
            parse_params(param or []),
            config,
            settings.candles_dir,
            output=output or settings.data_dir / "gates" / f"{stamp}-{strategy}",
            now_ms=now_ms,
            recent_days=days,
            thresholds=thresholds,
            override=override,
            exchange=exchange or settings.default_exchange,
        )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, allow_nan=False, default=str))
    else:
        _print_report(report, override_given=override is not None)
    if not report.allowed:
        raise typer.Exit(code=GATE_REFUSED_EXIT_CODE)


def _print_report(report: LiveGateReport, *, override_given: bool) -> None:
    console = Console()
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    console.print(
        f"Backtest window: {iso_utc(report.start_ms)} to {iso_utc(report.end_ms)} "
        f"({report.days:.1f} days, {report.candles:,} candles)",
        soft_wrap=True,
    )
    table = Table(title=f"Live gate: {report.strategy} {report.symbol} {report.timeframe}")
    table.add_column("criterion", style="bold")
    table.add_column("value", justify="right")
    table.add_column("threshold", justify="right")
    table.add_column("result")
    for c in report.criteria:
        suffix = " %" if c.threshold.endswith("%") else ""
        verdict = "[green]pass[/]" if c.passed else "[red]FAIL[/]"
        table.add_row(c.name, _fmt(c.value, suffix), c.threshold, verdict)
    console.print(table)
    for failure in report.result.failures:
        console.print(f"[red]-[/] {escape(failure)}", soft_wrap=True)
    decision = report.decision
    if decision.allowed and decision.override is None:
        console.print(f"[bold green]LIVE ALLOWED:[/] {escape(decision.reason)}", soft_wrap=True)
        if override_given:
            console.print("The gate passed, so the override was not needed and is not recorded.")
    elif decision.allowed:
        console.print(
            f"[bold yellow]LIVE ALLOWED BY OVERRIDE:[/] {escape(decision.reason)}", soft_wrap=True
        )
    else:
        console.print(
            "[bold red]LIVE REFUSED:[/] the backtest failed the validation gate "
            "(an admin may allow it with --override-by and --override-reason)",
            soft_wrap=True,
        )
    console.print(f"Results written to [bold]{escape(str(report.output))}[/]", soft_wrap=True)
