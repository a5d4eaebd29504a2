"""OBV (indicators/obv.py): batch equals TA-Lib, incremental equals batch to the bit."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from xor_trading.core.errors import DataError
from xor_trading.indicators.obv import OBV, obv


def _incremental(close: list[float], volume: list[float]) -> list[float]:
    update = OBV().update
    return [update(c, v) for c, v in zip(close, volume, strict=True)]


def test_obv_on_real_candles_equals_talib(real_candles) -> None:
    c = real_candles
    assert np.array_equal(obv(c.close, c.volume), talib.OBV(c.close, c.volume), equal_nan=True)


def test_obv_incremental_on_real_candles_equals_batch(real_candles, series_match) -> None:
    c = real_candles
    series_match(_incremental(c.close.tolist(), c.volume.tolist()), obv(c.close, c.volume))


def test_obv_on_a_small_series_gives_hand_computed_values() -> None:
    # starts at the first volume; +2 (up), =, -4 (down), +5 (up)
    close = [10.0, 11.0, 11.0, 9.0, 12.0]
    volume = [1.0, 2.0, 3.0, 4.0, 5.0]
    expected = [1.0, 3.0, 3.0, -1.0, 4.0]
    assert obv(np.array(close), np.array(volume)).tolist() == expected
    assert _incremental(close, volume) == expected


def test_obv_has_no_warmup() -> None:
    assert OBV().warmup == 1
    assert OBV().update(100.0, 7.5) == 7.5


def test_obv_columns_of_different_lengths_raise_data_error() -> None:
    with pytest.raises(DataError):
        obv(np.ones(5), np.ones(4))
