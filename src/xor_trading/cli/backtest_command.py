"""``xor backtest``: run a strategy over stored or given candles and write a report."""

from __future__ import annotations

import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import Metrics
from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.clock import utc_now
from xor_trading.core.errors import ConfigError
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exit_manager import ExitConfig, exit_config_from_pairs
from xor_trading.risk.position_sizer import SizingConfig
from xor_trading.risk.sizing import SizingMode
from xor_trading.runtime.settings import load_settings
from xor_trading.services.backtest_service import (
    BacktestOutcome,
    BacktestRequest,
    denials_by_rule,
    parse_params,
    parse_time,
    run_backtest_job,
)

_COSTS = "Costs and sizing"
_EXITS = "Protective exits"
_DATA = "Data"
_RISK = "Risk limits (on by default)"


def _sizing_config(mode: str, risk_pct: Decimal | None) -> SizingConfig:
    choices = ", ".join(m.value for m in SizingMode)
    if mode not in {m.value for m in SizingMode}:
        raise ConfigError(f"--sizing {mode!r} is not a sizing mode", f"use one of: {choices}")
    try:
        return SizingConfig(mode=SizingMode(mode), risk_pct=risk_pct or Decimal(1))
    except ValidationError as exc:
        raise ConfigError(f"invalid sizing: {exc.errors()[0]['msg']}",
                          "see `xor backtest --help`") from None  # fmt: skip


def _risk_config(pairs: list[str], file: Path | None) -> RiskConfig:
    """Defaults, then the file, then --risk pairs; ``--risk off`` disables every limit."""
    if [p.strip().lower() for p in pairs] == ["off"]:
        if file is not None:
            raise ConfigError("--risk off and --risk-file contradict each other", "use one")
        return RiskConfig.disabled()
    base = RiskConfig()
    if file is not None:
        try:
            values = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read risk file {file}: {exc}",
                              "give a TOML file of key = value lines") from None  # fmt: skip
        base = RiskConfig.from_pairs([f"{k}={v}" for k, v in values.items()], base)
    return RiskConfig.from_pairs(pairs, base) if pairs else base


def _decimal(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise ConfigError(
            f"{option} {value!r} is not a number", f"write it like {option} 10"
        ) from None
    if not d.is_finite():
        raise ConfigError(f"{option} must be a finite number", f"write it like {option} 10")
    return d


def backtest(
    strategy: Annotated[str, typer.Option(help="Strategy name, e.g. [bold]sma_cross[/].")],
    symbol: Annotated[str, typer.Option(help="Market in CCXT spelling, e.g. BTC/USDT.")],
    timeframe: Annotated[str, typer.Option(help="Candle size: 1m, 5m, 1h, 1d...")] = "1m",
    exchange: Annotated[
        str, typer.Option(help="Exchange whose rules and data to use.")
    ] = "binance",
    data: Annotated[
        Path | None,
        typer.Option(
            help="Read candles from this file (Parquet, CSV, Freqtrade JSON/feather).",
            rich_help_panel=_DATA,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="First candle (ISO 8601, UTC).", rich_help_panel=_DATA),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="End, exclusive (ISO 8601, UTC).", rich_help_panel=_DATA),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="Strategy parameter key=value; repeat it. Unknown keys are refused."),
    ] = None,
    capital: Annotated[
        str, typer.Option(help="Starting balance (quote currency).", rich_help_panel=_COSTS)
    ] = "10000",
    stake: Annotated[
        str,
        typer.Option(
            help="Value of each entry (quote currency). The default, 2 % of the default capital, "
            "passes the default risk limits without a stop loss.",
            rich_help_panel=_COSTS,
        ),
    ] = "200",
    fee_bps: Annotated[
        str, typer.Option(help="Taker fee in basis points (10 = 0.1 %).", rich_help_panel=_COSTS)
    ] = "10",
    maker_fee_bps: Annotated[
        str | None, typer.Option(help="Maker fee; defaults to --fee-bps.", rich_help_panel=_COSTS)
    ] = None,
    fee_asset: Annotated[
        str,
        typer.Option(
            help="quote (every fee in the quote currency) | received (in the asset received: "
            "a buy's in the base, as Binance charges; the event path only).",
            rich_help_panel=_COSTS,
        ),
    ] = "quote",
    slippage_bps: Annotated[
        str, typer.Option(help="Slippage in bps against every taker fill.", rich_help_panel=_COSTS)
    ] = "0",
    slippage_model: Annotated[
        str,
        typer.Option(
            help="fixed | volume (bps x sqrt(qty/volume)) | volatility (bps/100 x range/open).",
            rich_help_panel=_COSTS,
        ),
    ] = "fixed",
    spread_bps: Annotated[
        str, typer.Option(help="Full bid-ask spread; takers pay half.", rich_help_panel=_COSTS)
    ] = "0",
    max_volume_pct: Annotated[
        str | None,
        typer.Option(
            help="Fill at most this % of a candle's volume; the rest fills later (partial fills).",
            rich_help_panel=_COSTS,
        ),
    ] = None,
    stop_loss_pct: Annotated[
        str | None, typer.Option(help="Stop loss, % below the entry.", rich_help_panel=_EXITS)
    ] = None,
    take_profit_pct: Annotated[
        str | None, typer.Option(help="Take profit, % above the entry.", rich_help_panel=_EXITS)
    ] = None,
    risk: Annotated[
        list[str] | None,
        typer.Option(
            help="Risk setting key=value (repeat it), or 'off' for research runs without "
            "limits. Keys: see docs/risk.md (max_position_pct, max_risk_per_trade_pct, "
            "daily_loss_limit_pct, max_drawdown_pct...).",
            rich_help_panel=_RISK,
        ),
    ] = None,
    sizing: Annotated[
        str,
        typer.Option(
            help="fixed_stake (--stake each time) | fixed_fractional (risk --sizing-risk-pct of "
            "equity down to the stop) | kelly (from the run's own trades, capped) | volatility "
            "(ATR-scaled).",
            rich_help_panel=_RISK,
        ),
    ] = "fixed_stake",
    sizing_risk_pct: Annotated[
        str,
        typer.Option(
            help="Equity risked per trade by the sizing modes, in %.", rich_help_panel=_RISK
        ),
    ] = "1",
    exit_: Annotated[
        list[str] | None,
        typer.Option(
            "--exit",
            help="Protective exits after every entry: 'on' for the defaults (2 % stop, targets "
            "1 %/2 %/3 % for 50/30/20 % of the position, break-even after the first), or "
            "key=value pairs: stop=fixed|ratchet|trailing|none, stop_pct, stop_atr_multiple, "
            "trailing_activation_pct, trailing_pct, take_profit=1:50,2:30,3:20|none, "
            "break_even=true|false, time_stop_candles.",
            rich_help_panel=_EXITS,
        ),
    ] = None,
    risk_file: Annotated[
        Path | None,
        typer.Option(
            help="TOML file of risk settings (key = value); --risk overrides it.",
            rich_help_panel=_RISK,
        ),
    ] = None,
    path: Annotated[
        str,
        typer.Option(
            help="fast (compiled, vectorised strategies) | event (the live kernel) | auto."
        ),
    ] = "auto",
    output: Annotated[
        Path | None,
        typer.Option(
            help="Directory for trades.csv, orders.csv, equity.csv, metrics.json, report.html. "
            "Default: $XOR_DATA_DIR/backtests/<time>-<strategy>."
        ),
    ] = None,
) -> None:
    """Backtest a strategy with fees, spread and slippage, and write its report.

    Signals are taken on closed candles and fill at the [bold]next candle's open[/]. Stops
    trigger on touch; limits fill only when the price trades through them.

    Examples:

      xor backtest --strategy sma_cross --symbol BTC/USDT --timeframe 1m

      xor backtest --strategy sma_cross --symbol BTC/USDT --param fast=20 --param slow=50 \\
        --from 2025-06-01 --to 2025-07-01 --stop-loss-pct 2 --take-profit-pct 4 --output out/
    """
    console = Console(stderr=True)
    with exit_on_xor_error():
        if path not in ("fast", "event", "auto"):
            raise ConfigError(f"--path {path!r} is not fast, event or auto", "pick one of those")
        max_volume = _decimal(max_volume_pct, "--max-volume-pct")
        config = BacktestConfig.build(
            capital=_decimal(capital, "--capital"),
            stake=_decimal(stake, "--stake"),
            fee_bps=_decimal(fee_bps, "--fee-bps"),
            maker_fee_bps=_decimal(maker_fee_bps, "--maker-fee-bps"),
            fee_asset=fee_asset,
            slippage_bps=_decimal(slippage_bps, "--slippage-bps"),
            slippage_model=slippage_model,
            spread_bps=_decimal(spread_bps, "--spread-bps"),
            max_volume_participation=None if max_volume is None else max_volume / 100,
            stop_loss_pct=_decimal(stop_loss_pct, "--stop-loss-pct"),
            take_profit_pct=_decimal(take_profit_pct, "--take-profit-pct"),
            risk=_risk_config(risk or [], risk_file),
            sizing=_sizing_config(sizing, _decimal(sizing_risk_pct, "--sizing-risk-pct")),
            exits=exit_config_from_pairs(exit_) if exit_ else ExitConfig(),
        )
        settings = load_settings()
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        target = output or settings.data_dir / "backtests" / f"{stamp}-{strategy}"
        request = BacktestRequest(
            strategy=strategy,
            symbol=symbol,
            timeframe=timeframe,
            config=config,
            output=target,
            exchange=exchange or settings.default_exchange,
            params=parse_params(param or []),
            data_file=data,
            start_ms=None if start is None else parse_time(start, "--from"),
            end_ms=None if end is None else parse_time(end, "--to"),
            path=path,  # type: ignore[arg-type]
        )
        bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        task = bar.add_task("backtest", total=None)

        def started(total: int, chosen: str) -> None:
            # Shown only once the inputs are valid and the data is loaded.
            bar.start()
            bar.update(task, total=total, description=f"backtest ({chosen} path)")

        try:
            outcome = run_backtest_job(
                request,
                settings.candles_dir,
                started,
                lambda done: bar.update(task, completed=done),
            )
        finally:
            if bar.live.is_started:
                bar.stop()
    _print_summary(outcome, request)


def _fmt(value: object, suffix: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}{suffix}"
    return f"{value}{suffix}"


def _print_summary(outcome: BacktestOutcome, req: BacktestRequest) -> None:
    m: Metrics = outcome.metrics
    console = Console()
    for warning in outcome.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    table = Table(
        title=f"{req.strategy} {req.symbol} {req.timeframe} - {outcome.candles:,} candles, "
        f"{outcome.result.path} path",
        show_header=False,
    )
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    rows = [
        ("Total return", _fmt(m.total_return_pct, " %")),
        ("CAGR", _fmt(m.cagr_pct, " %")),
        ("Sharpe", _fmt(m.sharpe)),
        ("Sortino", _fmt(m.sortino)),
        ("Calmar", _fmt(m.calmar)),
        ("Max drawdown", _fmt(m.max_drawdown_pct, " %")),
        ("Max drawdown duration", _duration(m.max_drawdown_duration_ms)),
        ("Trades", _fmt(m.number_of_trades)),
        ("Win rate", _fmt(m.win_rate_pct, " %")),
        ("Profit factor", _fmt(m.profit_factor)),
        ("Expectancy", _fmt(m.expectancy)),
        ("Exposure", _fmt(m.exposure_pct, " %")),
        ("Fees paid", _fmt(m.fees_paid)),
        ("Average holding", _duration(m.avg_holding_ms)),
        ("Final equity", _fmt(m.final_equity)),
        ("Denied orders", _denials(outcome)),
        ("Breaker trips", _breaker_trips(outcome)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(
        f"Results written to [bold]{req.output}[/] ({', '.join(p.name for p in outcome.files)})"
    )


def _denials(outcome: BacktestOutcome) -> str:
    by_rule = denials_by_rule(outcome.result)
    if not by_rule:
        return str(outcome.result.denials)
    detail = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items(), key=lambda x: -x[1]))
    return f"{outcome.result.denials} ({detail})"


def _breaker_trips(outcome: BacktestOutcome) -> str:
    trips = [
        e.rule.split(":")[0]
        for e in outcome.result.risk_journal
        if e.rule.endswith(":breaker_tripped")
    ]
    if not trips:
        return "none" if outcome.result.risk_journal is not None else "n/a"
    counts = {name: trips.count(name) for name in sorted(set(trips))}
    return ", ".join(f"{name} {n}" for name, n in counts.items())


def _duration(ms: float | int | None) -> str:
    if ms is None:
        return "n/a"
    minutes = int(ms) // 60_000
    days, rem = divmod(minutes, 1440)
    hours, mins = divmod(rem, 60)
    return f"{days}d {hours}h {mins}m" if days else f"{hours}h {mins}m"
