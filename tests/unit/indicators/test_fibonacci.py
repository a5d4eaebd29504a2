"""Fibonacci levels (indicators/fibonacci.py): hand-computed retracements and extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.fibonacci import (
    EXTENSION_RATIOS,
    RETRACEMENT_RATIOS,
    FibKind,
    FibLevel,
    extensions,
    levels_from_last_swings,
    retracements,
    zigzag_levels,
)
from xor_trading.indicators.swings import SwingKind, SwingPoint
from xor_trading.indicators.zigzag import zigzag

REAL = Path("/work/shared/data/candles/binance_BTC-USDT_1h.parquet")


def _low(index: int, price: float) -> SwingPoint:
    return SwingPoint(index, price, SwingKind.LOW, index + 1)


def _high(index: int, price: float) -> SwingPoint:
    return SwingPoint(index, price, SwingKind.HIGH, index + 1)


def _prices(levels: list[FibLevel]) -> list[float]:
    return [level.price for level in levels]


def test_retracements_of_a_rise_from_100_to_200_are_hand_computed() -> None:
    levels = retracements(_low(0, 100.0), _high(5, 200.0))
    assert [level.ratio for level in levels] == list(RETRACEMENT_RATIOS)
    assert _prices(levels) == pytest.approx([176.4, 161.8, 150.0, 138.2, 121.4], rel=1e-12)
    assert {level.kind for level in levels} == {FibKind.RETRACEMENT}


def test_retracements_of_a_fall_from_200_to_100_count_up_from_the_low() -> None:
    levels = retracements(_high(0, 200.0), _low(5, 100.0), ratios=(0.382, 0.618))
    assert _prices(levels) == pytest.approx([138.2, 161.8], rel=1e-12)


def test_extensions_of_100_200_150_are_hand_computed() -> None:
    levels = extensions(_low(0, 100.0), _high(5, 200.0), _low(9, 150.0))
    assert [level.ratio for level in levels] == list(EXTENSION_RATIOS)
    assert _prices(levels) == pytest.approx([211.8, 250.0, 277.2, 311.8, 411.8], rel=1e-12)
    assert {level.kind for level in levels} == {FibKind.EXTENSION}


def test_extensions_of_a_fall_project_below_the_pull_back() -> None:
    levels = extensions(_high(0, 200.0), _low(5, 100.0), _high(9, 150.0), ratios=(1.0, 1.618))
    assert _prices(levels) == pytest.approx([50.0, 150.0 - 161.8], rel=1e-12)


def test_ratio_zero_and_one_give_the_swing_prices() -> None:
    levels = retracements(_low(0, 100.0), _high(5, 200.0), ratios=(0, 1))
    assert levels == [
        FibLevel(0.0, 200.0, FibKind.RETRACEMENT),
        FibLevel(1.0, 100.0, FibKind.RETRACEMENT),
    ]


def test_levels_from_last_swings_use_the_last_leg_and_the_last_three_swings() -> None:
    swings = [_high(0, 500.0), _low(2, 100.0), _high(5, 200.0), _low(9, 150.0)]
    assert levels_from_last_swings(swings) == [
        *retracements(swings[2], swings[3]),
        *extensions(swings[1], swings[2], swings[3]),
    ]
    assert levels_from_last_swings(swings[:2]) == retracements(swings[0], swings[1])
    assert levels_from_last_swings(swings[:1]) == []
    assert levels_from_last_swings([]) == []


def test_zigzag_levels_on_real_data_are_the_levels_of_the_zigzag_swings() -> None:
    if not REAL.exists():
        pytest.skip(f"real candles not available: {REAL}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(REAL, columns=["high", "low"])
    high, low = table.column("high").to_numpy(), table.column("low").to_numpy()
    levels = zigzag_levels(high, low, 4.0)
    assert len(levels) == 10
    assert levels == levels_from_last_swings(zigzag(high, low, 4.0))
    assert zigzag_levels(high[:3], low[:3]) == []


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (_low(0, 100.0), _low(5, 90.0), "alternate"),
        (_high(5, 200.0), _low(0, 100.0), "alternate"),
        (_low(0, 100.0), _high(5, 90.0), "is not above swing low"),
    ],
)
def test_retracements_of_swings_that_do_not_make_a_leg_raise_config_error(
    a: SwingPoint, b: SwingPoint, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        retracements(a, b)
    assert info.value.hint


def test_extensions_need_an_alternating_a_b_c() -> None:
    with pytest.raises(ConfigError, match="alternate"):
        extensions(_low(0, 100.0), _high(5, 200.0), _high(9, 150.0))


@pytest.mark.parametrize("ratio", [-0.1, float("nan"), float("inf"), "0.5", True])
def test_bad_ratios_raise_config_error_with_hint(ratio: object) -> None:
    with pytest.raises(ConfigError, match="ratios must be finite numbers") as info:
        retracements(_low(0, 100.0), _high(5, 200.0), ratios=(0.5, ratio))  # type: ignore[arg-type]
    assert "0.618" in info.value.hint
