"""ADX, +DI, -DI (indicators/adx.py): batch equals TA-Lib, incremental equals batch."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.adx import ADX, DirectionalLines, adx, directional_movement

PERIODS = (14, 7)


def _incremental(rows: list[tuple[float, float, float]], period: int) -> np.ndarray:
    """Columns: +DI, -DI, ADX (the order of DirectionalLines)."""
    indicator = ADX(period)
    update = indicator.update
    out = []
    for high, low, close in rows:
        value = update(high, low, close)
        out.append((indicator.plus_di, indicator.minus_di, value))
    return np.array(out, dtype=np.float64).reshape(-1, 3)


@pytest.mark.parametrize("period", PERIODS)
def test_adx_on_real_candles_equals_talib(real_candles, period) -> None:
    c = real_candles
    lines = directional_movement(c.high, c.low, c.close, period)
    assert np.array_equal(lines.adx, talib.ADX(c.high, c.low, c.close, period), equal_nan=True)
    assert np.array_equal(adx(c.high, c.low, c.close, period), lines.adx, equal_nan=True)
    plus = talib.PLUS_DI(c.high, c.low, c.close, period)
    minus = talib.MINUS_DI(c.high, c.low, c.close, period)
    assert np.array_equal(lines.plus_di, plus, equal_nan=True)
    assert np.array_equal(lines.minus_di, minus, equal_nan=True)


@pytest.mark.parametrize("period", PERIODS)
def test_adx_incremental_on_real_candles_equals_batch(real_candles, period, series_match) -> None:
    c = real_candles
    incremental = _incremental(c.rows(), period)
    for column, line in enumerate(directional_movement(c.high, c.low, c.close, period)):
        series_match(incremental[:, column], line)


def test_adx_steady_uptrend_gives_plus_di_100_minus_di_0_and_adx_100() -> None:
    # every candle 1 higher, closing at its high: +DM1 = 1, -DM1 = 0, TR = 1, so the
    # smoothed +DM equals the smoothed TR: +DI 100, -DI 0, every DX 100
    rows = [(float(i + 1), float(i), float(i + 1)) for i in range(12)]
    out = _incremental(rows, 3)
    assert np.isnan(out[:3]).all()
    assert out[3:, 0].tolist() == [100.0] * 9
    assert out[3:, 1].tolist() == [0.0] * 9
    assert np.isnan(out[:5, 2]).all()
    assert out[5:, 2].tolist() == [100.0] * 7
    high, low, close = (np.array(column) for column in zip(*rows, strict=True))
    np.testing.assert_array_equal(adx(high, low, close, 3), out[:, 2])


def test_adx_flat_candles_give_zero_di_and_no_adx_change() -> None:
    rows = [(10.0, 10.0, 10.0)] * 10
    out = _incremental(rows, 2)
    assert out[2:, 0].tolist() == [0.0] * 8
    assert out[3:, 2].tolist() == [0.0] * 7
    high, low, close = (np.array(column) for column in zip(*rows, strict=True))
    lines = directional_movement(high, low, close, 2)
    np.testing.assert_array_equal(lines.plus_di, out[:, 0])
    np.testing.assert_array_equal(lines.adx, out[:, 2])


def test_adx_tiny_price_ranges_match_batch(series_match) -> None:
    # true ranges around 1e-10: TA-Lib 0.8 tests TR > 0 (not |TR| >= 1e-8 as 0.4 did)
    rng = np.random.default_rng(3)
    close = 1e-6 + np.cumsum(rng.normal(0.0, 1e-10, 300))
    high = close + rng.random(300) * 1e-10
    low = close - rng.random(300) * 1e-10
    incremental = _incremental(list(zip(high, low, close, strict=True)), 5)
    for column, line in enumerate(directional_movement(high, low, close, 5)):
        series_match(incremental[:, column], line)


def test_adx_real_values_stay_between_0_and_100(real_candles) -> None:
    c = real_candles
    for line in directional_movement(c.high, c.low, c.close, 14):
        valid = line[~np.isnan(line)]
        assert float(valid.min()) >= 0.0
        assert float(valid.max()) <= 100.0


def test_adx_returns_named_lines() -> None:
    close = np.arange(1.0, 40.0)
    assert isinstance(directional_movement(close + 1, close - 1, close), DirectionalLines)


@pytest.mark.parametrize("period", [2, 14])
def test_adx_warmup_matches_the_batch_leading_nans(period, count_leading_nans) -> None:
    close = np.sin(np.arange(80.0)) * 5 + 50.0
    lines = directional_movement(close + 1.0, close - 1.0, close, period)
    assert ADX(period).warmup == count_leading_nans(lines.adx) + 1 == 2 * period
    assert count_leading_nans(lines.plus_di) == count_leading_nans(lines.minus_di) == period


@pytest.mark.parametrize("period", [1, 0, -1, 100_001, 14.5])
def test_adx_bad_period_raises_config_error(period) -> None:
    ones = np.ones(40)
    with pytest.raises(ConfigError):
        adx(ones, ones, ones, period)
    with pytest.raises(ConfigError):
        directional_movement(ones, ones, ones, period)
    with pytest.raises(ConfigError):
        ADX(period)
