"""Swing points: the turning points that ZigZag finds and Elliott wave counting consumes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class SwingKind(Enum):
    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class SwingPoint:
    """A confirmed turning point: candle ``index`` (in the input arrays), its price and kind.

    Swings alternate HIGH, LOW, HIGH... ``confirmed_index`` is the candle at which the swing
    became known (the reversal threshold was crossed); using a swing before that candle
    would be lookahead.
    """

    index: int
    price: float
    kind: SwingKind
    confirmed_index: int
