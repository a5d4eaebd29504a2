"""find_gaps and the three gap policies, on hand-made and real candles."""

from __future__ import annotations

import numpy as np
import pytest
from candle_rows import MINUTE, T0, assert_frames_equal, flat_rows, frame_of, minutes

from xor_trading.core.errors import DataError
from xor_trading.data.gaps import Gap, GapPolicy, apply_gap_policy, count_gaps, find_gaps
from xor_trading.timeseries.candle_frame import CandleFrame


def _holey() -> CandleFrame:
    """Candles at minutes 0, 1, 4, 5, 7: gaps at 2-3 and 6."""
    rows = [
        (T0 + 0 * MINUTE, 10.0, 11.0, 9.0, 10.5, 1.0),
        (T0 + 1 * MINUTE, 10.5, 12.0, 10.0, 11.0, 2.0),
        (T0 + 4 * MINUTE, 11.0, 11.5, 10.5, 11.2, 3.0),
        (T0 + 5 * MINUTE, 11.2, 11.3, 11.0, 11.1, 4.0),
        (T0 + 7 * MINUTE, 11.1, 11.4, 11.0, 11.3, 5.0),
    ]
    return frame_of(rows)


def test_find_gaps_holes_returns_each_run() -> None:
    assert find_gaps(_holey()) == [
        Gap(start_ms=T0 + 2 * MINUTE, end_ms=T0 + 4 * MINUTE, missing_bars=2),
        Gap(start_ms=T0 + 6 * MINUTE, end_ms=T0 + 7 * MINUTE, missing_bars=1),
    ]


def test_find_gaps_complete_or_empty_returns_nothing() -> None:
    assert find_gaps(frame_of(flat_rows(minutes(0, 1, 2)))) == []
    assert find_gaps(frame_of([])) == []


def test_count_gaps_holes_returns_gaps_and_missing() -> None:
    assert count_gaps(_holey().ts_ms, MINUTE) == (2, 3)


def test_gap_describe_shows_range_and_count() -> None:
    gap = Gap(T0 + 2 * MINUTE, T0 + 4 * MINUTE, 2)
    assert gap.describe() == "2024-01-01T00:02:00Z -> 2024-01-01T00:04:00Z (2 missing)"


def test_apply_gap_policy_keep_returns_frame_unchanged() -> None:
    frame = _holey()
    kept, gaps = apply_gap_policy(frame, GapPolicy.KEEP)
    assert kept is frame
    assert len(gaps) == 2


def test_apply_gap_policy_raise_with_gaps_names_count_and_first() -> None:
    with pytest.raises(DataError) as caught:
        apply_gap_policy(_holey(), GapPolicy.RAISE, source="binance BTC/USDT 1m")
    assert caught.value.message == (
        "binance BTC/USDT 1m: 2 gap(s), 3 missing candle(s); "
        "first 2024-01-01T00:02:00Z -> 2024-01-01T00:04:00Z (2 missing)"
    )
    assert "fill-forward" in caught.value.hint


def test_apply_gap_policy_raise_without_gaps_returns_frame() -> None:
    frame = frame_of(flat_rows(minutes(0, 1)))
    assert apply_gap_policy(frame, GapPolicy.RAISE) == (frame, [])


def test_apply_gap_policy_fill_forward_inserts_flat_candles_at_previous_close() -> None:
    filled, gaps = apply_gap_policy(_holey(), GapPolicy.FILL_FORWARD)
    expected = frame_of(
        [
            (T0 + 0 * MINUTE, 10.0, 11.0, 9.0, 10.5, 1.0),
            (T0 + 1 * MINUTE, 10.5, 12.0, 10.0, 11.0, 2.0),
            (T0 + 2 * MINUTE, 11.0, 11.0, 11.0, 11.0, 0.0),
            (T0 + 3 * MINUTE, 11.0, 11.0, 11.0, 11.0, 0.0),
            (T0 + 4 * MINUTE, 11.0, 11.5, 10.5, 11.2, 3.0),
            (T0 + 5 * MINUTE, 11.2, 11.3, 11.0, 11.1, 4.0),
            (T0 + 6 * MINUTE, 11.1, 11.1, 11.1, 11.1, 0.0),
            (T0 + 7 * MINUTE, 11.1, 11.4, 11.0, 11.3, 5.0),
        ]
    )
    assert_frames_equal(filled, expected)
    assert len(gaps) == 2


def test_find_gaps_real_btc_1h_matches_published_counts(btc_1h: CandleFrame) -> None:
    gaps = find_gaps(btc_1h)
    assert len(gaps) == 28
    assert sum(g.missing_bars for g in gaps) == 128
    assert gaps[0].describe() == "2017-09-06T17:00:00Z -> 2017-09-06T23:00:00Z (6 missing)"
    largest = max(gaps, key=lambda g: g.missing_bars)
    assert largest.describe() == "2018-02-08T01:00:00Z -> 2018-02-09T10:00:00Z (33 missing)"


def test_fill_forward_real_btc_1h_completes_grid(btc_1h: CandleFrame) -> None:
    filled, _ = apply_gap_policy(btc_1h, GapPolicy.FILL_FORWARD)
    assert len(filled) == len(btc_1h) + 128
    assert find_gaps(filled) == []
    assert np.all(np.diff(filled.ts_ms) == btc_1h.timeframe_ms)
    original = np.isin(filled.ts_ms, btc_1h.ts_ms)
    np.testing.assert_array_equal(filled.close[original], btc_1h.close)
    np.testing.assert_array_equal(filled.volume[original], btc_1h.volume)
    inserted = np.flatnonzero(~original)
    assert np.all(filled.volume[inserted] == 0.0)
    for column in (filled.open, filled.high, filled.low, filled.close):
        np.testing.assert_array_equal(column[inserted], filled.close[inserted - 1])
