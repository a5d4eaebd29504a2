"""Simple moving average (indicators/moving_average.py): batch and incremental, equal to the bit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from xor_trading.indicators.moving_average import IncrementalSMA, sma

ETH_1M = Path("/work/shared/data/candles/binance_ETH-USDT_1m.parquet")


@pytest.fixture(scope="module")
def eth_close() -> np.ndarray:
    if not ETH_1M.exists():
        pytest.skip(f"real data not available: {ETH_1M}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    close = pq.read_table(ETH_1M, columns=["close"]).column("close").to_numpy()
    assert close.dtype == np.float64
    assert close.shape[0] > 100_000
    return np.ascontiguousarray(close)


def _incremental(values: np.ndarray, period: int) -> np.ndarray:
    ind = IncrementalSMA(period)
    return np.array([ind.update(float(v)) for v in values], dtype=np.float64)


def test_sma_period_3_on_1_to_5_gives_hand_computed_values() -> None:
    out = sma(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 3)
    assert np.isnan(out[:2]).all()
    assert out[2:].tolist() == [2.0, 3.0, 4.0]


def test_incremental_sma_period_3_on_1_to_5_gives_hand_computed_values() -> None:
    ind = IncrementalSMA(3)
    out = [ind.update(v) for v in [1.0, 2.0, 3.0, 4.0, 5.0]]
    assert math.isnan(out[0])
    assert math.isnan(out[1])
    assert out[2:] == [2.0, 3.0, 4.0]


def test_sma_period_1_returns_the_input_exactly() -> None:
    values = np.array([0.1, 0.2, 0.30000000000000004, 1e300, -5.5])
    assert sma(values, 1).tolist() == values.tolist()


def test_sma_period_equal_to_length_gives_one_value() -> None:
    out = sma(np.array([1.0, 2.0, 3.0, 6.0]), 4)
    assert np.isnan(out[:3]).all()
    assert out[3] == 3.0


def test_sma_period_longer_than_input_is_all_nan() -> None:
    out = sma(np.array([1.0, 2.0, 3.0]), 4)
    assert out.shape == (3,)
    assert np.isnan(out).all()


def test_sma_empty_input_gives_empty_output() -> None:
    assert sma(np.array([], dtype=np.float64), 3).shape == (0,)


def test_sma_accepts_lists_ints_and_non_contiguous_views() -> None:
    assert sma([1, 2, 3, 4], 2)[1:].tolist() == [1.5, 2.5, 3.5]  # type: ignore[arg-type]
    strided = np.array([1.0, 99.0, 2.0, 99.0, 3.0, 99.0])[::2]
    assert sma(strided, 3)[2] == 2.0


def test_sma_output_is_float64_and_same_length() -> None:
    out = sma(np.arange(10, dtype=np.float64), 3)
    assert out.dtype == np.float64
    assert out.shape == (10,)


@pytest.mark.parametrize("period", [0, -1])
def test_sma_period_below_one_raises_value_error(period: int) -> None:
    with pytest.raises(ValueError, match=f"period must be at least 1, got {period}"):
        sma(np.array([1.0, 2.0]), period)


@pytest.mark.parametrize("period", [0, -3])
def test_incremental_sma_period_below_one_raises_value_error(period: int) -> None:
    with pytest.raises(ValueError, match=f"period must be at least 1, got {period}"):
        IncrementalSMA(period)


def test_incremental_sma_period_property() -> None:
    assert IncrementalSMA(30).period == 30


def test_incremental_sma_nan_until_period_values_seen() -> None:
    ind = IncrementalSMA(4)
    assert [math.isnan(ind.update(1.0)) for _ in range(3)] == [True, True, True]
    assert ind.update(1.0) == 1.0


@pytest.mark.parametrize("period", [1, 2, 10, 30, 200])
def test_sma_batch_equals_incremental_bit_for_bit_on_real_eth_1m(
    eth_close: np.ndarray, period: int
) -> None:
    batch = sma(eth_close, period)
    incremental = _incremental(eth_close, period)
    assert batch.shape == incremental.shape == eth_close.shape
    assert np.isnan(batch[: period - 1]).all()
    assert np.isnan(incremental[: period - 1]).all()
    assert not np.isnan(batch[period - 1 :]).any()
    assert np.array_equal(
        batch[period - 1 :].view(np.uint64), incremental[period - 1 :].view(np.uint64)
    )


@pytest.mark.parametrize("period", [10, 30])
def test_sma_on_real_eth_1m_matches_window_mean_closely(eth_close: np.ndarray, period: int) -> None:
    values = eth_close[:20_000]
    windows = np.lib.stride_tricks.sliding_window_view(values, period)
    expected = windows.mean(axis=1)
    np.testing.assert_allclose(sma(values, period)[period - 1 :], expected, rtol=1e-10, atol=0)


def test_sma_on_real_eth_1m_first_value_is_mean_of_first_window(eth_close: np.ndarray) -> None:
    out = sma(eth_close, 30)
    total = 0.0
    for v in eth_close[:30]:
        total += float(v)
    assert out[29] == total / 30


@pytest.mark.parametrize("period", [1, 2, 3, 7, 64])
def test_incremental_sma_equals_batch_bit_for_bit_on_random_values(period: int) -> None:
    values = np.random.default_rng(period).normal(100.0, 5.0, 500)
    batch = sma(values, period)
    incremental = _incremental(values, period)
    assert np.isnan(incremental[: period - 1]).all()
    assert np.array_equal(
        batch[period - 1 :].view(np.uint64), incremental[period - 1 :].view(np.uint64)
    )
