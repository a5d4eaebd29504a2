"""RSI (indicators/rsi.py): batch equals TA-Lib, incremental equals batch to the bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.rsi import RSI, rsi

PERIODS = (14, 6)


def _incremental(values: list[float], period: int) -> list[float]:
    update = RSI(period).update
    return [update(value) for value in values]


@pytest.mark.parametrize("period", PERIODS)
def test_rsi_on_real_candles_equals_talib(real_candles, period) -> None:
    close = real_candles.close
    assert np.array_equal(rsi(close, period), talib.RSI(close, period), equal_nan=True)


@pytest.mark.parametrize("period", PERIODS)
def test_rsi_incremental_on_real_candles_equals_batch(real_candles, period, series_match) -> None:
    close = real_candles.close
    series_match(_incremental(close.tolist(), period), rsi(close, period))


def test_rsi_period_2_on_a_small_series_gives_hand_computed_values() -> None:
    # changes +1 +1 | -1 +2. Seed: gain 2/2 = 1, loss 0 -> 100.
    # -1: gain (1*1 + 0)/2 = 0.5, loss (0*1 + 1)/2 = 0.5 -> 50.
    # +2: gain (0.5 + 2)/2 = 1.25, loss 0.5/2 = 0.25 -> 100 * 1.25 / 1.5.
    values = [1.0, 2.0, 3.0, 2.0, 4.0]
    expected = [math.nan, math.nan, 100.0, 50.0, 100.0 * 1.25 / 1.5]
    np.testing.assert_allclose(rsi(np.array(values), 2), expected, rtol=1e-15)
    np.testing.assert_allclose(_incremental(values, 2), expected, rtol=1e-15)


def test_rsi_flat_series_is_zero_after_the_warmup() -> None:
    values = [5.0] * 6
    expected = [math.nan, math.nan, 0.0, 0.0, 0.0, 0.0]
    np.testing.assert_array_equal(rsi(np.array(values), 2), expected)
    np.testing.assert_array_equal(_incremental(values, 2), expected)


def test_rsi_falling_series_is_zero_and_rising_series_is_100() -> None:
    assert _incremental([5.0, 4.0, 3.0, 2.0], 2)[2:] == [0.0, 0.0]
    assert _incremental([1.0, 2.0, 3.0, 4.0], 2)[2:] == [100.0, 100.0]


def test_rsi_tiny_changes_match_batch(series_match) -> None:
    # gains and losses around 1e-12: TA-Lib 0.8 only tests gain + loss > 0
    rng = np.random.default_rng(4)
    values = 1e-6 + np.cumsum(rng.normal(0.0, 1e-12, 200))
    out = rsi(values, 5)
    assert float(np.nanmax(out)) > 0.0
    series_match(_incremental(values.tolist(), 5), out)


def test_rsi_real_values_stay_between_0_and_100(real_candles) -> None:
    values = rsi(real_candles.close, 14)[14:]
    assert float(values.min()) >= 0.0
    assert float(values.max()) <= 100.0


@pytest.mark.parametrize("period", [2, 14])
def test_rsi_warmup_matches_the_batch_leading_nans(period, count_leading_nans) -> None:
    values = np.sin(np.arange(60.0)) + 10.0
    assert RSI(period).warmup == count_leading_nans(rsi(values, period)) + 1 == period + 1


@pytest.mark.parametrize("period", [1, 0, -1, 100_001, 14.0])
def test_rsi_bad_period_raises_config_error(period) -> None:
    with pytest.raises(ConfigError):
        rsi(np.ones(20), period)
    with pytest.raises(ConfigError):
        RSI(period)
