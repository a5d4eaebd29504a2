"""No Elliott count ever breaks a hard rule: random swing paths (hypothesis) and real candles.

The rules are re-checked here from the labels alone, independently of elliott_rules.py.
Real data: swings from indicators/zigzag.py when it exists, else from a small private finder.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.indicators.elliott import (
    WaveCandidate,
    count_all_waves,
    count_waves,
    detect_waves,
    label_waves,
)
from xor_trading.indicators.swings import SwingKind, SwingPoint

CANDLES = Path("/work/shared/data/candles")
FIB = [0.236, 0.382, 0.5, 0.618, 0.786, 1.0, 1.272, 1.618, 2.618]


def _assert_obeys_rules(
    candidate: WaveCandidate, swings: list[SwingPoint], position: dict[int, int]
) -> None:
    labels = candidate.labels
    first = position[labels[0].index]
    used = swings[first : first + len(labels)]
    assert [(s.index, s.price) for s in used] == [(lab.index, lab.price) for lab in labels]
    assert 2 <= candidate.waves_complete <= candidate.kind.waves
    assert 0.0 <= candidate.confidence <= candidate.fit <= 1.0
    sign = 1.0 if candidate.kind.is_up else -1.0
    p = [(lab.price - labels[0].price) * sign for lab in labels]  # the trend points up
    start_kind = SwingKind.LOW if candidate.kind.is_up else SwingKind.HIGH
    assert used[0].kind is start_kind
    for i in range(1, len(p)):
        assert used[i].kind is not used[i - 1].kind
        assert (p[i] > p[i - 1]) if i % 2 == 1 else (p[i] < p[i - 1])
    assert p[2] >= 0.0  # wave 2 / wave B retraces at most 100 %
    if candidate.kind.is_impulse and len(p) >= 5:
        assert p[4] >= p[1]  # wave 4 stays out of wave 1's territory
    if candidate.kind.is_impulse and len(p) == 6:
        w1, w3, w5 = p[1] - p[0], p[3] - p[2], p[5] - p[4]
        assert not (w3 < w1 and w3 < w5)  # wave 3 is not the shortest


def _assert_all_obey_rules(swings: list[SwingPoint]) -> int:
    """Check every current count after every swing, and every count anywhere; return how many."""
    position = {s.index: i for i, s in enumerate(swings)}
    checked = 0
    for end in range(1, len(swings) + 1):
        window = swings[:end]
        current = count_waves(window)
        assert [c.confidence for c in current] == sorted(
            (c.confidence for c in current), reverse=True
        )
        for candidate in current:
            assert candidate.end_index == window[-1].index
            _assert_obeys_rules(candidate, window, position)
        checked += len(current)
    for candidate in count_all_waves(swings):
        assert candidate.is_complete
        _assert_obeys_rules(candidate, swings, position)
        checked += 1
    labelled = label_waves(swings, min_confidence=0.0)
    for before, after in pairwise(labelled):
        assert before.end_index <= after.start_index
    return checked


@st.composite
def _swing_paths(draw: st.DrawFn) -> list[SwingPoint]:
    """Alternating swings whose successive move lengths are Fibonacci or arbitrary ratios."""
    count = draw(st.integers(min_value=3, max_value=16))
    ratio = st.one_of(st.sampled_from(FIB), st.floats(min_value=0.05, max_value=4.0))
    lengths = [draw(st.floats(min_value=1.0, max_value=100.0))]
    for _ in range(count - 2):
        lengths.append(lengths[-1] * draw(ratio))
    up = draw(st.booleans())
    price = 1e6
    kinds = (SwingKind.LOW, SwingKind.HIGH) if up else (SwingKind.HIGH, SwingKind.LOW)
    swings = [SwingPoint(0, price, kinds[0], 1)]
    for i, length in enumerate(lengths, start=1):
        price += length if (i % 2 == 1) == up else -length
        swings.append(SwingPoint(5 * i, price, kinds[i % 2], 5 * i + 1))
    return swings


@settings(max_examples=300, deadline=None)
@given(_swing_paths())
def test_count_waves_random_alternating_paths_never_return_a_rule_breaker(
    swings: list[SwingPoint],
) -> None:
    _assert_all_obey_rules(swings)


def _private_swings(high: np.ndarray, low: np.ndarray, threshold_pct: float) -> list[SwingPoint]:
    """Percentage ZigZag: an extreme is a swing once price reverses ``threshold_pct`` from it."""
    up_factor, down_factor = 1.0 + threshold_pct / 100.0, 1.0 - threshold_pct / 100.0
    hs, ls = high.tolist(), low.tolist()
    swings: list[SwingPoint] = []
    trend, hi, lo = 0, 0, 0
    for i, (h, lw) in enumerate(zip(hs, ls, strict=True)):
        if trend >= 0 and h > hs[hi]:
            hi = i
        if trend <= 0 and lw < ls[lo]:
            lo = i
        if trend <= 0 and h >= ls[lo] * up_factor and lo < i:
            swings.append(SwingPoint(lo, ls[lo], SwingKind.LOW, i))
            trend, hi = 1, i
        elif trend >= 0 and lw <= hs[hi] * down_factor and hi < i:
            swings.append(SwingPoint(hi, hs[hi], SwingKind.HIGH, i))
            trend, lo = -1, i
    return swings


def _swing_finder() -> Callable[[np.ndarray, np.ndarray, float], list[SwingPoint]]:
    if importlib.util.find_spec("xor_trading.indicators.zigzag") is None:
        return _private_swings
    finder: Callable[[np.ndarray, np.ndarray, float], list[SwingPoint]] = importlib.import_module(
        "xor_trading.indicators.zigzag"
    ).zigzag
    return finder


@pytest.mark.parametrize(
    ("file", "threshold_pct"),
    [
        ("binance_BTC-USDT_1h.parquet", 3.0),
        ("binance_BTC-USDT_1h.parquet", 8.0),
        ("binance_ETH-USDT_5m.parquet", 2.0),
        ("binance_ETH-USDT_5m.parquet", 5.0),
    ],
)
def test_count_waves_real_candles_every_window_never_returns_a_rule_breaker(
    file: str, threshold_pct: float
) -> None:
    path = CANDLES / file
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(path, columns=["high", "low", "close"])
    high, low, close = (
        np.ascontiguousarray(table.column(c).to_numpy()) for c in table.column_names
    )
    swings = _swing_finder()(high, low, threshold_pct)
    assert len(swings) > 20
    assert _assert_all_obey_rules(swings) > len(swings)  # the check is not vacuous

    count = detect_waves(high, low, close, threshold_pct, swings=swings)
    if count is not None:
        assert count.best in count_waves(swings)
        assert count.last_close == close[-1]
    if _swing_finder() is not _private_swings:  # zigzag exists: detect_waves finds the same swings
        assert detect_waves(high, low, close, threshold_pct) == count
