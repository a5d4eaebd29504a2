"""The shipped path-agreement check fails when the two paths disagree (it is not vacuous)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal as D

import numpy as np
import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.domain.candles import Candle
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.strategy.signals import Signals
from xor_trading.testing.factories import frame_from_closes, make_instrument
from xor_trading.testing.path_agreement import assert_paths_agree
from xor_trading.timeseries.candle_frame import CandleFrame


@register_strategy
class Disagreeing(Strategy[StrategyConfig]):
    """Buys on the third candle in the event path, on the second in its vector signals."""

    name = "test_disagreeing"
    config_class = StrategyConfig

    def __init__(self, config: StrategyConfig, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(config, context)
        self.seen = 0

    def on_candle(self, candle: Candle) -> None:
        self.seen += 1
        if self.seen == 3:
            self.enter_long(candle)

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals:
        entries = np.zeros(len(frame), dtype=np.bool_)
        entries[1] = True
        return Signals(entries, np.zeros(len(frame), dtype=np.bool_))


def test_assert_paths_agree_catches_a_strategy_whose_paths_differ() -> None:
    with pytest.raises(AssertionError, match="trade 0 differs"):
        assert_paths_agree(frame_from_closes([10, 11, 12, 13, 14]), make_instrument(),
                           "test_disagreeing", {}, BacktestConfig.build(stake=D(100)))  # fmt: skip


def test_assert_paths_agree_passes_for_sma_cross() -> None:
    fast = assert_paths_agree(frame_from_closes([10, 9, 8, 9, 11, 12, 11, 9, 8, 8]),
                              make_instrument(), "sma_cross", {"fast": 2, "slow": 3},
                              BacktestConfig.build(stake=D(100)))  # fmt: skip
    assert len(fast.trades) == 1
