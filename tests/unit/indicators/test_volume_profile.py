"""Volume profile (indicators/volume_profile.py): hand-built bins, POC, value area, accumulator."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.volume_profile import (
    VolumeProfile,
    VolumeProfileAccumulator,
    price_bins,
    summarise,
    volume_profile,
)

CANDLES = Path("/work/shared/data/candles")
REAL_FILES = ["binance_BTC-USDT_1h.parquet", "binance_ETH-USDT_5m.parquet"]


@pytest.fixture(scope="module", params=REAL_FILES)
def real(request: pytest.FixtureRequest) -> tuple[np.ndarray, ...]:
    path = CANDLES / request.param
    if not path.exists():
        pytest.skip(f"real candles not available: {path}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(path, columns=["high", "low", "close", "volume"])
    return tuple(table.column(c).to_numpy() for c in ("high", "low", "close", "volume"))


def _flat(prices: list[float], volumes: list[float], edges: list[float]) -> VolumeProfile:
    """A profile of zero-range candles: each volume lands whole in its price's bin."""
    acc = VolumeProfileAccumulator(np.array(edges))
    for p, v in zip(prices, volumes, strict=True):
        acc.update(p, p, p, v)
    return acc.profile()


def test_volume_profile_spreads_each_candle_uniformly_over_its_range() -> None:
    profile = volume_profile(
        np.array([2.0, 4.0]), np.array([0.0, 2.0]), np.array([1.0, 3.0]), np.array([10.0, 30.0]),
        bins=4,
    )  # fmt: skip
    assert profile.bin_edges.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert profile.volumes.tolist() == [5.0, 5.0, 15.0, 15.0]
    # POC tie between bins 2 and 3, equally near the middle: the lower one wins.
    assert profile.poc == 2.5
    # 70 % of 40 = 28: POC 15, then the larger neighbour above (15 > 5): 30.
    assert (profile.value_area_low, profile.value_area_high) == (2.0, 4.0)


def test_volume_profile_partial_overlap_gives_a_share_of_the_volume() -> None:
    profile = volume_profile(
        np.array([4.0, 1.5]), np.array([0.0, 0.5]), np.array([2.0, 1.0]), np.array([8.0, 2.0]),
        bins=4,
    )  # fmt: skip
    # Candle 1 spreads 2 per unit of price; candle 2 (0.5..1.5) puts 1 in bins 0 and 1.
    assert profile.volumes.tolist() == [3.0, 3.0, 2.0, 2.0]
    assert math.fsum(profile.volumes) == 10.0


def test_zero_range_candle_goes_to_the_bin_of_its_close_an_inner_edge_to_the_upper_bin() -> None:
    profile = _flat([0.0, 1.0, 2.5, 4.0], [1.0, 2.0, 4.0, 8.0], [0.0, 1.0, 2.0, 3.0, 4.0])
    assert profile.volumes.tolist() == [1.0, 2.0, 4.0, 8.0]
    batch = volume_profile(
        np.array([0.0, 4.0, 1.0]), np.array([0.0, 4.0, 1.0]), np.array([0.0, 4.0, 1.0]),
        np.array([1.0, 8.0, 2.0]), bins=4,
    )  # fmt: skip
    assert batch.volumes.tolist() == [1.0, 2.0, 0.0, 8.0]


def test_poc_tie_goes_to_the_bin_nearest_the_middle() -> None:
    edges = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    profile = _flat([0.5, 3.5], [7.0, 7.0], edges)
    assert profile.poc == 3.5  # bin 3 is nearer the middle bin 2 than bin 0


def test_value_area_adds_both_neighbours_on_a_tie() -> None:
    edges = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    prices = [0.5, 1.5, 2.5, 3.5, 4.5]
    profile = _flat(prices, [10.0, 5.0, 20.0, 5.0, 10.0], edges)
    assert profile.poc == 2.5
    # 35 of 50 needed: 20, +5 +5 (tie) = 30, +10 +10 (tie) = 50.
    assert (profile.value_area_low, profile.value_area_high) == (0.0, 5.0)
    narrow = summarise(profile.bin_edges, profile.volumes, value_area=0.6)
    assert (narrow.value_area_low, narrow.value_area_high) == (1.0, 4.0)  # 30 of 30 needed


def test_value_area_grows_on_one_side_when_the_other_is_exhausted() -> None:
    profile = _flat([0.5, 1.5, 2.5], [9.0, 3.0, 1.0], [0.0, 1.0, 2.0, 3.0])
    assert profile.poc == 0.5
    assert (profile.value_area_low, profile.value_area_high) == (0.0, 2.0)  # 12 >= 9.1


def test_profile_without_volume_has_nan_poc_and_value_area() -> None:
    profile = volume_profile(np.array([2.0, 3.0]), np.array([1.0, 2.0]), np.array([1.5, 2.5]),
                             np.zeros(2), bins=3)  # fmt: skip
    assert profile.volumes.tolist() == [0.0, 0.0, 0.0]
    assert all(math.isnan(v) for v in profile[2:])


def test_window_start_stop_follow_python_slices() -> None:
    high, low = np.array([2.0, 10.0, 4.0]), np.array([0.0, 8.0, 2.0])
    close, volume = (high + low) / 2, np.array([1.0, 1.0, 1.0])
    last_two = volume_profile(high, low, close, volume, start=-2, bins=8)
    assert last_two.bin_edges[[0, -1]].tolist() == [2.0, 10.0]
    first_one = volume_profile(high, low, close, volume, start=0, stop=1, bins=2)
    assert first_one.bin_edges.tolist() == [0.0, 1.0, 2.0]


def test_single_price_window_gets_a_small_range_around_it() -> None:
    profile = volume_profile(*(np.array([100.0, 100.0]),) * 3, np.array([1.0, 2.0]), bins=3)
    assert profile.bin_edges[[0, -1]].tolist() == pytest.approx([99.9, 100.1])
    assert profile.volumes.tolist() == [0.0, 3.0, 0.0]
    assert profile.poc == pytest.approx(100.0)
    assert price_bins(0.0, 0.0, 2).tolist() == [-1.0, 0.0, 1.0]


def test_accumulator_counts_the_volume_outside_its_edges() -> None:
    acc = VolumeProfileAccumulator(np.array([0.0, 1.0, 2.0]))
    acc.update(3.0, 1.0, 2.0, 4.0)  # half of its range is above the edges
    acc.update(5.0, 5.0, 5.0, 1.0)  # wholly outside
    assert acc.profile().volumes.tolist() == [0.0, 2.0]
    assert acc.outside_volume == 3.0
    assert acc.warmup == 1


def test_accumulator_profile_is_a_snapshot() -> None:
    acc = VolumeProfileAccumulator(np.array([0.0, 1.0]))
    acc.update(1.0, 0.0, 0.5, 1.0)
    first = acc.profile()
    acc.update(1.0, 0.0, 0.5, 1.0)
    assert first.volumes.tolist() == [1.0]
    assert acc.profile().volumes.tolist() == [2.0]


def test_batch_equals_accumulator_on_real_data_and_keeps_every_unit_of_volume(
    real: tuple[np.ndarray, ...],
) -> None:
    high, low, close, volume = real
    batch = volume_profile(high, low, close, volume, start=-10_000, bins=50)
    acc = VolumeProfileAccumulator(batch.bin_edges)
    for row in zip(*(a[-10_000:].tolist() for a in real), strict=True):
        acc.update(*row)
    incremental = acc.profile()
    np.testing.assert_allclose(incremental.volumes, batch.volumes, rtol=1e-9, atol=0)
    assert incremental[2:] == batch[2:]
    assert acc.outside_volume == pytest.approx(0.0, abs=1e-6 * volume[-10_000:].sum())
    assert batch.volumes.sum() == pytest.approx(volume[-10_000:].sum(), rel=1e-9)
    assert batch.value_area_low < batch.poc < batch.value_area_high


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bins": 0}, "bins must be a whole number"),
        ({"bins": 2.5}, "bins must be a whole number"),
        ({"value_area": 0.0}, "value_area must be a fraction"),
        ({"value_area": 1.5}, "value_area must be a fraction"),
        ({"value_area": True}, "value_area must be a fraction"),
        ({"start": 5}, "holds none of the 3 candles"),
        ({"start": 2, "stop": 1}, "holds none of the 3 candles"),
    ],
)
def test_bad_parameters_raise_config_error_with_hint(
    kwargs: dict[str, object], message: str
) -> None:
    prices = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match=message) as info:
        volume_profile(prices, prices, prices, prices, **kwargs)  # type: ignore[arg-type]
    assert info.value.hint


@pytest.mark.parametrize("edges", [[1.0], [1.0, 1.0], [2.0, 1.0], [0.0, float("inf")]])
def test_accumulator_bad_edges_raise_config_error(edges: list[float]) -> None:
    with pytest.raises(ConfigError, match="bin_edges") as info:
        VolumeProfileAccumulator(np.array(edges))
    assert "price_bins" in info.value.hint
