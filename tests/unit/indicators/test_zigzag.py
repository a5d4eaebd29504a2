"""ZigZag (indicators/zigzag.py): hand-built swings, confirmation without lookahead, real data."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.swings import SwingKind, SwingPoint
from xor_trading.indicators.zigzag import PendingSwing, ZigZag, zigzag, zigzag_with_pending

CANDLES = Path("/work/shared/data/candles")
REAL_FILES = ["binance_BTC-USDT_1h.parquet", "binance_ETH-USDT_5m.parquet"]
HIGH, LOW = SwingKind.HIGH, SwingKind.LOW


@pytest.fixture(scope="module", params=REAL_FILES)
def real(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray]:
    path = CANDLES / request.param
    if not path.exists():
        pytest.skip(f"real candles not available: {path}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(path, columns=["high", "low"])
    return table.column("high").to_numpy(), table.column("low").to_numpy()


def _zz(highs: list[float], lows: list[float], pct: float = 5.0) -> list[SwingPoint]:
    return zigzag(np.array(highs), np.array(lows), pct)


def test_zigzag_rising_start_gives_hand_computed_swings_and_pending() -> None:
    highs = [100.0, 110.0, 104.0, 103.0, 108.0, 120.0, 113.0]
    lows = [99.0, 108.0, 100.0, 98.0, 105.0, 118.0, 112.0]
    swings, pending = zigzag_with_pending(np.array(highs), np.array(lows), 5.0)
    assert swings == [
        SwingPoint(0, 99.0, LOW, 1),
        SwingPoint(1, 110.0, HIGH, 2),
        SwingPoint(3, 98.0, LOW, 4),
        SwingPoint(5, 120.0, HIGH, 6),
    ]
    assert pending == PendingSwing(6, 112.0, LOW)


def test_zigzag_falling_start_confirms_a_high_first() -> None:
    swings, pending = zigzag_with_pending(
        np.array([100.0, 98.0, 94.0, 97.0, 101.0]), np.array([99.0, 96.0, 90.0, 93.0, 99.0])
    )
    assert swings == [SwingPoint(0, 100.0, HIGH, 2), SwingPoint(2, 90.0, LOW, 3)]
    assert pending == PendingSwing(4, 101.0, HIGH)


def test_zigzag_candle_making_a_new_extreme_does_not_confirm_its_reversal() -> None:
    # Candle 2 makes a new high 111 and a low 100 (more than 5 % below): the order inside
    # the candle is unknown, so the swing high is confirmed by candle 3 only.
    swings = _zz([100.0, 110.0, 111.0, 105.0], [99.0, 108.0, 100.0, 104.0])
    assert swings == [SwingPoint(0, 99.0, LOW, 1), SwingPoint(2, 111.0, HIGH, 3)]


def test_zigzag_equal_highs_keep_the_first() -> None:
    swings = _zz([100.0, 110.0, 110.0, 100.0], [99.0, 108.0, 108.0, 95.0])
    assert swings[-1] == SwingPoint(1, 110.0, HIGH, 3)


def test_zigzag_reversal_of_exactly_the_threshold_confirms() -> None:
    assert _zz([100.0, 100.0], [100.0, 95.0]) == [SwingPoint(0, 100.0, HIGH, 1)]


def test_zigzag_moves_below_the_threshold_give_no_swing_and_no_pending() -> None:
    swings, pending = zigzag_with_pending(np.array([100.0, 101.0, 102.0]), np.array([99.0] * 3))
    assert swings == []
    assert pending is None
    assert zigzag(np.array([]), np.array([])) == []


def test_incremental_zigzag_reports_each_swing_on_its_confirming_candle() -> None:
    ind = ZigZag(5.0)
    highs = [100.0, 110.0, 104.0, 103.0, 108.0, 120.0, 113.0]
    lows = [99.0, 108.0, 100.0, 98.0, 105.0, 118.0, 112.0]
    out = [ind.update(h, lw) for h, lw in zip(highs, lows, strict=True)]
    assert out[0] is None
    assert out[3] is None
    assert out[5] is None
    assert [s.confirmed_index for s in out if s is not None] == [1, 2, 4, 6]
    assert ind.pending == PendingSwing(6, 112.0, LOW)
    assert ind.warmup == 2
    assert ind.threshold_pct == 5.0


@pytest.mark.parametrize("pct", [1.0, 5.0])
def test_zigzag_swings_on_real_data_alternate_and_cross_the_threshold_when_confirmed(
    real: tuple[np.ndarray, np.ndarray], pct: float
) -> None:
    high, low = real
    swings = zigzag(high, low, pct)
    assert len(swings) > 20
    for prev, swing in itertools.pairwise(swings):
        assert prev.kind is not swing.kind
        assert prev.index < swing.index
        assert prev.confirmed_index < swing.confirmed_index
        # The swing is the extreme between the previous confirmation and its own.
        span = slice(prev.confirmed_index, swing.confirmed_index + 1)
        assert prev.confirmed_index <= swing.index < swing.confirmed_index
        if swing.kind is HIGH:
            assert swing.price == high[swing.index] == high[span].max()
            assert low[swing.confirmed_index] <= swing.price * (1 - pct / 100)
        else:
            assert swing.price == low[swing.index] == low[span].min()
            assert high[swing.confirmed_index] >= swing.price * (1 + pct / 100)


def test_zigzag_on_a_prefix_returns_the_swings_confirmed_within_it_no_lookahead(
    real: tuple[np.ndarray, np.ndarray],
) -> None:
    high, low = real
    whole = zigzag(high, low, 3.0)
    for cut in (1_000, 20_000, len(high) - 7):
        assert zigzag(high[:cut], low[:cut], 3.0) == [s for s in whole if s.confirmed_index < cut]


def test_zigzag_batch_equals_incremental_on_real_data(real: tuple[np.ndarray, np.ndarray]) -> None:
    high, low = real
    ind = ZigZag(2.0)
    incremental = [ind.update(h, lw) for h, lw in zip(high.tolist(), low.tolist(), strict=True)]
    swings, pending = zigzag_with_pending(high, low, 2.0)
    assert swings == [s for s in incremental if s is not None]
    assert pending == ind.pending


@pytest.mark.parametrize("pct", [0.0, -1.0, 100.0, 250.0, float("nan"), "5", True])
def test_zigzag_bad_threshold_raises_config_error_with_hint(pct: object) -> None:
    with pytest.raises(ConfigError, match="threshold_pct must be a percentage") as info:
        zigzag(np.array([1.0]), np.array([1.0]), pct)  # type: ignore[arg-type]
    assert "threshold_pct=5" in info.value.hint
    with pytest.raises(ConfigError):
        ZigZag(pct)  # type: ignore[arg-type]
