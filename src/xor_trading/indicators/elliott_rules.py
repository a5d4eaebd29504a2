"""Elliott wave hard rules, and the price levels at which a developing count would break them.

A pattern is given by the prices of its turning points ``p0..pk`` (``k`` waves complete) and
by ``up``, the direction of its first wave (wave 1 of an impulse, wave A of a correction).
Wave ``i`` runs from ``p(i-1)`` to ``p(i)``; its *length* is ``abs(p(i) - p(i-1))``.

Rules (a count that breaks one is discarded, never merely scored down):

* every wave moves in its own direction: waves 1, 3, 5 and A, C with the trend, waves 2, 4
  and B against it, each by a non-zero amount;
* impulse: wave 2 never retraces more than 100 % of wave 1 (``p2`` not beyond ``p0``);
  wave 3 ends beyond the end of wave 1 (implied: otherwise wave 4 could not stay out of wave
  1's territory); wave 4 never enters wave 1's price territory (``p4`` not beyond ``p1``);
  wave 3 is never the shortest of waves 1, 3 and 5;
* correction (zigzag or regular flat): wave B never retraces more than 100 % of wave A
  (``p2`` not beyond ``p0``).

A tie is not a break: a level that is touched but not crossed keeps the count alive (so a
regular flat, whose B ends exactly at A's start, is accepted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

IMPULSE_WAVES = 5
CORRECTION_WAVES = 3


@dataclass(frozen=True, slots=True)
class Invalidation:
    """A price level beyond which a count breaks one of its rules.

    The count is broken by a price strictly above ``price`` when ``breaks_above`` is true,
    strictly below it otherwise; ``rule`` says which rule would be broken.
    """

    price: float
    breaks_above: bool
    rule: str

    def is_broken_by(self, price: float) -> bool:
        """Whether ``price`` lies strictly beyond the level (a touch does not break it)."""
        return price > self.price if self.breaks_above else price < self.price


def _oriented(prices: Sequence[float], up: bool) -> list[float]:
    """Prices relative to ``p0``, sign-flipped for a downward pattern so the trend is positive."""
    sign = 1.0 if up else -1.0
    start = prices[0]
    return [(p - start) * sign for p in prices]


def _direction_violation(rel: Sequence[float], names: str) -> str | None:
    for i in range(1, len(rel)):
        move = rel[i] - rel[i - 1]
        with_trend = i % 2 == 1
        if (move <= 0.0) if with_trend else (move >= 0.0):
            return f"wave {names[i - 1]} does not move in its direction"
    return None


def _check_waves(prices: Sequence[float], maximum: int) -> int:
    waves = len(prices) - 1
    if not 1 <= waves <= maximum:
        raise ValueError(f"a pattern has 1 to {maximum} waves, got {waves}")
    return waves


def impulse_violation(prices: Sequence[float], up: bool) -> str | None:
    """The first impulse rule that ``p0..pk`` (1 <= k <= 5) breaks, or None if it breaks none.

    Rules about waves not yet complete are not checked (wave 3 can only be called the
    shortest once wave 5 is complete).
    """
    waves = _check_waves(prices, IMPULSE_WAVES)
    rel = _oriented(prices, up)
    broken = _direction_violation(rel, "12345")
    if broken is not None:
        return broken
    if waves >= 2 and rel[2] < 0.0:
        return "wave 2 retraces more than 100 % of wave 1"
    if waves >= 3 and rel[3] <= rel[1]:
        return "wave 3 does not pass the end of wave 1"
    if waves >= 4 and rel[4] < rel[1]:
        return "wave 4 enters wave 1's price territory"
    if waves == 5:
        w1, w3, w5 = rel[1], rel[3] - rel[2], rel[5] - rel[4]
        if w3 < w1 and w3 < w5:
            return "wave 3 is the shortest of waves 1, 3 and 5"
    return None


def correction_violation(prices: Sequence[float], up: bool) -> str | None:
    """The first A-B-C rule that ``p0..pk`` (1 <= k <= 3) breaks, or None if it breaks none."""
    waves = _check_waves(prices, CORRECTION_WAVES)
    rel = _oriented(prices, up)
    broken = _direction_violation(rel, "ABC")
    if broken is not None:
        return broken
    if waves >= 2 and rel[2] < 0.0:
        return "wave B retraces more than 100 % of wave A"
    return None


def impulse_invalidations(prices: Sequence[float], up: bool) -> tuple[Invalidation, ...]:
    """Levels that would break a valid impulse ``p0..pk`` while its next wave develops.

    * in wave 2 or 3 (k = 1, 2): the start of wave 1, against the trend;
    * in wave 4 or 5 (k = 3, 4): the end of wave 1, against the trend; in wave 5 also, when
      wave 3 is shorter than wave 1, ``p4`` plus the length of wave 3 with the trend (a longer
      wave 5 would leave wave 3 the shortest);
    * after wave 5 (k = 5): the end of wave 5, with the trend (a new extreme means wave 5
      has not ended).

    The first level is the primary one: the level against the trend where there is one.
    """
    waves = _check_waves(prices, IMPULSE_WAVES)
    sign = 1.0 if up else -1.0
    against = not up  # a level against an up trend breaks when price goes below it
    if waves <= 2:
        return (Invalidation(prices[0], against, "wave 2 retraces more than 100 % of wave 1"),)
    if waves == 3:
        return (Invalidation(prices[1], against, "wave 4 enters wave 1's price territory"),)
    if waves == 4:
        levels = [Invalidation(prices[1], against, "wave 4 enters wave 1's price territory")]
        w1 = abs(prices[1] - prices[0])
        w3 = abs(prices[3] - prices[2])
        if w3 < w1:
            cap = prices[4] + sign * w3
            levels.append(Invalidation(cap, up, "wave 3 is the shortest of waves 1, 3 and 5"))
        return tuple(levels)
    return (Invalidation(prices[5], up, "wave 5 has not ended (new extreme beyond it)"),)


def correction_invalidations(prices: Sequence[float], up: bool) -> tuple[Invalidation, ...]:
    """Levels that would break a valid A-B-C ``p0..pk`` while its next wave develops.

    * in wave B or C (k = 1, 2): the start of wave A, against A's direction;
    * after wave C (k = 3): the end of wave C, in A's direction (C has not ended).
    """
    waves = _check_waves(prices, CORRECTION_WAVES)
    if waves <= 2:
        return (Invalidation(prices[0], not up, "wave B retraces more than 100 % of wave A"),)
    return (Invalidation(prices[3], up, "wave C has not ended (new extreme beyond it)"),)
