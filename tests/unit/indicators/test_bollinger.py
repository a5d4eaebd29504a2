"""Bollinger bands (indicators/bollinger.py): batch equals TA-Lib, incremental equals batch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.bollinger import Bollinger, BollingerBands, BollingerPoint, bollinger

PARAMETERS = ((20, 2.0), (10, 1.5))


def _incremental(values: list[float], period: int, deviations: float) -> np.ndarray:
    update = Bollinger(period, deviations).update
    return np.array([update(value) for value in values], dtype=np.float64).reshape(-1, 3)


@pytest.mark.parametrize(("period", "deviations"), PARAMETERS)
def test_bollinger_on_real_candles_equals_talib(real_candles, period, deviations) -> None:
    close = real_candles.close
    ours = bollinger(close, period, deviations)
    theirs = talib.BBANDS(close, period, deviations, deviations, 0)
    for a, b in zip(ours, theirs, strict=True):
        assert np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize(("period", "deviations"), PARAMETERS)
def test_bollinger_incremental_on_real_candles_equals_batch(
    real_candles, period, deviations, series_match
) -> None:
    close = real_candles.close
    incremental = _incremental(close.tolist(), period, deviations)
    for column, band in enumerate(bollinger(close, period, deviations)):
        series_match(incremental[:, column], band)


def test_bollinger_period_3_on_1_2_3_gives_population_deviation() -> None:
    # mean 2, population variance (1 + 0 + 1) / 3
    spread = 2.0 * math.sqrt(2.0 / 3.0)
    batch = [float(band[2]) for band in bollinger(np.array([1.0, 2.0, 3.0]), 3, 2.0)]
    incremental = _incremental([1.0, 2.0, 3.0], 3, 2.0)[2].tolist()
    assert incremental == batch
    upper, middle, lower = batch
    assert middle == 2.0
    assert upper == pytest.approx(2.0 + spread, rel=1e-12)
    assert lower == pytest.approx(2.0 - spread, rel=1e-12)


def test_bollinger_flat_series_has_all_bands_on_the_price() -> None:
    values = [7.25] * 8
    for band in bollinger(np.array(values), 4, 2.0):
        assert band[3:].tolist() == [7.25] * 5
    assert _incremental(values, 4, 2.0)[3:].tolist() == [[7.25, 7.25, 7.25]] * 5


def test_bollinger_zero_deviations_puts_the_bands_on_the_middle() -> None:
    bands = bollinger(np.arange(1.0, 30.0), 5, 0.0)
    assert np.array_equal(bands.upper, bands.middle, equal_nan=True)
    assert np.array_equal(bands.lower, bands.middle, equal_nan=True)


def test_bollinger_step_change_after_a_flat_run_matches_batch(series_match) -> None:
    # a flat run (zero variance, TA-Lib recomputes) then a jump (outgoing term dominates)
    values = np.array([100.0] * 30 + [1e6] * 5 + [100.0] * 30 + list(np.arange(30.0)))
    for column, band in enumerate(bollinger(values, 5, 2.0)):
        series_match(_incremental(values.tolist(), 5, 2.0)[:, column], band)


def test_bollinger_returns_named_bands_and_points() -> None:
    assert isinstance(bollinger(np.arange(1.0, 30.0)), BollingerBands)
    assert isinstance(Bollinger().update(1.0), BollingerPoint)


@pytest.mark.parametrize("period", [2, 20])
def test_bollinger_warmup_matches_the_batch_leading_nans(period, count_leading_nans) -> None:
    bands = bollinger(np.sin(np.arange(50.0)) + 3.0, period)
    assert Bollinger(period).warmup == count_leading_nans(bands.middle) + 1 == period


@pytest.mark.parametrize(
    ("period", "deviations"), [(1, 2.0), (0, 2.0), (20, -1.0), (20, math.nan), (20, math.inf)]
)
def test_bollinger_bad_parameters_raise_config_error(period, deviations) -> None:
    with pytest.raises(ConfigError):
        bollinger(np.ones(30), period, deviations)
    with pytest.raises(ConfigError):
        Bollinger(period, deviations)
