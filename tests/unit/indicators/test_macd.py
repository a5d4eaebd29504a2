"""MACD (indicators/macd.py): batch equals TA-Lib, incremental equals batch to the bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.macd import MACD, MACDLines, MACDPoint, macd

PARAMETERS = ((12, 26, 9), (5, 35, 5))


def _incremental(values: list[float], fast: int, slow: int, signal: int) -> np.ndarray:
    update = MACD(fast, slow, signal).update
    return np.array([update(value) for value in values], dtype=np.float64).reshape(-1, 3)


@pytest.mark.parametrize(("fast", "slow", "signal"), PARAMETERS)
def test_macd_on_real_candles_equals_talib(real_candles, fast, slow, signal) -> None:
    close = real_candles.close
    lines = macd(close, fast, slow, signal)
    for ours, theirs in zip(lines, talib.MACD(close, fast, slow, signal), strict=True):
        assert np.array_equal(ours, theirs, equal_nan=True)


@pytest.mark.parametrize(("fast", "slow", "signal"), PARAMETERS)
def test_macd_incremental_on_real_candles_equals_batch(
    real_candles, fast, slow, signal, series_match
) -> None:
    close = real_candles.close
    incremental = _incremental(close.tolist(), fast, slow, signal)
    lines = macd(close, fast, slow, signal)
    for column, line in enumerate(lines):
        series_match(incremental[:, column], line)


def test_macd_on_a_straight_line_gives_hand_computed_values() -> None:
    # fast 2 seeded on (2, 3) -> 2.5; slow 3 on (1, 2, 3) -> 2: macd 0.5 from candle 2.
    # On a line both EMAs then move by 1 per candle: macd stays 0.5, signal SMA(0.5, 0.5).
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    lines = macd(np.array(values), 2, 3, 2)
    assert np.isnan(lines.macd[:3]).all()
    assert lines.macd[3:].tolist() == [0.5, 0.5, 0.5]
    assert lines.signal[3:].tolist() == [0.5, 0.5, 0.5]
    assert lines.histogram[3:].tolist() == [0.0, 0.0, 0.0]
    incremental = _incremental(values, 2, 3, 2)
    assert incremental[3:].tolist() == [[0.5, 0.5, 0.0]] * 3


def test_macd_fast_ema_is_seeded_on_the_last_fast_prices_before_slow() -> None:
    # TA-Lib ignores the prices before slow - fast for the fast EMA: changing price 0
    # moves the slow EMA only.
    a = macd(np.array([100.0, 1.0, 2.0, 3.0, 4.0]), 2, 3, 1).macd
    b = macd(np.array([1.0, 1.0, 2.0, 3.0, 4.0]), 2, 3, 1).macd
    assert a[2] == 1.5 - (103.0 / 3.0)
    assert b[2] == 1.5 - (4.0 / 3.0)


def test_macd_signal_1_copies_the_macd_line_and_histogram_is_zero() -> None:
    values = np.cos(np.arange(50.0)) * 10.0 + 100.0
    lines = macd(values, 3, 7, 1)
    valid = ~np.isnan(lines.macd)
    assert np.array_equal(lines.signal[valid], lines.macd[valid])
    assert (lines.histogram[valid] == 0.0).all()


def test_macd_returns_named_lines_and_points() -> None:
    lines = macd(np.arange(1.0, 50.0))
    assert isinstance(lines, MACDLines)
    assert isinstance(MACD().update(1.0), MACDPoint)


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (2, 2, 1), (3, 10, 16)])
def test_macd_warmup_matches_the_batch_leading_nans(fast, slow, signal, count_leading_nans) -> None:
    values = np.sin(np.arange(80.0)) + 10.0
    lines = macd(values, fast, slow, signal)
    expected = slow + signal - 1
    assert MACD(fast, slow, signal).warmup == expected
    for line in lines:
        assert count_leading_nans(line) + 1 == expected


def test_macd_incremental_is_nan_during_the_warmup() -> None:
    indicator = MACD(3, 5, 2)
    points = [indicator.update(float(v)) for v in range(1, 8)]
    assert all(math.isnan(p.macd) and math.isnan(p.signal) for p in points[:5])
    assert not math.isnan(points[5].histogram)


@pytest.mark.parametrize(
    ("fast", "slow", "signal"), [(1, 26, 9), (12, 1, 9), (12, 26, 0), (27, 26, 9), (12.0, 26, 9)]
)
def test_macd_bad_parameters_raise_config_error(fast, slow, signal) -> None:
    with pytest.raises(ConfigError):
        macd(np.ones(60), fast, slow, signal)
    with pytest.raises(ConfigError):
        MACD(fast, slow, signal)
