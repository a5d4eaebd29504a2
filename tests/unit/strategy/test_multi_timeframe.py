"""Extra series reach a strategy only after they close: no lookahead, in both paths."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal as D

import numpy as np
import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.domain.candles import Candle
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec, last_closed_index
from xor_trading.strategy.signals import Signals
from xor_trading.testing.factories import MINUTE_MS, T0_MS, frame_from_rows, make_instrument
from xor_trading.timeseries.candle_frame import CandleFrame

FIVE = SeriesSpec("5m")
SEEN: list[tuple[int, int | None]] = []  # (primary open time, last 5m candle seen)


@register_strategy
class FiveMinuteWatcher(Strategy[StrategyConfig]):
    """Records, at each 1m candle, the open time of the last closed 5m candle it can see."""

    name = "test_five_minute_watcher"
    config_class = StrategyConfig

    def extra_series(self) -> list[SeriesSpec]:
        return [FIVE]

    def on_candle(self, candle: Candle) -> None:
        last = self.window(FIVE).last
        SEEN.append((candle.ts_ms, None if last is None else last.ts_ms))

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals:
        assert series is not None
        five = series[FIVE]
        idx = last_closed_index(frame.ts_ms + frame.timeframe_ms, five.ts_ms + five.timeframe_ms)
        SEEN.extend((int(t), None if i < 0 else int(five.ts_ms[i]))
                    for t, i in zip(frame.ts_ms, idx, strict=True))  # fmt: skip
        none = np.zeros(len(frame), dtype=np.bool_)
        return Signals(none, none.copy())


def _frame(n: int) -> CandleFrame:
    # T0_MS is 22:13 UTC; start on a 5-minute boundary so the first 5m bucket is complete.
    return frame_from_rows([(100.0, 101.0, 99.0, 100.0, 1.0)] * n)


@pytest.mark.parametrize("path", ["event", "fast"])
def test_higher_timeframe_candle_is_visible_only_after_it_closes(path: str) -> None:
    SEEN.clear()
    frame = _frame(12)
    run_backtest(frame, make_instrument(), "test_five_minute_watcher", {},
                 BacktestConfig.build(stake=D(100)), path=path)  # type: ignore[arg-type]  # fmt: skip
    first_bucket = T0_MS - T0_MS % (5 * MINUTE_MS) + 5 * MINUTE_MS  # 22:15
    expected = []
    for i in range(12):
        opened = T0_MS + i * MINUTE_MS
        closed = opened + MINUTE_MS
        # the last 5m bucket (starting at or after 22:15) that has closed by this 1m close
        last = None
        start = first_bucket
        while start + 5 * MINUTE_MS <= closed:
            last = start
            start += 5 * MINUTE_MS
        expected.append((opened, last))
    assert expected == SEEN
    # 22:15-22:20 becomes visible with the 1m candle that closes at 22:20, not before.
    assert (first_bucket + 4 * MINUTE_MS, first_bucket) in SEEN
    assert (first_bucket + 3 * MINUTE_MS, None) in SEEN
