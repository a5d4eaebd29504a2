"""Donchian channel (indicators/donchian.py): hand-built values, batch == incremental."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.indicators.donchian import (
    Donchian,
    DonchianChannel,
    RollingExtreme,
    donchian,
    highest,
    lowest,
)

CANDLES = Path("/work/shared/data/candles")
REAL_FILES = ["binance_BTC-USDT_1h.parquet", "binance_ETH-USDT_5m.parquet"]

HIGH = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 1.0])
LOW = np.array([0.5, 2.5, 1.5, 4.5, 3.5, 5.5, 0.5])


@pytest.fixture(scope="module", params=REAL_FILES)
def real(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray]:
    path = CANDLES / request.param
    if not path.exists():
        pytest.skip(f"real candles not available: {path}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(path, columns=["high", "low"])
    return table.column("high").to_numpy(), table.column("low").to_numpy()


def _nan_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to the bit, NaN where either is NaN."""
    return a.shape == b.shape and bool(np.array_equal(a.view(np.uint64), b.view(np.uint64)))


def test_donchian_period_3_gives_hand_computed_channel() -> None:
    upper, middle, lower = donchian(HIGH, LOW, 3)
    assert np.isnan(upper[:2]).all()
    assert np.isnan(lower[:2]).all()
    assert np.isnan(middle[:2]).all()
    assert upper[2:].tolist() == [3.0, 5.0, 5.0, 6.0, 6.0]
    assert lower[2:].tolist() == [0.5, 1.5, 1.5, 3.5, 0.5]
    assert middle[2:].tolist() == [1.75, 3.25, 3.25, 4.75, 3.25]


def test_donchian_window_includes_the_current_candle() -> None:
    channel = donchian(HIGH, LOW, 2)
    assert channel.upper[5] == HIGH[5] == 6.0  # the candle's own high is in its channel
    assert channel.lower[6] == LOW[6] == 0.5


def test_donchian_period_1_is_the_candle_itself() -> None:
    channel = donchian(HIGH, LOW, 1)
    assert channel.upper.tolist() == HIGH.tolist()
    assert channel.lower.tolist() == LOW.tolist()


def test_donchian_period_equal_to_length_gives_one_value_and_longer_gives_none() -> None:
    assert donchian(HIGH, LOW, 7).upper.tolist()[-1] == 6.0
    assert np.isnan(donchian(HIGH, LOW, 7).upper[:-1]).all()
    assert np.isnan(donchian(HIGH, LOW, 8).upper).all()
    assert donchian(np.array([]), np.array([]), 3).upper.shape == (0,)


def test_donchian_returns_a_named_channel_of_float64_arrays() -> None:
    channel = donchian(HIGH.tolist(), LOW.tolist(), 3)  # type: ignore[arg-type]
    assert isinstance(channel, DonchianChannel)
    assert channel._fields == ("upper", "middle", "lower")
    assert all(line.dtype == np.float64 and line.shape == (7,) for line in channel)


@pytest.mark.parametrize("period", [1, 2, 3, 5, 7, 10, 64, 997])
def test_highest_and_lowest_equal_a_sliding_window_on_random_data(period: int) -> None:
    values = np.random.default_rng(period).normal(size=997)
    windows = np.lib.stride_tricks.sliding_window_view(values, period)
    assert highest(values, period)[period - 1 :].tolist() == windows.max(axis=1).tolist()
    assert lowest(values, period)[period - 1 :].tolist() == windows.min(axis=1).tolist()
    assert np.isnan(highest(values, period)[: period - 1]).all()


def test_incremental_donchian_gives_hand_computed_channel_and_nan_warmup() -> None:
    ind = Donchian(3)
    out = [ind.update(h, lw) for h, lw in zip(HIGH.tolist(), LOW.tolist(), strict=True)]
    assert all(math.isnan(v) for v in out[0] + out[1])
    assert [c.upper for c in out[2:]] == [3.0, 5.0, 5.0, 6.0, 6.0]
    assert [c.middle for c in out[2:]] == [1.75, 3.25, 3.25, 4.75, 3.25]
    assert ind.warmup == 3
    assert ind.period == 3


def test_rolling_extreme_drops_values_that_left_the_window() -> None:
    ind = RollingExtreme(3, maximum=True)
    assert [ind.update(v) for v in [9.0, 1.0, 1.0, 2.0, 1.0]][2:] == [9.0, 2.0, 2.0]


def test_donchian_batch_equals_incremental_bit_for_bit_on_real_data(
    real: tuple[np.ndarray, np.ndarray],
) -> None:
    high, low = real
    period = 55
    batch = donchian(high, low, period)
    ind = Donchian(period)
    rows = [ind.update(h, lw) for h, lw in zip(high.tolist(), low.tolist(), strict=True)]
    incremental = [np.array(line, dtype=np.float64) for line in zip(*rows, strict=True)]
    for line, column in zip(batch, incremental, strict=True):
        assert _nan_equal(line, column)
    assert not np.isnan(batch.upper[period - 1 :]).any()


def test_donchian_on_a_prefix_equals_the_prefix_of_the_whole_no_lookahead(
    real: tuple[np.ndarray, np.ndarray],
) -> None:
    high, low = real
    whole = donchian(high, low, 20)
    part = donchian(high[:5_003], low[:5_003], 20)
    for a, b in zip(part, whole, strict=True):
        assert _nan_equal(a, b[:5_003])


@pytest.mark.parametrize("period", [0, -1, 2.5, True, "20"])
def test_donchian_bad_period_raises_config_error_with_hint(period: object) -> None:
    with pytest.raises(ConfigError, match="period must be a whole number") as info:
        donchian(HIGH, LOW, period)  # type: ignore[arg-type]
    assert info.value.hint == "pass for example period=20"
    with pytest.raises(ConfigError):
        Donchian(period)  # type: ignore[arg-type]


def test_donchian_inputs_of_different_lengths_raise_data_error() -> None:
    with pytest.raises(DataError, match="one length") as info:
        donchian(HIGH, LOW[:-1], 3)
    assert info.value.hint
