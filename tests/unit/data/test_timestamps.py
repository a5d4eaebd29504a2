"""Timestamp text and epoch-unit detection."""

from __future__ import annotations

import numpy as np
import pytest

from xor_trading.data.candle_grid import timeframe_of_ms
from xor_trading.data.timestamps import epoch_to_ms, iso_utc


def test_iso_utc_whole_seconds_and_milliseconds() -> None:
    assert iso_utc(1_704_067_200_000) == "2024-01-01T00:00:00Z"
    assert iso_utc(1_704_067_200_123) == "2024-01-01T00:00:00.123Z"
    assert iso_utc(-60_000) == "1969-12-31T23:59:00Z"


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3, 1e6])
def test_epoch_to_ms_any_unit_gives_milliseconds(scale: float) -> None:
    ms = np.array([1_502_942_400_000, 1_755_541_620_000], dtype=np.float64)
    assert epoch_to_ms(ms * scale).tolist() == [1_502_942_400_000, 1_755_541_620_000]


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (60_000, "1m"),
        (300_000, "5m"),
        (3_600_000, "1h"),
        (14_400_000, "4h"),
        (86_400_000, "1d"),
        (604_800_000, "1w"),
        (5_400_000, "90m"),
        (30_000, "30s"),
    ],
)
def test_timeframe_of_ms_uses_largest_whole_unit(ms: int, text: str) -> None:
    assert timeframe_of_ms(ms).text == text
