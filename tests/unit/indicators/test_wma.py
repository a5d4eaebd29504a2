"""WMA (indicators/wma.py): batch equals TA-Lib, incremental equals batch to the bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.wma import WMA, wma

PERIODS = (10, 30)


def _incremental(values: list[float], period: int) -> list[float]:
    update = WMA(period).update
    return [update(value) for value in values]


@pytest.mark.parametrize("period", PERIODS)
def test_wma_on_real_candles_equals_talib(real_candles, period) -> None:
    close = real_candles.close
    assert np.array_equal(wma(close, period), talib.WMA(close, period), equal_nan=True)


@pytest.mark.parametrize("period", PERIODS)
def test_wma_incremental_on_real_candles_equals_batch(real_candles, period, series_match) -> None:
    # the real files are long enough for thousands of TA-Lib's 8 * period recomputes
    close = real_candles.close
    series_match(_incremental(close.tolist(), period), wma(close, period))


def test_wma_period_3_on_1_to_4_gives_hand_computed_values() -> None:
    # (1*1 + 2*2 + 3*3) / 6 and (2*1 + 3*2 + 4*3) / 6
    values = [1.0, 2.0, 3.0, 4.0]
    expected = [math.nan, math.nan, 14.0 / 6.0, 20.0 / 6.0]
    np.testing.assert_array_equal(wma(np.array(values), 3), expected)
    np.testing.assert_array_equal(_incremental(values, 3), expected)


def test_wma_period_1_returns_the_input_exactly() -> None:
    values = [0.1, 0.2, 0.30000000000000004, -5.5]
    assert wma(np.array(values), 1).tolist() == values
    assert _incremental(values, 1) == values


@pytest.mark.parametrize("period", [1, 2, 10])
def test_wma_warmup_matches_the_batch_leading_nans(period, count_leading_nans) -> None:
    values = np.linspace(1.0, 2.0, 40)
    assert WMA(period).warmup == count_leading_nans(wma(values, period)) + 1 == period


@pytest.mark.parametrize("period", [0, -3, 100_001, 1.0])
def test_wma_bad_period_raises_config_error(period) -> None:
    with pytest.raises(ConfigError):
        wma(np.ones(5), period)
    with pytest.raises(ConfigError):
        WMA(period)
