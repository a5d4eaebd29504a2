"""Stochastic (indicators/stochastic.py): batch equals TA-Lib, incremental equals batch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.stochastic import (
    Stochastic,
    StochasticLines,
    StochasticPoint,
    stochastic,
)

PARAMETERS = ((14, 3, 3), (9, 1, 4))


def _incremental(
    rows: list[tuple[float, float, float]], fastk: int, slowk: int, slowd: int
) -> np.ndarray:
    update = Stochastic(fastk, slowk, slowd).update
    return np.array([update(*row) for row in rows], dtype=np.float64).reshape(-1, 2)


def _columns(rows: list[tuple[float, float, float]]) -> list[np.ndarray]:
    return [np.array(column) for column in zip(*rows, strict=True)]


@pytest.mark.parametrize(("fastk", "slowk", "slowd"), PARAMETERS)
def test_stochastic_on_real_candles_equals_talib(real_candles, fastk, slowk, slowd) -> None:
    c = real_candles
    ours = stochastic(c.high, c.low, c.close, fastk, slowk, slowd)
    theirs = talib.STOCH(c.high, c.low, c.close, fastk, slowk, 0, slowd, 0)
    for a, b in zip(ours, theirs, strict=True):
        assert np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize(("fastk", "slowk", "slowd"), PARAMETERS)
def test_stochastic_incremental_on_real_candles_equals_batch(
    real_candles, fastk, slowk, slowd, series_match
) -> None:
    c = real_candles
    incremental = _incremental(c.rows(), fastk, slowk, slowd)
    for column, line in enumerate(stochastic(c.high, c.low, c.close, fastk, slowk, slowd)):
        series_match(incremental[:, column], line)


def test_stochastic_unsmoothed_on_three_candles_gives_hand_computed_value() -> None:
    # window lows 1..3, highs 3..5: L = 1, H = 5; (4 - 1) / (5 - 1) * 100 = 75
    rows = [(3.0, 1.0, 2.0), (4.0, 2.0, 4.0), (5.0, 3.0, 4.0)]
    lines = stochastic(*_columns(rows), 3, 1, 1)
    assert lines.k[2] == lines.d[2] == 75.0
    assert _incremental(rows, 3, 1, 1)[2].tolist() == [75.0, 75.0]


def test_stochastic_smoothing_averages_raw_k_then_k() -> None:
    # fastk 1: raw %K = (close - low) / (high - low) * 100 per candle: 0, 50, 100, 50
    rows = [(2.0, 0.0, 0.0), (2.0, 0.0, 1.0), (2.0, 0.0, 2.0), (2.0, 0.0, 1.0)]
    out = _incremental(rows, 1, 2, 2)
    assert np.isnan(out[:2]).all()
    assert out[2:].tolist() == [[75.0, 50.0], [75.0, 75.0]]
    lines = stochastic(*_columns(rows), 1, 2, 2)
    np.testing.assert_array_equal(lines.k, out[:, 0])
    np.testing.assert_array_equal(lines.d, out[:, 1])


def test_stochastic_flat_range_gives_zero() -> None:
    rows = [(5.0, 5.0, 5.0)] * 6
    assert _incremental(rows, 3, 1, 1)[2:].tolist() == [[0.0, 0.0]] * 4
    assert stochastic(*_columns(rows), 3, 1, 1).k[2:].tolist() == [0.0] * 4


def test_stochastic_returns_named_lines_and_points() -> None:
    close = np.arange(1.0, 40.0)
    assert isinstance(stochastic(close + 1, close - 1, close), StochasticLines)
    assert isinstance(Stochastic().update(2.0, 1.0, 1.5), StochasticPoint)


@pytest.mark.parametrize(("fastk", "slowk", "slowd"), [(14, 3, 3), (1, 1, 1), (5, 4, 2)])
def test_stochastic_warmup_matches_the_batch_leading_nans(
    fastk, slowk, slowd, count_leading_nans
) -> None:
    close = np.sin(np.arange(60.0)) * 5 + 50.0
    lines = stochastic(close + 1.0, close - 1.0, close, fastk, slowk, slowd)
    expected = fastk + slowk + slowd - 2
    assert Stochastic(fastk, slowk, slowd).warmup == expected
    assert count_leading_nans(lines.k) + 1 == count_leading_nans(lines.d) + 1 == expected


def test_stochastic_incremental_is_nan_until_the_warmup() -> None:
    indicator = Stochastic(3, 2, 2)
    points = [indicator.update(float(i) + 1, float(i), float(i) + 0.5) for i in range(6)]
    assert all(math.isnan(p.k) and math.isnan(p.d) for p in points[:4])
    assert not math.isnan(points[4].d)


@pytest.mark.parametrize(("fastk", "slowk", "slowd"), [(0, 3, 3), (14, 0, 3), (14, 3, -1)])
def test_stochastic_bad_parameters_raise_config_error(fastk, slowk, slowd) -> None:
    ones = np.ones(30)
    with pytest.raises(ConfigError):
        stochastic(ones, ones, ones, fastk, slowk, slowd)
    with pytest.raises(ConfigError):
        Stochastic(fastk, slowk, slowd)
