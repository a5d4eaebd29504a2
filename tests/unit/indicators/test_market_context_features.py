"""Rolling extremes and mid-rank of the market context: batch == brute force == incremental."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from xor_trading.indicators.market_context_features import (
    BLOCK_ROWS,
    RollingExtreme,
    RollingMidRank,
    mid_rank,
    rolling_max,
    rolling_mid_rank,
    rolling_min,
)

# Small integers make ties common, which is where ranks and extremes go wrong.
_values = st.lists(st.integers(-5, 5).map(float), min_size=0, max_size=120)


def _brute_mid_rank(values: list[float], window: int) -> list[float]:
    out = []
    for i, value in enumerate(values):
        if i < window - 1:
            out.append(math.nan)
            continue
        block = values[i - window + 1 : i + 1]
        greater = sum(1 for x in block if x > value)
        equal = sum(1 for x in block if x == value)
        out.append((greater + 0.5 * (equal - 1)) / (window - 1))
    return out


def test_mid_rank_lowest_highest_and_all_equal_give_1_0_and_half() -> None:
    assert mid_rank(greater=4, equal=1, window=5) == 1.0
    assert mid_rank(greater=0, equal=1, window=5) == 0.0
    assert mid_rank(greater=0, equal=5, window=5) == 0.5


def test_rolling_mid_rank_on_hand_values_gives_hand_ranks() -> None:
    out = rolling_mid_rank(np.array([3.0, 1.0, 2.0, 2.0, 5.0]), 3)
    assert np.isnan(out[:2]).all()
    # [3,1,2] -> 2 has one above (3): 1/2; [1,2,2] -> 0 above, one tie: 0.25; [2,2,5] -> 0.
    assert out[2:].tolist() == [0.5, 0.25, 0.0]


@settings(max_examples=80, deadline=None)
@given(values=_values, window=st.integers(1, 12))
def test_rolling_extremes_equal_sliding_window_and_incremental(
    values: list[float], window: int
) -> None:
    arr = np.array(values, dtype=np.float64)
    highest, lowest = rolling_max(arr, window), rolling_min(arr, window)
    assert np.isnan(highest[: window - 1]).all()
    if len(values) >= window:
        assert np.array_equal(highest[window - 1 :], sliding_window_view(arr, window).max(axis=1))
        assert np.array_equal(lowest[window - 1 :], sliding_window_view(arr, window).min(axis=1))
    up, down = RollingExtreme(window, highest=True), RollingExtreme(window, highest=False)
    assert np.array_equal([up.update(v) for v in values], highest, equal_nan=True)
    assert np.array_equal([down.update(v) for v in values], lowest, equal_nan=True)


@settings(max_examples=80, deadline=None)
@given(values=_values, window=st.integers(2, 12))
def test_rolling_mid_rank_equals_brute_force_and_incremental(
    values: list[float], window: int
) -> None:
    batch = rolling_mid_rank(np.array(values, dtype=np.float64), window)
    assert np.array_equal(batch, _brute_mid_rank(values, window), equal_nan=True)
    ranker = RollingMidRank(window)
    assert np.array_equal([ranker.update(v) for v in values], batch, equal_nan=True)


def test_rolling_mid_rank_across_block_boundaries_equals_brute_force() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 50, BLOCK_ROWS + 500).astype(np.float64)
    batch = rolling_mid_rank(values, 9)
    tail = slice(BLOCK_ROWS - 300, BLOCK_ROWS + 500)
    expected = _brute_mid_rank(values.tolist(), 9)[tail]
    assert np.array_equal(batch[tail], expected)


@pytest.mark.parametrize("bad", [0, -1])
def test_rolling_extreme_window_below_1_raises(bad: int) -> None:
    with pytest.raises(ValueError, match="window"):
        rolling_max(np.ones(3), bad)
    with pytest.raises(ValueError, match="window"):
        RollingExtreme(bad, highest=True)


def test_rolling_mid_rank_window_below_2_raises() -> None:
    with pytest.raises(ValueError, match="window"):
        rolling_mid_rank(np.ones(3), 1)
    with pytest.raises(ValueError, match="window"):
        RollingMidRank(1)
