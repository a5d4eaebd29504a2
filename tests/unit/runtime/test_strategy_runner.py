"""A strategy that raises is stopped with a clear error; the process and other strategies go on."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.event_path import run_event_path
from xor_trading.core.clock import TestClock
from xor_trading.core.errors import StrategyError
from xor_trading.core.ids import Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.candles import Candle
from xor_trading.domain.events import CandleClosed
from xor_trading.exchanges.simulated.fill_models import VenueConfig
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.runtime.kernel import TradingKernel
from xor_trading.runtime.strategy_runner import StrategyStopped
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import TradeSettings
from xor_trading.testing.factories import frame_from_closes, make_candle, make_instrument


class Faulty(Strategy[StrategyConfig]):
    name = "faulty"
    config_class = StrategyConfig

    def __init__(self, config: StrategyConfig, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(config, context)
        self.seen = 0

    def on_candle(self, candle: Candle) -> None:
        self.seen += 1
        if self.seen == 3:
            raise ZeroDivisionError("division by zero")


class Counting(Faulty):
    name = "counting"

    def on_candle(self, candle: Candle) -> None:
        self.seen += 1


def test_faulty_strategy_is_stopped_and_other_strategies_keep_running() -> None:
    inst = make_instrument()
    clock = TestClock()
    venue = SimulatedVenue(clock, [inst], VenueConfig(), {"USDT": D(1000)})
    account = Account("USDT")
    kernel = TradingKernel(clock, venue, [inst], account)
    settings = TradeSettings(stake=D(100))
    faulty = kernel.add_strategy(Faulty, StrategyConfig(), inst, settings, 60_000)
    healthy = kernel.add_strategy(Counting, StrategyConfig(), inst, settings, 60_000)
    stopped: list[StrategyStopped] = []
    kernel.bus.subscribe(StrategyStopped, stopped.append)
    for i in range(5):
        kernel.bus.publish(CandleClosed(Symbol("TST/USDT"), make_candle(100, 101, 99, 100, i=i)))
    assert faulty.failure is not None
    assert faulty.failure.message == "strategy faulty raised ZeroDivisionError: division by zero"
    assert faulty.strategy.seen == 3  # no candle after the failure reached it
    assert healthy.failure is None
    assert healthy.strategy.seen == 5
    assert [s.strategy_id for s in stopped] == ["faulty-1"]


def test_backtest_of_a_faulty_strategy_ends_with_strategy_error() -> None:
    with pytest.raises(StrategyError, match="strategy faulty raised ZeroDivisionError"):
        run_event_path(
            frame_from_closes([10, 11, 12, 13, 14]),
            make_instrument(),
            Faulty,
            StrategyConfig(),
            BacktestConfig.build(stake=D(100)),
        )
