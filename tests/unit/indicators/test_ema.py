"""EMA (indicators/ema.py): batch equals TA-Lib, incremental equals batch to the bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.ema import EMA, ema

PERIODS = (12, 50)
BAD_PERIODS = (0, -1, 100_001, 2.5, True, "3", None)


def _incremental(values: list[float], period: int) -> list[float]:
    update = EMA(period).update
    return [update(value) for value in values]


@pytest.mark.parametrize("period", PERIODS)
def test_ema_on_real_candles_equals_talib(real_candles, period) -> None:
    close = real_candles.close
    assert np.array_equal(ema(close, period), talib.EMA(close, period), equal_nan=True)


@pytest.mark.parametrize("period", PERIODS)
def test_ema_incremental_on_real_candles_equals_batch(real_candles, period, series_match) -> None:
    close = real_candles.close
    series_match(_incremental(close.tolist(), period), ema(close, period))


def test_ema_period_3_on_1_to_6_gives_hand_computed_values() -> None:
    # seed SMA(1, 2, 3) = 2, then k = 0.5: 2 + (4 - 2) / 2 = 3, 4, 5
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    expected = [math.nan, math.nan, 2.0, 3.0, 4.0, 5.0]
    np.testing.assert_array_equal(ema(np.array(values), 3), expected)
    np.testing.assert_array_equal(_incremental(values, 3), expected)


def test_ema_period_4_on_a_step_gives_hand_computed_values() -> None:
    # seed 10, k = 0.4: 10 + 0.4 * (20 - 10) = 14, then 14 + 0.4 * 6 = 16.4
    values = [10.0, 10.0, 10.0, 10.0, 20.0, 20.0]
    out = _incremental(values, 4)
    assert out[3] == 10.0
    assert out[4:] == pytest.approx([14.0, 16.4], rel=1e-15)
    np.testing.assert_array_equal(out, ema(np.array(values), 4))


def test_ema_period_1_returns_the_input_exactly() -> None:
    values = [0.1, 0.2, 0.30000000000000004, 1e300, -5.5]
    assert ema(np.array(values), 1).tolist() == values
    assert _incremental(values, 1) == values


@pytest.mark.parametrize("period", [1, 2, 12, 50])
def test_ema_warmup_matches_the_batch_leading_nans(period, count_leading_nans) -> None:
    values = np.linspace(1.0, 2.0, 80)
    assert EMA(period).warmup == count_leading_nans(ema(values, period)) + 1 == period


def test_ema_input_shorter_than_period_is_all_nan() -> None:
    assert np.isnan(ema(np.array([1.0, 2.0]), 3)).all()
    assert all(math.isnan(v) for v in _incremental([1.0, 2.0], 3))


def test_ema_value_is_nan_until_warm_then_the_latest() -> None:
    indicator = EMA(2)
    indicator.update(1.0)
    assert math.isnan(indicator.value)
    assert indicator.update(3.0) == indicator.value == 2.0


@pytest.mark.parametrize("period", BAD_PERIODS)
def test_ema_bad_period_raises_config_error(period) -> None:
    with pytest.raises(ConfigError):
        ema(np.ones(5), period)
    with pytest.raises(ConfigError):
        EMA(period)
