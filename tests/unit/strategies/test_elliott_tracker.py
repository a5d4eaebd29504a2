"""ElliottTracker: the incremental count equals detect_waves on the candles seen so far."""

from __future__ import annotations

import pytest
from elliott_paths import HOUR_MS, IMPULSE, SHORT_WAVE3

from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.indicators.elliott import PatternKind, detect_waves
from xor_trading.strategies.elliott_tracker import ElliottTracker, extends
from xor_trading.testing.factories import frame_from_rows


@pytest.mark.parametrize("threshold_pct", [2.0, 4.0])
def test_tracker_count_equals_detect_waves_on_every_prefix_of_btc_1h(
    threshold_pct: float,
) -> None:
    frame = read_candle_parquet(SAMPLES_DIR / "binance" / "BTC-USDT" / "1h.parquet", HOUR_MS)
    high, low, close = frame.high[:1_500], frame.low[:1_500], frame.close[:1_500]
    tracker = ElliottTracker(threshold_pct)
    counted = 0
    for i in range(len(close)):
        swing = tracker.update(float(high[i]), float(low[i]), float(close[i]))
        # A swing is reported on the candle that confirms it, never earlier.
        assert swing is None or swing.confirmed_index == i
        if i % 4 == 0 or swing is not None:
            expected = detect_waves(high[: i + 1], low[: i + 1], close[: i + 1], threshold_pct)
            assert tracker.count == expected, f"candle {i}"
            counted += expected is not None
    assert counted > 300  # the comparison is not vacuous


def test_tracker_follows_the_hand_built_impulse() -> None:
    frame = frame_from_rows(IMPULSE)
    tracker = ElliottTracker(5.0)
    best = []
    for h, lw, c in zip(frame.high.tolist(), frame.low.tolist(), frame.close.tolist(), strict=True):
        tracker.update(h, lw, c)
        count = tracker.count
        best.append(None if count is None else (count.kind, len(count.labels) - 1))
    # Three swings at candle 5: the A-B correction up ranks above the 1-2 impulse.
    assert best[5] == (PatternKind.CORRECTION_UP, 2)
    assert best[11] == (PatternKind.IMPULSE_UP, 4)
    count = tracker.count
    assert count is not None
    assert count.position == "in wave 5 (waves 1-4 complete)"
    assert [label.price for label in count.labels] == [100, 120, 108, 146, 132]
    # The 1-4 count extends the 1-2 count over its first three swings.
    one_two = next(c for c in tracker.candidates if c.kind is PatternKind.IMPULSE_UP)
    assert extends(one_two, one_two)


def test_tracker_drops_a_count_broken_between_swings() -> None:
    # In wave 5 of SHORT_WAVE3 the 1-4 count may not pass 157.9; candle 11 (high 159)
    # breaks it without confirming a new swing.
    tracker = ElliottTracker(5.0)
    live = []
    for row in SHORT_WAVE3:
        tracker.update(row[1], row[2], row[3])
        live.append(
            any(
                c.kind is PatternKind.IMPULSE_UP and c.waves_complete == 4
                for c in tracker.candidates
            )
        )
    assert live == [False] * 8 + [True] * 3 + [False] * 2
    assert len(tracker.swings) == 5
