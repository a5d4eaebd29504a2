"""The event path's clock and its one-off time check (backtest/bar_clock.py), and the event
path refusing candles that would move its clock backwards."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pytest

from xor_trading.backtest import bar_clock
from xor_trading.backtest.bar_clock import BarClock, check_candle_times
from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.runner import run_backtest
from xor_trading.testing.factories import frame_from_closes, make_instrument
from xor_trading.timeseries.candle_frame import CandleFrame

TF = 60_000


def test_bar_clock_now_ms_reads_the_time_the_driver_set() -> None:
    clock = BarClock(1_000)
    assert clock.now_ms() == 1_000
    clock.now = 61_000
    assert clock.now_ms() == 61_000


@pytest.mark.parametrize(
    "ts",
    [[], [0], [0, TF, 2 * TF], [0, TF, 5 * TF]],  # empty, one candle, contiguous, with a gap
)
def test_check_candle_times_accepts_candles_opening_at_or_after_the_previous_close(
    ts: list[int],
) -> None:
    check_candle_times(np.array(ts, dtype=np.int64), TF)  # no error


@pytest.mark.parametrize(
    ("ts", "message"),
    [
        ([0, TF, TF + 1_000], f"{TF + 1_000} < {2 * TF}"),  # overlaps the previous candle
        ([0, 2 * TF, TF], f"{TF} < {3 * TF}"),  # out of order
        ([0, 0], f"0 < {TF}"),  # a duplicate
    ],
)
def test_check_candle_times_raises_the_error_the_clock_would_have_raised(
    ts: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^time cannot go backwards: {message}$"):
        check_candle_times(np.array(ts, dtype=np.int64), TF)


def test_check_candle_times_names_the_first_bad_pair_across_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bar_clock, "_BLOCK", 4)
    ts = np.arange(20, dtype=np.int64) * TF
    ts[9] = ts[8]  # the first offending candle, in the third block
    ts[15] = 0  # a later one
    with pytest.raises(ValueError, match=f"^time cannot go backwards: {8 * TF} < {9 * TF}$"):
        check_candle_times(ts, TF)


def test_event_path_refuses_overlapping_candles_before_trading() -> None:
    good = frame_from_closes([10, 9, 8, 9, 11, 12, 11, 9, 8, 8])
    ts = good.ts_ms.copy()
    ts[5] = ts[4] + TF // 2  # opens before the previous candle closed
    frame = CandleFrame(
        ts, good.open, good.high, good.low, good.close, good.volume, good.timeframe_ms
    )
    with pytest.raises(ValueError, match=r"^time cannot go backwards: "):
        run_backtest(
            frame, make_instrument(), "sma_cross", {"fast": 2, "slow": 3},
            BacktestConfig.build(stake=D(100)), path="event",
        )  # fmt: skip
