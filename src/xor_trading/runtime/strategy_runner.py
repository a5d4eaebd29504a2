"""Runs one strategy instance: feeds it its candles and contains its failures.

An exception raised by strategy code stops that strategy (``failure`` is set and a
:class:`StrategyStopped` event is published); it never propagates into the engine or the
process. The candles of other strategies keep flowing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.errors import StrategyError
from xor_trading.core.ids import StrategyId
from xor_trading.domain.events import CandleClosed
from xor_trading.strategy.base import Strategy


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
        self._symbol = strategy.ctx.symbol
        self._on_candle = strategy.on_candle  # bound once: called for every candle
        bus.subscribe(CandleClosed, self._on_candle_closed)

    def start(self) -> None:
        self._guard(self.strategy.on_start, 0)

    def _on_candle_closed(self, event: CandleClosed) -> None:
        symbol, candle = event
        if symbol != self._symbol or self.failure is not None:
            return
        try:
            self._on_candle(candle)
        except Exception as exc:
            self._fail(exc, candle.close_ms)

    def _guard(self, call: Any, ts_ms: int) -> None:
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
