"""Runs one strategy instance: feeds it its candles and fills, and contains its failures.

Candles are routed by series: the strategy's primary series (its symbol and timeframe) goes
to ``on_candle``; each extra series it declared goes to its window and ``on_series_candle``.
Fills of the strategy's own orders go to ``on_fill`` after the portfolio has booked them.

An exception raised by strategy code stops that strategy (``failure`` is set and a
:class:`StrategyStopped` event is published); it never propagates into the engine or the
process. The candles of other strategies keep flowing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.errors import StrategyError
from xor_trading.core.ids import StrategyId
from xor_trading.core.timeframes import Timeframe
from xor_trading.domain.events import CandleClosed, OrderFilled
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.series import CandleWindow, SeriesSpec

WINDOW_SIZE = 500  # candles kept per extra series


@dataclass(frozen=True, slots=True)
class StrategyStopped:
    strategy_id: StrategyId
    reason: str
    ts_ms: int


class StrategyRunner:
    def __init__(self, bus: MessageBus, strategy: Strategy[Any]) -> None:
        self._bus = bus
        self.strategy = strategy
        self.failure: StrategyError | None = None
        ctx = strategy.ctx
        self._symbol = ctx.symbol
        self._timeframe_ms = ctx.timeframe_ms
        self._on_candle = strategy.on_candle  # bound once: called for every candle
        # (symbol, timeframe_ms) -> spec, for every extra series
        self._extra: dict[tuple[str, int], SeriesSpec] = {}
        for spec in strategy.extra_series():
            key = (spec.symbol or ctx.symbol, Timeframe.parse(spec.timeframe).ms)
            self._extra[key] = spec
            strategy._windows[spec] = CandleWindow(WINDOW_SIZE)
        bus.subscribe(CandleClosed, self._on_candle_closed)
        if type(strategy).on_fill is not Strategy.on_fill:  # only strategies that listen
            bus.subscribe(OrderFilled, self._on_filled)

    @property
    def extra_series(self) -> dict[tuple[str, int], SeriesSpec]:
        return dict(self._extra)

    def start(self) -> None:
        self._guard(self.strategy.on_start, 0)

    def _on_candle_closed(self, event: CandleClosed) -> None:
        symbol, candle = event
        if symbol == self._symbol and candle[6] == self._timeframe_ms and self.failure is None:
            try:  # the primary series: the hot path, one call per candle
                self._on_candle(candle)
            except Exception as exc:
                self._fail(exc, candle.close_ms)
            return
        if self.failure is not None:
            return
        spec = self._extra.get((symbol, candle.timeframe_ms))
        if spec is not None:
            self.strategy._windows[spec].append(candle)
            self._guard(lambda: self.strategy.on_series_candle(spec, candle), candle.close_ms)

    def _on_filled(self, event: OrderFilled) -> None:
        if event.strategy_id == self.strategy.ctx.strategy_id and self.failure is None:
            self._guard(lambda: self.strategy.on_fill(event.fill), event.fill.ts_ms)

    def _guard(self, call: Callable[[], Any], ts_ms: int) -> None:
        try:
            call()
        except Exception as exc:
            self._fail(exc, ts_ms)

    def _fail(self, exc: Exception, ts_ms: int) -> None:
        name = self.strategy.name
        self.failure = StrategyError(
            f"strategy {name} raised {type(exc).__name__}: {exc}",
            "fix the strategy code; the strategy was stopped and no further orders were sent",
        )
        self.failure.__cause__ = exc
        self._bus.publish(
            StrategyStopped(self.strategy.ctx.strategy_id, self.failure.message, ts_ms)
        )
