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
from xor_trading.core.ids import IdGenerator, StrategyId
from xor_trading.domain.instruments import Instrument
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.context import StrategyContext, TradeSettings
from xor_trading.strategy.registry import get_strategy
from xor_trading.timeseries.candle_frame import CandleFrame

PathName = Literal["fast", "event", "auto"]


class _NoPositions:
    def position_quantity(self, symbol: str) -> Any:
        raise RuntimeError("the fast path computes signals without a portfolio")


def _detached(
    strategy_cls: type[Strategy[Any]], config: Any, instrument: Instrument, settings: TradeSettings
) -> Strategy[Any]:
    """A strategy instance used only for its vectorised signals."""
    ctx = StrategyContext(
        strategy_id=StrategyId(strategy_cls.name),
        symbol=instrument.symbol,
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


def run_backtest(
    frame: CandleFrame,
    instrument: Instrument,
    strategy: str,
    params: Mapping[str, Any],
    config: BacktestConfig,
    path: PathName = "auto",
    progress: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Backtest ``strategy`` (a registered name) with ``params`` on ``frame``.

    Raises ConfigError for an unknown strategy or parameter, DataError for empty data.
    """
    strategy_cls = get_strategy(strategy)
    strategy_config = strategy_cls.config_class.parse_params(dict(params), strategy)
    chosen = choose_path(strategy_cls, config, instrument) if path == "auto" else path
    if chosen == "fast":
        settings = TradeSettings(stake=config.stake, bracket=config.bracket)
        instance = _detached(strategy_cls, strategy_config, instrument, settings)
        try:
            result = run_fast_path(frame, instrument, instance, config)
        except FastPathUnsupportedError:
            if path != "auto":
                raise
        else:
            if progress is not None:
                progress(len(frame))
            return result
    return run_event_path(frame, instrument, strategy_cls, strategy_config, config, progress)
