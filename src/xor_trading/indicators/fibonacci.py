"""Fibonacci retracement and extension levels between swing points.

For a move from swing ``a`` to swing ``b`` (prices in the quote currency):

* **retracement** of ratio ``r``: ``b - r * (b - a)``. From a LOW at 100 to a HIGH at 200,
  0.382 is 161.8: the level a pull-back from 200 would reach after giving back 38.2 %.
* **extension** of an A-B-C move (``c`` the end of the pull-back after ``a -> b``):
  ``c + r * (b - a)``. From 100 -> 200 -> 150, 1.0 is 250 and 1.618 is 311.8: targets
  for the leg that starts at ``c``.

Swings must alternate (HIGH, LOW, HIGH... or LOW, HIGH, LOW...), be in index order, and a
HIGH must be above its neighbouring LOW. Levels use only the given swings: computed from
:func:`~xor_trading.indicators.zigzag.zigzag` swings they are known at the last swing's
``confirmed_index``, not before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.swings import SwingKind, SwingPoint
from xor_trading.indicators.zigzag import zigzag
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = [
    "EXTENSION_RATIOS",
    "RETRACEMENT_RATIOS",
    "FibKind",
    "FibLevel",
    "extensions",
    "levels_from_last_swings",
    "retracements",
    "zigzag_levels",
]

RETRACEMENT_RATIOS = (0.236, 0.382, 0.5, 0.618, 0.786)
EXTENSION_RATIOS = (0.618, 1.0, 1.272, 1.618, 2.618)


class FibKind(Enum):
    RETRACEMENT = "retracement"
    EXTENSION = "extension"


@dataclass(frozen=True, slots=True)
class FibLevel:
    """A price level: ``ratio`` of the reference move, of ``kind``."""

    ratio: float
    price: float
    kind: FibKind


def _check_ratios(ratios: Sequence[float]) -> None:
    for r in ratios:
        if isinstance(r, bool) or not isinstance(r, int | float) or not math.isfinite(r) or r < 0:
            raise ConfigError(
                f"Fibonacci ratios must be finite numbers of 0 or more; got {r!r}",
                "pass ratios such as (0.382, 0.5, 0.618)",
            )


def _check_leg(first: SwingPoint, second: SwingPoint) -> None:
    if first.kind is second.kind or first.index >= second.index:
        raise ConfigError(
            f"swings must alternate in index order; got {first.kind.value} at {first.index} "
            f"then {second.kind.value} at {second.index}",
            "pass consecutive swings, as zigzag returns them",
        )
    high, low = (first, second) if first.kind is SwingKind.HIGH else (second, first)
    if high.price <= low.price:
        raise ConfigError(
            f"swing high {high.price} is not above swing low {low.price}",
            "pass swings whose HIGH is above the LOW next to it",
        )


def retracements(
    swing_a: SwingPoint, swing_b: SwingPoint, ratios: Sequence[float] = RETRACEMENT_RATIOS
) -> list[FibLevel]:
    """Levels ``b - r * (b - a)`` retracing the move ``a -> b``, in the order of ``ratios``."""
    _check_leg(swing_a, swing_b)
    _check_ratios(ratios)
    move = swing_b.price - swing_a.price
    return [FibLevel(float(r), swing_b.price - r * move, FibKind.RETRACEMENT) for r in ratios]


def extensions(
    a: SwingPoint, b: SwingPoint, c: SwingPoint, ratios: Sequence[float] = EXTENSION_RATIOS
) -> list[FibLevel]:
    """Levels ``c + r * (b - a)`` projecting the move ``a -> b`` from ``c``."""
    _check_leg(a, b)
    _check_leg(b, c)
    _check_ratios(ratios)
    move = b.price - a.price
    return [FibLevel(float(r), c.price + r * move, FibKind.EXTENSION) for r in ratios]


def levels_from_last_swings(swings: Sequence[SwingPoint]) -> list[FibLevel]:
    """Retracements of the last leg, then extensions of the last three swings.

    The leg now under way starts at the last swing: the retracements of the last
    confirmed leg are where it may stall, the extensions where it may aim. Empty with
    fewer than two swings; retracements only with two.
    """
    levels: list[FibLevel] = []
    if len(swings) >= 2:
        levels += retracements(swings[-2], swings[-1])
    if len(swings) >= 3:
        levels += extensions(swings[-3], swings[-2], swings[-1])
    return levels


def zigzag_levels(high: FloatArray, low: FloatArray, threshold_pct: float = 5.0) -> list[FibLevel]:
    """:func:`levels_from_last_swings` of the ZigZag swings of the whole arrays."""
    return levels_from_last_swings(zigzag(high, low, threshold_pct))
