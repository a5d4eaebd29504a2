"""Run a backtest by strategy name, on either path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.event_path import run_event_path
from xor_trading.backtest.fast_path import (
    FastPathUnsupportedError,
    fast_path_unsupported,
    run_fast_path,
)
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.core.clock import TestClock
from xor_trading.core.errors import ConfigError, DataError
from xor_trading.core.ids import IdGenerator, StrategyId
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.resample import resample
from xor_trading.domain.instruments import Instrument
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.context import StrategyContext, TradeSettings
from xor_trading.strategy.registry import get_strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.timeseries.candle_frame import CandleFrame

PathName = Literal["fast", "event", "auto"]


class _NoPositions:
    def position_quantity(self, symbol: str) -> Any:
        raise RuntimeError("the fast path computes signals without a portfolio")

    def position_avg_entry(self, symbol: str) -> Any:
        raise RuntimeError("the fast path computes signals without a portfolio")


def _detached(
    strategy_cls: type[Strategy[Any]],
    config: Any,
    instrument: Instrument,
    settings: TradeSettings,
    timeframe_ms: int,
) -> Strategy[Any]:
    """A strategy instance used only for its vectorised signals."""
    ctx = StrategyContext(
        strategy_id=StrategyId(strategy_cls.name),
        symbol=instrument.symbol,
        timeframe_ms=timeframe_ms,
        instrument=instrument,
        clock=TestClock(),
        positions=_NoPositions(),
        send=lambda _: None,
        order_ids=IdGenerator("O"),
        settings=settings,
    )
    return strategy_cls(config, ctx)


def choose_path(
    strategy_cls: type[Strategy[Any]], config: BacktestConfig, instrument: Instrument
) -> Literal["fast", "event"]:
    """``auto``: the fast path when the strategy is vectorisable and the settings allow it."""
    vectorised = strategy_cls.vector_signals is not Strategy.vector_signals
    if vectorised and fast_path_unsupported(config, instrument) is None:
        return "fast"
    return "event"


def other_symbol_series(
    strategy: str,
    params: Mapping[str, Any],
    instrument: Instrument,
    config: BacktestConfig,
    timeframe_ms: int,
) -> list[tuple[str, str]]:
    """(symbol, timeframe) of the extra series on other symbols that a backtest must load."""
    strategy_cls = get_strategy(strategy)
    strategy_config = strategy_cls.config_class.parse_params(dict(params), strategy)
    settings = TradeSettings(stake=config.stake, bracket=config.bracket)
    probe = _detached(strategy_cls, strategy_config, instrument, settings, timeframe_ms)
    return [
        (spec.symbol, spec.timeframe)
        for spec in probe.extra_series()
        if spec.symbol is not None and spec.symbol != instrument.symbol
    ]


def series_frames_for(
    strategy: Strategy[Any],
    frame: CandleFrame,
    provided: Mapping[tuple[str, str], CandleFrame],
) -> dict[SeriesSpec, CandleFrame]:
    """The frames of the strategy's extra series: its own symbol's higher timeframes are
    resampled from ``frame``; other symbols must be in ``provided`` (symbol, timeframe)."""
    own = strategy.ctx.symbol
    out: dict[SeriesSpec, CandleFrame] = {}
    for spec in strategy.extra_series():
        symbol = spec.symbol or own
        if symbol == own:
            out[spec] = resample(frame, Timeframe.parse(spec.timeframe))
        elif (symbol, spec.timeframe) in provided:
            out[spec] = provided[(symbol, spec.timeframe)]
        else:
            raise ConfigError(
                f"strategy {strategy.name} reads {symbol} {spec.timeframe} candles, "
                "which were not loaded",
                f"import {symbol} {spec.timeframe} candles with `xor data import`",
            )
    return out


def run_backtest(
    frame: CandleFrame,
    instrument: Instrument,
    strategy: str,
    params: Mapping[str, Any],
    config: BacktestConfig,
    path: PathName = "auto",
    progress: Callable[[int], None] | None = None,
    series: Mapping[tuple[str, str], CandleFrame] | None = None,
) -> BacktestResult:
    """Backtest ``strategy`` (a registered name) with ``params`` on ``frame``.

    ``series`` provides candles of other symbols the strategy reads, keyed by (symbol,
    timeframe). Raises ConfigError for an unknown strategy or parameter, DataError for
    empty data or too little history for the strategy's warm-up.
    """
    strategy_cls = get_strategy(strategy)
    strategy_config = strategy_cls.config_class.parse_params(dict(params), strategy)
    settings = TradeSettings(stake=config.stake, bracket=config.bracket)
    probe = _detached(strategy_cls, strategy_config, instrument, settings, frame.timeframe_ms)
    if len(frame) <= probe.warmup_bars:
        raise DataError(
            f"too little history for the warm-up: {strategy} needs more than "
            f"{probe.warmup_bars} candles and the range holds {len(frame)}",
            "widen --from/--to or choose smaller periods",
        )
    extra = series_frames_for(probe, frame, series or {})
    chosen = choose_path(strategy_cls, config, instrument) if path == "auto" else path
    if chosen == "fast":
        try:
            result = run_fast_path(frame, instrument, probe, config, extra)
        except FastPathUnsupportedError:
            if path != "auto":
                raise
        else:
            if progress is not None:
                progress(len(frame))
            return result
    return run_event_path(
        frame, instrument, strategy_cls, strategy_config, config, progress, series=extra
    )
