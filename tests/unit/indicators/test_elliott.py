"""Elliott wave counting (indicators/elliott.py) on hand-built swing paths with known labels.

The textbook impulse used throughout: wave 1 = 100, wave 2 = 0.5 x wave 1, wave 3 = 1.618 x
wave 1, wave 4 = 0.382 x wave 3, wave 5 = wave 1, starting at 1000:

    p0 = 1000, p1 = 1100, p2 = 1050, p3 = 1211.8, p4 = 1149.9924, p5 = 1249.9924
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from xor_trading.core.errors import DataError
from xor_trading.indicators.elliott import (
    ElliottCount,
    PatternKind,
    WaveCandidate,
    count_all_waves,
    count_waves,
    detect_waves,
    label_waves,
)
from xor_trading.indicators.swings import SwingKind, SwingPoint

W3 = 161.8
W4 = 0.382 * W3
TEXTBOOK_UP = [1000.0, 1100.0, 1050.0, 1050.0 + W3, 1050.0 + W3 - W4, 1150.0 + W3 - W4]
TEXTBOOK_ABC_DOWN = [2000.0, 1900.0, 1961.8, 1861.8]
EXACT = 1e-12


def _path(prices: list[float], first: SwingKind = SwingKind.LOW) -> list[SwingPoint]:
    """Alternating swings at candles 0, 10, 20...; each confirmed 3 candles later."""
    second = SwingKind.HIGH if first is SwingKind.LOW else SwingKind.LOW
    return [
        SwingPoint(10 * i, p, first if i % 2 == 0 else second, 10 * i + 3)
        for i, p in enumerate(prices)
    ]


def _candles(swings: list[SwingPoint], tail: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """High/low arrays moving linearly between swings, then through ``tail`` (one per candle)."""
    xs = [s.index for s in swings]
    line = np.interp(np.arange(xs[-1] + 1), xs, [s.price for s in swings])
    prices = np.concatenate([line, np.array(tail)])
    return prices + 0.0, prices.copy()


def _impulse_from_start(candidates: list[WaveCandidate], waves: int) -> list[WaveCandidate]:
    return [
        c
        for c in candidates
        if c.kind.is_impulse and c.start_index == 0 and c.waves_complete == waves
    ]


def test_count_waves_textbook_up_impulse_ranks_impulse_first_with_confidence_one() -> None:
    best = count_waves(_path(TEXTBOOK_UP))[0]
    assert best.kind is PatternKind.IMPULSE_UP
    assert [(lab.wave, lab.index, lab.price) for lab in best.labels] == [
        ("0", 0, 1000.0),
        ("1", 10, 1100.0),
        ("2", 20, 1050.0),
        ("3", 30, TEXTBOOK_UP[3]),
        ("4", 40, TEXTBOOK_UP[4]),
        ("5", 50, TEXTBOOK_UP[5]),
    ]
    assert best.confidence == pytest.approx(1.0, abs=1e-9)
    assert best.fit == pytest.approx(1.0, abs=1e-9)
    assert [f.ideal for f in best.fits] == [0.5, 1.618, 0.382, 1.0]
    assert best.is_complete
    assert best.developing == "A"
    assert best.position == "after wave 5 complete: correction expected"


def test_count_waves_textbook_up_impulse_complete_gives_hand_computed_levels() -> None:
    best = count_waves(_path(TEXTBOOK_UP))[0]
    # A new high beyond wave 5's end (1249.9924) means wave 5 has not ended.
    assert best.invalidation == pytest.approx(1249.9924, rel=EXACT)
    assert best.invalidations[0].breaks_above
    # The correction retraces 0.382 / 0.5 / 0.618 of the whole move (249.9924) from 1249.9924.
    assert [t.wave for t in best.targets] == ["A-B-C"] * 3
    assert [t.price for t in best.targets] == pytest.approx(
        [1154.4953032, 1124.9962, 1095.4970968], rel=EXACT
    )


def test_count_waves_textbook_up_impulse_in_wave_3_gives_wave_1_start_and_projections() -> None:
    candidate = _impulse_from_start(count_waves(_path(TEXTBOOK_UP[:3])), waves=2)[0]
    assert candidate.position == "in wave 3 (waves 1-2 complete)"
    assert candidate.invalidation == 1000.0
    assert not candidate.invalidations[0].breaks_above
    # Wave 3 from the end of wave 2 (1050): 1.0, 1.618, 2.618 x wave 1 (100).
    assert [t.price for t in candidate.targets] == pytest.approx([1150.0, 1211.8, 1311.8])
    assert [t.basis for t in candidate.targets][1] == "1.618 x wave 1 from the end of wave 2"
    # One relation out of four seen, two waves out of five: confidence 1.0 * 2 / 5.
    assert candidate.fit == pytest.approx(1.0)
    assert candidate.confidence == pytest.approx(0.4)


def test_count_waves_textbook_up_impulse_in_wave_4_gives_wave_1_end_and_retracements() -> None:
    candidate = _impulse_from_start(count_waves(_path(TEXTBOOK_UP[:4])), waves=3)[0]
    assert candidate.position == "in wave 4 (waves 1-3 complete)"
    assert candidate.invalidation == 1100.0
    # Wave 4 back from 1211.8 by 0.236 / 0.382 / 0.5 x wave 3 (161.8), all above 1100.
    assert [t.price for t in candidate.targets] == pytest.approx(
        [1173.6152, 1149.9924, 1130.9], rel=EXACT
    )


def test_count_waves_textbook_up_impulse_in_wave_5_gives_wave_1_end_and_projections() -> None:
    candidate = _impulse_from_start(count_waves(_path(TEXTBOOK_UP[:5])), waves=4)[0]
    assert candidate.position == "in wave 5 (waves 1-4 complete)"
    assert candidate.developing == "5"
    # Wave 3 is longer than wave 1, so wave 5 has no cap: only the wave 1 level.
    assert [(i.price, i.breaks_above) for i in candidate.invalidations] == [(1100.0, False)]
    # From 1149.9924: 1.0 x wave 1 (100), 0.618 x wave 3 (161.8), 0.618 x waves 1-3 (211.8).
    assert [t.price for t in candidate.targets] == pytest.approx(
        [1249.9924, 1249.9848, 1280.8848], rel=EXACT
    )


def test_count_waves_wave_3_shorter_than_wave_1_in_wave_5_caps_wave_5() -> None:
    # Waves 100, 50, 90, 30: wave 5 may not exceed 90 (from 1110) or wave 3 is the shortest.
    candidate = _impulse_from_start(count_waves(_path([1000, 1100, 1050, 1140, 1110])), 4)[0]
    assert [(i.price, i.breaks_above) for i in candidate.invalidations] == [
        (1100.0, False),
        (1200.0, True),
    ]


def test_count_waves_wave_2_retracing_110_pct_rejects_the_impulse() -> None:
    prices = [1000.0, 1100.0, 990.0, 990.0 + W3, 990.0 + W3 - W4, 1090.0 + W3 - W4]
    candidates = count_waves(_path(prices))
    assert _impulse_from_start(candidates, waves=5) == []
    assert all(c.start_index != 0 for c in candidates)


def test_count_waves_wave_3_shortest_rejects_the_impulse() -> None:
    # Waves 100, 50, 90, 30, 120: wave 3 is shorter than waves 1 and 5.
    prices = [1000.0, 1100.0, 1050.0, 1140.0, 1110.0, 1230.0]
    assert _impulse_from_start(count_waves(_path(prices)), waves=5) == []
    assert _impulse_from_start(count_all_waves(_path(prices)), waves=5) == []


def test_count_waves_wave_4_overlapping_wave_1_rejects_the_impulse() -> None:
    prices = [1000.0, 1100.0, 1050.0, 1211.8, 1090.0, 1190.0]
    assert _impulse_from_start(count_waves(_path(prices)), waves=5) == []
    assert _impulse_from_start(count_waves(_path(prices[:5])), waves=4) == []


def test_count_waves_wave_2_retracing_exactly_100_pct_keeps_the_impulse() -> None:
    # A touch of the start of wave 1 is not a break.
    candidates = count_waves(_path([1000.0, 1100.0, 1000.0]))
    assert len(_impulse_from_start(candidates, waves=2)) == 1


def test_count_waves_textbook_down_impulse_mirrors_the_up_impulse() -> None:
    mirrored = [2500.0 - p for p in TEXTBOOK_UP]
    best = count_waves(_path(mirrored, first=SwingKind.HIGH))[0]
    assert best.kind is PatternKind.IMPULSE_DOWN
    assert best.confidence == pytest.approx(1.0, abs=1e-9)
    assert [lab.price for lab in best.labels] == mirrored
    assert best.invalidation == pytest.approx(2500.0 - 1249.9924, rel=EXACT)
    assert not best.invalidations[0].breaks_above
    assert [t.price for t in best.targets] == pytest.approx(
        [2500.0 - 1154.4953032, 2500.0 - 1124.9962, 2500.0 - 1095.4970968], rel=EXACT
    )


def test_count_waves_textbook_abc_down_is_a_complete_correction_with_confidence_one() -> None:
    best = count_waves(_path(TEXTBOOK_ABC_DOWN, first=SwingKind.HIGH))[0]
    assert best.kind is PatternKind.CORRECTION_DOWN
    assert [lab.wave for lab in best.labels] == ["0", "A", "B", "C"]
    assert best.confidence == pytest.approx(1.0, abs=1e-9)
    assert best.position == "after wave C complete: trend resumption expected"
    assert best.developing == "trend"
    assert best.invalidation == 1861.8
    assert not best.invalidations[0].breaks_above
    assert best.targets == ()


def test_count_waves_abc_down_in_wave_c_gives_a_start_and_c_projections() -> None:
    candidates = count_waves(_path(TEXTBOOK_ABC_DOWN[:3], first=SwingKind.HIGH))
    correction = next(c for c in candidates if c.kind is PatternKind.CORRECTION_DOWN)
    assert correction.position == "in wave C (waves A-B complete)"
    assert correction.invalidation == 2000.0
    assert correction.invalidations[0].breaks_above
    # C from the end of B (1961.8) down by 1.0 and 1.618 x A (100).
    assert [t.price for t in correction.targets] == pytest.approx([1861.8, 1800.0])
    assert correction.confidence == pytest.approx(2 / 3)


def test_count_waves_b_beyond_the_start_of_a_rejects_the_correction() -> None:
    candidates = count_waves(_path([2000.0, 1900.0, 2010.0, 1850.0], first=SwingKind.HIGH))
    assert not any(c.kind is PatternKind.CORRECTION_DOWN and c.start_index == 0 for c in candidates)


def test_count_waves_non_alternating_swings_give_no_candidate() -> None:
    swings = _path(TEXTBOOK_UP)
    swings[3] = SwingPoint(30, swings[3].price, SwingKind.LOW, 33)
    assert count_waves(swings[:4]) == []


def test_count_waves_fewer_than_three_swings_gives_nothing() -> None:
    assert count_waves(_path([1000.0, 1100.0])) == []
    assert count_waves([]) == []


def test_count_waves_ranks_by_confidence_descending() -> None:
    candidates = count_waves(_path(TEXTBOOK_UP))
    assert len(candidates) > 1
    confidences = [c.confidence for c in candidates]
    assert confidences == sorted(confidences, reverse=True)


def test_label_waves_impulse_then_abc_labels_both_without_overlap() -> None:
    end = TEXTBOOK_UP[-1]
    abc = [end - 100.0, end - 100.0 + 61.8, end - 200.0 + 61.8]
    labelled = label_waves(_path(TEXTBOOK_UP + abc))
    assert [(c.kind, c.start_index, c.end_index) for c in labelled] == [
        (PatternKind.IMPULSE_UP, 0, 50),
        (PatternKind.CORRECTION_DOWN, 50, 80),
    ]


def test_count_all_waves_min_confidence_filters_weak_counts() -> None:
    swings = _path([*TEXTBOOK_UP, 1200.0, 1240.0, 1100.0])
    everything = count_all_waves(swings)
    strong = count_all_waves(swings, min_confidence=0.99)
    assert all(c.is_complete for c in everything)
    assert 0 < len(strong) < len(everything)
    assert all(c.confidence >= 0.99 for c in strong)


def test_detect_waves_given_swings_returns_the_best_count_and_last_close() -> None:
    swings = _path(TEXTBOOK_UP)
    high, low = _candles(swings, [1240.0, 1230.0])
    close = (high + low) / 2
    count = detect_waves(high, low, close, swings=swings)
    assert isinstance(count, ElliottCount)
    assert count.kind is PatternKind.IMPULSE_UP
    assert count.labels == count.best.labels
    assert count.position == "after wave 5 complete: correction expected"
    assert count.confidence == pytest.approx(1.0, abs=1e-9)
    assert count.invalidation == count.best.invalidation
    assert count.targets == count.best.targets
    assert count.last_close == 1230.0
    assert count.best not in count.alternatives


def test_detect_waves_price_after_last_swing_breaking_a_level_drops_that_count() -> None:
    swings = _path(TEXTBOOK_UP[:4])  # in wave 4; wave 1 ended at 1100
    high, low = _candles(swings, [1150.0, 1120.0])
    alive = detect_waves(high, low, low, swings=swings)
    assert alive is not None
    in_wave_4 = [c for c in (alive.best, *alive.alternatives) if c.developing == "4"]
    assert len(in_wave_4) == 1

    high, low = _candles(swings, [1150.0, 1090.0])  # wave 4 enters wave 1's territory
    broken = detect_waves(high, low, low, swings=swings)
    assert broken is not None
    assert all(c.developing != "4" for c in (broken.best, *broken.alternatives))


def test_detect_waves_no_swings_returns_none() -> None:
    prices = np.array([1.0, 2.0, 3.0])
    assert detect_waves(prices, prices, prices, swings=[]) is None


def test_detect_waves_arrays_of_different_lengths_raise_data_error() -> None:
    with pytest.raises(DataError):
        detect_waves(np.ones(3), np.ones(2), np.ones(3), swings=[])


def test_detect_waves_swing_outside_the_arrays_raises_data_error() -> None:
    prices = np.ones(30)
    with pytest.raises(DataError):
        detect_waves(prices, prices, prices, swings=_path(TEXTBOOK_UP))


@pytest.mark.skipif(
    importlib.util.find_spec("xor_trading.indicators.zigzag") is None,
    reason="indicators/zigzag.py not written yet",
)
def test_detect_waves_without_swings_uses_zigzag() -> None:
    from xor_trading.indicators.zigzag import zigzag  # noqa: PLC0415

    swings = _path(TEXTBOOK_UP)
    high, low = _candles(swings, [1240.0, 1150.0])
    expected = detect_waves(high, low, low, swings=zigzag(high, low, 3.0))
    assert detect_waves(high, low, low, threshold_pct=3.0) == expected
