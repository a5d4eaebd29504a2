"""Elliott wave counting over swing points: ranked hypotheses, never a prophecy.

* :func:`count_waves` lists the counts that end at the last swing (the *current* count):
  impulses with 2 to 5 complete waves and A-B-C corrections with 2 or 3, each checked
  against the hard rules (:mod:`~xor_trading.indicators.elliott_rules`) and scored against
  the Fibonacci relations (:mod:`~xor_trading.indicators.elliott_scoring`), best first.
* :func:`count_all_waves` lists the complete patterns found anywhere (for labelling a chart);
  :func:`label_waves` keeps the best non-overlapping ones, in time order.
* :func:`detect_waves` finds swings with ZigZag (unless given), counts the current waves and
  drops counts that the price since the last swing has already broken.

Counting is over swings only: the current count looks at the last six swings, so its cost
does not depend on the number of candles. See docs/elliott.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

import numpy as np

from xor_trading.core.errors import DataError
from xor_trading.indicators.elliott_rules import (
    CORRECTION_WAVES,
    IMPULSE_WAVES,
    Invalidation,
    correction_invalidations,
    correction_violation,
    impulse_invalidations,
    impulse_violation,
)
from xor_trading.indicators.elliott_scoring import (
    RatioFit,
    Target,
    confidence,
    correction_fits,
    correction_targets,
    impulse_fits,
    impulse_targets,
    mean_fit,
)
from xor_trading.indicators.swings import SwingKind, SwingPoint
from xor_trading.indicators.zigzag import zigzag
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = [
    "ElliottCount",
    "Invalidation",
    "PatternKind",
    "RatioFit",
    "Target",
    "WaveCandidate",
    "WaveLabel",
    "count_all_waves",
    "count_waves",
    "detect_waves",
    "label_waves",
]

_IMPULSE_NAMES: tuple[str, ...] = ("0", "1", "2", "3", "4", "5")
_CORRECTION_NAMES: tuple[str, ...] = ("0", "A", "B", "C")
_MIN_WAVES = 2  # a count needs at least one Fibonacci relation and one rule to check


class PatternKind(Enum):
    """The pattern and its direction: the direction of wave 1 (impulse) or wave A (correction).

    A correction down (A down, B up, C down) corrects an up trend; a correction up, a down trend.
    """

    IMPULSE_UP = "impulse_up"
    IMPULSE_DOWN = "impulse_down"
    CORRECTION_UP = "correction_up"
    CORRECTION_DOWN = "correction_down"

    @property
    def is_impulse(self) -> bool:
        return self in (PatternKind.IMPULSE_UP, PatternKind.IMPULSE_DOWN)

    @property
    def is_up(self) -> bool:
        return self in (PatternKind.IMPULSE_UP, PatternKind.CORRECTION_UP)

    @property
    def waves(self) -> int:
        """Waves in the complete pattern: 5 for an impulse, 3 for a correction."""
        return IMPULSE_WAVES if self.is_impulse else CORRECTION_WAVES


@dataclass(frozen=True, slots=True)
class WaveLabel:
    """The swing at which ``wave`` ends ("1".."5" or "A".."C"); "0" marks the pattern's start."""

    wave: str
    index: int
    price: float


@dataclass(frozen=True, slots=True)
class WaveCandidate:
    """One wave count that breaks no rule.

    ``labels`` has ``waves_complete + 1`` entries, from the start ("0") to the last complete
    wave. ``developing`` is the wave under way after the last label: "3", "4", "5" in an
    impulse, "A" after a complete impulse (its correction), "C" in a correction, "trend"
    after a complete correction. ``fit`` is the mean Fibonacci score of the relations
    ``fits``; ``confidence = fit * waves_complete / kind.waves``. ``invalidations`` are the
    levels the developing wave must not cross (the first is the primary one); ``targets``
    are where it may end.
    """

    kind: PatternKind
    labels: tuple[WaveLabel, ...]
    fits: tuple[RatioFit, ...]
    fit: float
    confidence: float
    invalidations: tuple[Invalidation, ...]
    targets: tuple[Target, ...]

    @property
    def waves_complete(self) -> int:
        return len(self.labels) - 1

    @property
    def is_complete(self) -> bool:
        return self.waves_complete == self.kind.waves

    @property
    def developing(self) -> str:
        names = _IMPULSE_NAMES if self.kind.is_impulse else _CORRECTION_NAMES
        if not self.is_complete:
            return names[self.waves_complete + 1]
        return "A" if self.kind.is_impulse else "trend"

    @property
    def position(self) -> str:
        """Where the market stands in this count, e.g. "in wave 3 (waves 1-2 complete)"."""
        first, last = self.labels[1].wave, self.labels[-1].wave
        if self.is_complete:
            expected = "correction" if self.kind.is_impulse else "trend resumption"
            return f"after wave {last} complete: {expected} expected"
        return f"in wave {self.developing} (waves {first}-{last} complete)"

    @property
    def invalidation(self) -> float:
        """The primary invalidation level."""
        return self.invalidations[0].price

    @property
    def start_index(self) -> int:
        return self.labels[0].index

    @property
    def end_index(self) -> int:
        return self.labels[-1].index


@dataclass(frozen=True, slots=True)
class ElliottCount:
    """The current count: the best candidate, the other live candidates, and the last close."""

    best: WaveCandidate
    alternatives: tuple[WaveCandidate, ...]
    last_close: float

    @property
    def kind(self) -> PatternKind:
        return self.best.kind

    @property
    def labels(self) -> tuple[WaveLabel, ...]:
        return self.best.labels

    @property
    def position(self) -> str:
        return self.best.position

    @property
    def confidence(self) -> float:
        return self.best.confidence

    @property
    def invalidation(self) -> float:
        return self.best.invalidation

    @property
    def invalidations(self) -> tuple[Invalidation, ...]:
        return self.best.invalidations

    @property
    def targets(self) -> tuple[Target, ...]:
        return self.best.targets


def _alternates(points: Sequence[SwingPoint]) -> bool:
    return all(a.kind is not b.kind for a, b in pairwise(points))


def _candidate(points: Sequence[SwingPoint], impulse: bool) -> WaveCandidate | None:
    """The count of ``points`` as an impulse or a correction, or None if it breaks a rule."""
    up = points[0].kind is SwingKind.LOW
    if not _alternates(points):
        return None
    prices = [p.price for p in points]
    if impulse:
        if impulse_violation(prices, up) is not None:
            return None
        kind = PatternKind.IMPULSE_UP if up else PatternKind.IMPULSE_DOWN
        names, fits = _IMPULSE_NAMES, impulse_fits(prices)
        levels, targets = impulse_invalidations(prices, up), impulse_targets(prices, up)
    else:
        if correction_violation(prices, up) is not None:
            return None
        kind = PatternKind.CORRECTION_UP if up else PatternKind.CORRECTION_DOWN
        names, fits = _CORRECTION_NAMES, correction_fits(prices)
        levels, targets = correction_invalidations(prices, up), correction_targets(prices, up)
    waves = len(points) - 1
    labels = tuple(WaveLabel(names[i], p.index, p.price) for i, p in enumerate(points))
    fit = mean_fit(fits)
    return WaveCandidate(
        kind, labels, fits, fit, confidence(fit, waves, kind.waves), levels, targets
    )


def _ranked(candidates: list[WaveCandidate]) -> list[WaveCandidate]:
    """Best first: higher confidence, then more complete waves, then the later start."""
    return sorted(candidates, key=lambda c: (-c.confidence, -c.waves_complete, -c.start_index))


def count_waves(swings: Sequence[SwingPoint]) -> list[WaveCandidate]:
    """Every rule-abiding count that ends at the last swing, best first.

    Impulses with 2 to 5 complete waves and corrections with 2 or 3, built from the last
    3 to 6 swings. Swings must be in time order; a count over swings that do not alternate
    HIGH/LOW is not a candidate. Fewer than 3 swings give an empty list.
    """
    found: list[WaveCandidate] = []
    n = len(swings)
    for impulse, most in ((True, IMPULSE_WAVES), (False, CORRECTION_WAVES)):
        for waves in range(_MIN_WAVES, most + 1):
            if n > waves:
                candidate = _candidate(swings[n - waves - 1 :], impulse)
                if candidate is not None:
                    found.append(candidate)
    return _ranked(found)


def count_all_waves(
    swings: Sequence[SwingPoint], *, min_confidence: float = 0.0
) -> list[WaveCandidate]:
    """Every complete, rule-abiding impulse and A-B-C anywhere in ``swings``, best first.

    Only counts with ``confidence >= min_confidence`` are kept. Cost: O(len(swings)).
    """
    found: list[WaveCandidate] = []
    n = len(swings)
    for start in range(n):
        for impulse, waves in ((True, IMPULSE_WAVES), (False, CORRECTION_WAVES)):
            if start + waves < n:
                candidate = _candidate(swings[start : start + waves + 1], impulse)
                if candidate is not None and candidate.confidence >= min_confidence:
                    found.append(candidate)
    return _ranked(found)


def label_waves(
    swings: Sequence[SwingPoint], *, min_confidence: float = 0.5
) -> list[WaveCandidate]:
    """Complete counts for labelling a chart: greedily the best, never overlapping, in time order.

    Two counts overlap when their swing-index spans share more than an end point (a
    correction may start where an impulse ends).
    """
    chosen: list[WaveCandidate] = []
    for candidate in count_all_waves(swings, min_confidence=min_confidence):
        if all(
            candidate.end_index <= c.start_index or c.end_index <= candidate.start_index
            for c in chosen
        ):
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.start_index)


def detect_waves(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    threshold_pct: float = 5.0,
    swings: list[SwingPoint] | None = None,
) -> ElliottCount | None:
    """The current Elliott count of a price series, or None when no count survives.

    ``swings`` defaults to ``zigzag(high, low, threshold_pct)`` (confirmed swings only, so no
    lookahead); given swings are used as they are and ``threshold_pct`` is ignored. Counts
    come from :func:`count_waves`; a count is dropped when a candle after the last swing has
    already crossed one of its invalidation levels (its high for a level that breaks above,
    its low for one that breaks below). The arrays must have one equal, non-zero length and
    every swing index must lie inside them (:class:`DataError` otherwise).
    """
    n = len(close)
    if n == 0 or len(high) != n or len(low) != n:
        raise DataError(
            f"high, low and close must have one non-zero length, got {len(high)}, {len(low)}, {n}",
            hint="pass the columns of one candle frame",
        )
    if swings is None:
        swings = zigzag(high, low, threshold_pct)
    if not swings:
        return None
    last = swings[-1].index
    if not 0 <= last < n:
        raise DataError(
            f"swing index {last} is outside the {n} candles",
            hint="find the swings on the same arrays",
        )
    live = count_waves(swings)
    if last + 1 < n:
        top = float(np.max(high[last + 1 :]))
        bottom = float(np.min(low[last + 1 :]))
        live = [
            c
            for c in live
            if not any(
                level.is_broken_by(top if level.breaks_above else bottom)
                for level in c.invalidations
            )
        ]
    if not live:
        return None
    return ElliottCount(live[0], tuple(live[1:]), float(close[-1]))
