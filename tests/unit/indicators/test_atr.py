"""ATR (indicators/atr.py): batch equals TA-Lib, incremental equals batch to the bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.atr import ATR, atr

PERIODS = (14, 5)

# (high, low, close); true ranges from candle 1: 2, 2, 5
CANDLES = [(10.0, 8.0, 9.0), (11.0, 9.0, 10.0), (12.0, 10.0, 11.0), (10.0, 6.0, 7.0)]


def _incremental(rows: list[tuple[float, float, float]], period: int) -> list[float]:
    update = ATR(period).update
    return [update(high, low, close) for high, low, close in rows]


def _columns(rows: list[tuple[float, float, float]]) -> list[np.ndarray]:
    return [np.array(column) for column in zip(*rows, strict=True)]


@pytest.mark.parametrize("period", PERIODS)
def test_atr_on_real_candles_equals_talib(real_candles, period) -> None:
    c = real_candles
    ours = atr(c.high, c.low, c.close, period)
    assert np.array_equal(ours, talib.ATR(c.high, c.low, c.close, period), equal_nan=True)


@pytest.mark.parametrize("period", PERIODS)
def test_atr_incremental_on_real_candles_equals_batch(real_candles, period, series_match) -> None:
    c = real_candles
    series_match(_incremental(c.rows(), period), atr(c.high, c.low, c.close, period))


def test_atr_period_2_on_four_candles_gives_hand_computed_values() -> None:
    # first ATR = (2 + 2) / 2; then Wilder: (2 * 1 + 5) / 2 = 3.5
    expected = [math.nan, math.nan, 2.0, 3.5]
    np.testing.assert_array_equal(atr(*_columns(CANDLES), 2), expected)
    np.testing.assert_array_equal(_incremental(CANDLES, 2), expected)


def test_atr_true_range_uses_the_previous_close_on_gaps() -> None:
    # a gap up: high - low is 1 but the distance from the previous close is 10
    rows = [(10.0, 9.0, 10.0), (21.0, 20.0, 20.5)]
    np.testing.assert_array_equal(_incremental(rows, 1), [math.nan, 11.0])
    np.testing.assert_array_equal(atr(*_columns(rows), 1), [math.nan, 11.0])


def test_atr_period_1_is_the_true_range() -> None:
    expected = [math.nan, 2.0, 2.0, 5.0]
    np.testing.assert_array_equal(atr(*_columns(CANDLES), 1), expected)
    np.testing.assert_array_equal(_incremental(CANDLES, 1), expected)


@pytest.mark.parametrize("period", [1, 2, 14])
def test_atr_warmup_matches_the_batch_leading_nans(period, count_leading_nans) -> None:
    close = np.sin(np.arange(60.0)) + 10.0
    out = atr(close + 0.5, close - 0.5, close, period)
    assert ATR(period).warmup == count_leading_nans(out) + 1 == period + 1


@pytest.mark.parametrize("period", [0, -1, 100_001, None])
def test_atr_bad_period_raises_config_error(period) -> None:
    with pytest.raises(ConfigError):
        atr(np.ones(20), np.ones(20), np.ones(20), period)
    with pytest.raises(ConfigError):
        ATR(period)
