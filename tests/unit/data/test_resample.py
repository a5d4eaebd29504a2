"""resample: exact buckets on hand-made candles and on a slice of the real BTC 1m sample."""

from __future__ import annotations

import numpy as np
import pytest
from candle_rows import DAY, HOUR, MINUTE, T0, Row, assert_frames_equal, flat_rows, frame_of

from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.resample import resample
from xor_trading.data.validation import validate_frame
from xor_trading.timeseries.candle_frame import CandleFrame

TF_5M = Timeframe.parse("5m")
TF_1H = Timeframe.parse("1h")


def _ramp(count: int, first_minute: int = 0) -> list[Row]:
    """1m candles encoding their minute k: open k+1, high k+3, low k+0.5, close k+2, volume k."""
    return [
        (T0 + k * MINUTE, k + 1.0, k + 3.0, k + 0.5, k + 2.0, float(k))
        for k in range(first_minute, first_minute + count)
    ]


def test_resample_1m_to_5m_takes_first_max_min_last_sum() -> None:
    result = resample(frame_of(_ramp(10)), TF_5M)
    expected = frame_of(
        [
            (T0, 1.0, 7.0, 0.5, 6.0, 0 + 1 + 2 + 3 + 4.0),
            (T0 + 5 * MINUTE, 6.0, 12.0, 5.5, 11.0, 5 + 6 + 7 + 8 + 9.0),
        ],
        5 * MINUTE,
    )
    assert_frames_equal(result, expected)


def test_resample_incomplete_trailing_bucket_is_dropped() -> None:
    result = resample(frame_of(_ramp(14)), TF_5M)  # minutes 10-13 of the third bucket only
    assert result.ts_ms.tolist() == [T0, T0 + 5 * MINUTE]


def test_resample_trailing_bucket_with_last_candle_is_kept() -> None:
    rows = [r for r in _ramp(15) if r[0] != T0 + 12 * MINUTE]  # hole inside, last minute present
    result = resample(frame_of(rows), TF_5M)
    assert result.ts_ms.tolist() == [T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE]
    assert result.volume[2] == 10 + 11 + 13 + 14.0


def test_resample_interior_hole_keeps_bucket_from_present_candles() -> None:
    rows = [r for r in _ramp(10) if r[0] not in (T0 + 2 * MINUTE, T0 + 3 * MINUTE)]
    result = resample(frame_of(rows), TF_5M)
    assert_frames_equal(
        result,
        frame_of(
            [(T0, 1.0, 7.0, 0.5, 6.0, 0 + 1 + 4.0), (T0 + 5 * MINUTE, 6.0, 12.0, 5.5, 11.0, 35.0)],
            5 * MINUTE,
        ),
    )


def test_resample_wholly_missing_bucket_leaves_gap() -> None:
    rows = [r for r in _ramp(15) if not T0 + 5 * MINUTE <= r[0] < T0 + 10 * MINUTE]
    result = resample(frame_of(rows), TF_5M)
    assert result.ts_ms.tolist() == [T0, T0 + 10 * MINUTE]


def test_resample_leading_partial_bucket_is_dropped() -> None:
    result = resample(frame_of(_ramp(7, first_minute=3)), TF_5M)  # minutes 3..9
    assert_frames_equal(
        result, frame_of([(T0 + 5 * MINUTE, 6.0, 12.0, 5.5, 11.0, 35.0)], 5 * MINUTE)
    )


def test_resample_bucket_missing_first_candle_inside_data_is_kept() -> None:
    rows = [r for r in _ramp(15) if r[0] != T0 + 5 * MINUTE]
    result = resample(frame_of(rows), TF_5M)
    assert result.ts_ms.tolist() == [T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE]
    assert result.open[1] == 7.0  # minute 6 is the first candle present in that bucket


def test_resample_1m_to_1h_buckets_start_on_the_hour() -> None:
    result = resample(frame_of(_ramp(150, first_minute=30)), TF_1H)  # 00:30 .. 02:59
    assert result.ts_ms.tolist() == [T0 + HOUR, T0 + 2 * HOUR]
    assert result.open.tolist() == [61.0, 121.0]
    assert result.high.tolist() == [122.0, 182.0]
    assert result.low.tolist() == [60.5, 120.5]
    assert result.close.tolist() == [121.0, 181.0]
    assert result.volume.tolist() == [sum(range(60, 120)), sum(range(120, 180))]


def test_resample_1h_to_1d_buckets_start_at_midnight_utc() -> None:
    rows = [(T0 + h * HOUR, 1.0, 2.0, 0.5, 1.5, 1.0) for h in range(-2, 48)]  # from Dec 31 22:00
    result = resample(frame_of(rows, HOUR), Timeframe.parse("1d"))
    assert result.ts_ms.tolist() == [T0, T0 + DAY]
    assert result.volume.tolist() == [24.0, 24.0]


def test_resample_1d_to_1w_buckets_start_on_monday() -> None:
    rows = flat_rows([T0 + d * DAY for d in range(-4, 14)])  # Thu 2023-12-28 .. Sun 2024-01-14
    result = resample(frame_of(rows, DAY), Timeframe.parse("1w"))
    assert result.ts_ms.tolist() == [T0, T0 + 7 * DAY]  # 2024-01-01 is a Monday
    assert result.volume.tolist() == [7.0, 7.0]


def test_resample_same_timeframe_returns_frame() -> None:
    frame = frame_of(_ramp(3))
    assert resample(frame, Timeframe.parse("1m")) is frame


def test_resample_empty_frame_returns_empty_target() -> None:
    result = resample(frame_of([]), TF_5M)
    assert len(result) == 0
    assert result.timeframe_ms == 5 * MINUTE


def test_resample_only_incomplete_buckets_returns_empty() -> None:
    assert len(resample(frame_of(_ramp(3)), TF_5M)) == 0
    assert len(resample(frame_of(_ramp(3, first_minute=1)), TF_5M)) == 0
    assert len(resample(frame_of(_ramp(5, first_minute=3)), TF_5M)) == 0


@pytest.mark.parametrize(
    ("source_ms", "target"),
    [(5 * MINUTE, "1m"), (5 * MINUTE, "7m"), (3 * DAY, "1w"), (HOUR, "90m")],
)
def test_resample_lower_or_non_multiple_target_raises_config_error(
    source_ms: int, target: str
) -> None:
    frame = frame_of(flat_rows([T0]), source_ms)
    with pytest.raises(ConfigError, match="cannot resample"):
        resample(frame, Timeframe.parse(target))


def test_resample_real_btc_1m_matches_numpy_reshape(btc_1m: CandleFrame) -> None:
    day = btc_1m.slice(0, 3 * 1440)  # 2025-05-20 00:00 .. 2025-05-22 23:59, complete
    for minutes_per_bar in (5, 60):
        result = resample(day, Timeframe.parse(f"{minutes_per_bar}m"))
        shape = (-1, minutes_per_bar)
        np.testing.assert_array_equal(result.ts_ms, day.ts_ms.reshape(shape)[:, 0])
        np.testing.assert_array_equal(result.open, day.open.reshape(shape)[:, 0])
        np.testing.assert_array_equal(result.high, day.high.reshape(shape).max(axis=1))
        np.testing.assert_array_equal(result.low, day.low.reshape(shape).min(axis=1))
        np.testing.assert_array_equal(result.close, day.close.reshape(shape)[:, -1])
        np.testing.assert_allclose(result.volume, day.volume.reshape(shape).sum(axis=1), rtol=1e-12)
        validate_frame(result, f"resampled {minutes_per_bar}m")


def test_resample_real_btc_1m_to_1h_drops_only_last_partial_hour(btc_1m: CandleFrame) -> None:
    result = resample(btc_1m, TF_1H)  # data ends 2025-08-18 18:27
    assert len(result) == len(btc_1m) // 60
    assert int(result.ts_ms[-1]) == 1_755_536_400_000  # 2025-08-18 17:00 UTC
