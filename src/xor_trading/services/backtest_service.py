"""The backtest use case, shared by the CLI and (later) the API.

Order of work: validate everything that can be validated without data (timeframe, symbol,
strategy and parameters, costs), load and check the candles, run, then write the results.
Any bad input fails before a file is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import Metrics, compute_metrics
from xor_trading.backtest.output_files import iso_utc, write_results
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import (
    PathName,
    choose_path,
    other_symbol_series,
    run_backtest,
)
from xor_trading.core.errors import ConfigError, DataError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.importers import load_external
from xor_trading.domain.instruments import Instrument
from xor_trading.exchanges.simulated.markets import load_instrument
from xor_trading.strategy.registry import get_strategy
from xor_trading.timeseries.candle_frame import CandleFrame
from xor_trading.timeseries.price_grid import off_grid_count


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    strategy: str
    symbol: str
    timeframe: str
    config: BacktestConfig
    output: Path
    exchange: str = "binance"
    params: Mapping[str, Any] = field(default_factory=dict)
    data_file: Path | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    path: PathName = "auto"


@dataclass(frozen=True, slots=True)
class BacktestOutcome:
    result: BacktestResult
    metrics: Metrics
    files: list[Path]
    candles: int
    warnings: list[str]


def parse_time(text: str, option: str) -> int:
    """ISO 8601 date or date-time to UTC epoch ms; a time without zone is taken as UTC."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{option} {text!r} is not an ISO 8601 date or time",
            "write it like 2025-06-01 or 2025-06-01T12:00:00Z",
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``["fast=10", "slow=30"]`` to a dict; each item must contain ``=``."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--param {pair!r} is not key=value", "write it like --param fast=10")
        out[key.strip()] = value.strip()
    return out


def _load_frame(req: BacktestRequest, tf: Timeframe, candles_root: Path) -> CandleFrame:
    if req.data_file is not None:
        loaded = load_external(req.data_file, timeframe=tf)
        if loaded.reordered or loaded.duplicates_dropped:
            problem = "is not in time order" if loaded.reordered else "repeats candles"
            raise DataError(
                f"{req.data_file} {problem}",
                f"a backtest reads a file as it is; `xor data import {req.data_file}` sorts and "
                "cleans it into the store",
            )
        frame = loaded.frame
        frame = frame.between(req.start_ms, req.end_ms)
    else:
        store = ParquetCandleStore(candles_root)
        frame = store.read(
            req.exchange, req.symbol, tf, start_ms=req.start_ms, end_ms=req.end_ms
        ).frame
    if frame.is_empty:
        window = f"{iso_utc(req.start_ms) if req.start_ms else 'start'} to " + (
            iso_utc(req.end_ms) if req.end_ms else "end"
        )
        raise DataError(
            f"no {req.symbol} {tf} candles from {window}",
            "widen --from/--to; `xor data list` shows the stored ranges",
        )
    return frame


def _load_other_symbols(
    req: BacktestRequest,
    tf: Timeframe,
    instrument: Instrument,
    candles_root: Path,
    frame: CandleFrame,
) -> dict[tuple[str, str], CandleFrame]:
    """Candles of the other symbols the strategy reads, over the same period, from the store."""
    wanted = other_symbol_series(req.strategy, req.params, instrument, req.config, tf.ms)
    store = ParquetCandleStore(candles_root)
    start, end = int(frame.ts_ms[0]), int(frame.ts_ms[-1]) + tf.ms
    return {
        (symbol, timeframe): store.read(req.exchange, symbol, timeframe, start_ms=start,
                                        end_ms=end).frame
        for symbol, timeframe in wanted
    }  # fmt: skip


def denials_by_rule(result: BacktestResult) -> dict[str, int]:
    """How many orders each rule denied (breaker events, named ``breaker:kind``, excluded)."""
    counts: dict[str, int] = {}
    for entry in result.risk_journal:
        if ":" not in entry.rule:
            counts[entry.rule] = counts.get(entry.rule, 0) + 1
    return counts


def run_backtest_job(
    req: BacktestRequest,
    candles_root: Path,
    progress_start: Callable[[int, str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> BacktestOutcome:
    tf = Timeframe.parse(req.timeframe)
    instrument: Instrument = load_instrument(req.exchange, req.symbol)
    strategy_cls = get_strategy(req.strategy)
    strategy_cls.config_class.parse_params(dict(req.params), req.strategy)  # fail before loading
    if req.start_ms is not None and req.end_ms is not None and req.start_ms >= req.end_ms:
        raise ConfigError("--from must be before --to", "swap them or widen the range")
    frame = _load_frame(req, tf, candles_root)
    warnings = []
    if not req.config.risk.enabled:
        warnings.append(
            "RISK LIMITS OFF: no position caps, breakers or kill switch applied "
            "(a research run; a bot would trade under its risk profile)"
        )
    off = off_grid_count(frame.close, instrument.tick_size)
    if off:
        warnings.append(
            f"{off} closes are finer than the tick size {instrument.tick_size}; "
            "prices were rounded to the nearest tick"
        )
    path = choose_path(strategy_cls, req.config, instrument) if req.path == "auto" else req.path
    if progress_start is not None:
        progress_start(len(frame), path)
    series = _load_other_symbols(req, tf, instrument, candles_root, frame)
    result = run_backtest(
        frame, instrument, req.strategy, req.params, req.config, path, progress, series
    )
    metrics = compute_metrics(result.trades, result.curve, req.config.capital, tf.ms)
    run_info = {
        "strategy": req.strategy,
        "params": dict(req.params),
        "exchange": req.exchange,
        "symbol": instrument.symbol,
        "timeframe": tf.text,
        "path": result.path,
        "candles": len(frame),
        "from": iso_utc(int(frame.ts_ms[0])),
        "to": iso_utc(int(frame.ts_ms[-1]) + tf.ms),
        "denied_orders": result.denials,
        "final_balance": f"{result.final_balance:f}",
        "fill_convention": "signals on a closed candle fill at the next candle's open",
        "config": req.config.model_dump(mode="json"),
        "risk_enabled": req.config.risk.enabled,
        "denials_by_rule": denials_by_rule(result),
        "breaker_events": [e.rule for e in result.risk_journal if ":" in e.rule],
    }
    title = f"{req.strategy} on {instrument.symbol} {tf.text} ({result.path} path)"
    files = write_results(req.output, result, metrics, run_info, title, warnings)
    return BacktestOutcome(result, metrics, files, len(frame), warnings)
