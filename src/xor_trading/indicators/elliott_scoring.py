"""Fibonacci relations between Elliott waves: how well a count fits them, and where they project.

One table of ideal ratios drives both the score of a count and its price targets.

**Fit of one relation.** For an actual length ratio ``r`` and a set of ideals (points, or
bands ``[lo, hi]`` inside which any ratio is ideal)::

    d     = min over ideals of the distance in log space from r to the ideal
            (0 inside a band; |ln(r / x)| to a point x; to a band, to its nearer edge)
    score = exp(-d**2 / (2 * SIGMA_LOG**2))   # 1 at an ideal; 0.5 at 1.34x or 1/1.34x of it

**Fit of a count** = the mean score over the relations its complete waves allow;
**confidence** = fit * waves_complete / waves_in_pattern (a half-seen pattern earns at most
half the confidence of a complete one). Both are in [0, 1].

Relations (lengths are absolute price moves):

==============  ==========================  ===============================
relation        ratio                       ideals
==============  ==========================  ===============================
wave 2          wave 2 / wave 1             band 0.5-0.618
wave 3          wave 3 / wave 1             1.0, 1.618, 2.618
wave 4          wave 4 / wave 3             0.236, 0.382, 0.5
wave 5          wave 5 / wave 1, or         1.0 (the better of the two
                wave 5 / wave 3             0.618  counts)
wave B          wave B / wave A             band 0.5-0.786
wave C          wave C / wave A             1.0, 1.618
==============  ==========================  ===============================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from xor_trading.indicators.elliott_rules import CORRECTION_WAVES, IMPULSE_WAVES

SIGMA_LOG = 0.25
"""Width of the fit in natural-log units: a ratio 28 % away from its ideal scores about 0.6."""

Band = tuple[float, float]

WAVE2_RETRACE: tuple[Band, ...] = ((0.5, 0.618),)
WAVE3_TO_WAVE1: tuple[Band, ...] = ((1.0, 1.0), (1.618, 1.618), (2.618, 2.618))
WAVE4_RETRACE: tuple[Band, ...] = ((0.236, 0.236), (0.382, 0.382), (0.5, 0.5))
WAVE5_TO_WAVE1: tuple[Band, ...] = ((1.0, 1.0),)
WAVE5_TO_WAVE3: tuple[Band, ...] = ((0.618, 0.618),)
WAVE5_TO_WAVES1_3 = 0.618
WAVEB_RETRACE: tuple[Band, ...] = ((0.5, 0.786),)
WAVEC_TO_WAVEA: tuple[Band, ...] = ((1.0, 1.0), (1.618, 1.618))
CORRECTION_RETRACE = (0.382, 0.5, 0.618)


@dataclass(frozen=True, slots=True)
class RatioFit:
    """One Fibonacci relation of a count: the actual ratio, the nearest ideal and its score."""

    relation: str
    ratio: float
    ideal: float
    score: float


@dataclass(frozen=True, slots=True)
class Target:
    """A projected end of the developing wave: ``ratio`` times ``basis``, at ``price``."""

    wave: str
    price: float
    ratio: float
    basis: str


def fit_ratio(relation: str, ratio: float, ideals: Sequence[Band]) -> RatioFit:
    """Score ``ratio`` (> 0) against the nearest of ``ideals`` (see the module docstring)."""
    if not ratio > 0.0:
        raise ValueError(f"a wave ratio must be positive, got {ratio}")
    best_distance = math.inf
    best_ideal = math.nan
    for lo, hi in ideals:
        nearest = min(max(ratio, lo), hi)
        distance = abs(math.log(ratio / nearest))
        if distance < best_distance:
            best_distance, best_ideal = distance, nearest
    score = math.exp(-(best_distance**2) / (2.0 * SIGMA_LOG**2))
    return RatioFit(relation, ratio, best_ideal, score)


def _lengths(prices: Sequence[float]) -> list[float]:
    return [abs(b - a) for a, b in pairwise(prices)]


def impulse_fits(prices: Sequence[float]) -> tuple[RatioFit, ...]:
    """The relations that the complete waves of impulse ``p0..pk`` allow (none for k = 1).

    Assumes the rules hold (every wave has a non-zero length).
    """
    w = _lengths(prices)
    fits: list[RatioFit] = []
    if len(w) >= 2:
        fits.append(fit_ratio("wave 2 / wave 1", w[1] / w[0], WAVE2_RETRACE))
    if len(w) >= 3:
        fits.append(fit_ratio("wave 3 / wave 1", w[2] / w[0], WAVE3_TO_WAVE1))
    if len(w) >= 4:
        fits.append(fit_ratio("wave 4 / wave 3", w[3] / w[2], WAVE4_RETRACE))
    if len(w) >= 5:
        by_wave1 = fit_ratio("wave 5 / wave 1", w[4] / w[0], WAVE5_TO_WAVE1)
        by_wave3 = fit_ratio("wave 5 / wave 3", w[4] / w[2], WAVE5_TO_WAVE3)
        fits.append(by_wave1 if by_wave1.score >= by_wave3.score else by_wave3)
    return tuple(fits)


def correction_fits(prices: Sequence[float]) -> tuple[RatioFit, ...]:
    """The relations that the complete waves of A-B-C ``p0..pk`` allow (none for k = 1)."""
    w = _lengths(prices)
    fits: list[RatioFit] = []
    if len(w) >= 2:
        fits.append(fit_ratio("wave B / wave A", w[1] / w[0], WAVEB_RETRACE))
    if len(w) >= 3:
        fits.append(fit_ratio("wave C / wave A", w[2] / w[0], WAVEC_TO_WAVEA))
    return tuple(fits)


def mean_fit(fits: Sequence[RatioFit]) -> float:
    """The mean score of ``fits``; 0 when there is none."""
    if not fits:
        return 0.0
    return math.fsum(f.score for f in fits) / len(fits)


def confidence(fit: float, waves_complete: int, waves_in_pattern: int) -> float:
    """``fit * waves_complete / waves_in_pattern``: a partly seen pattern earns less."""
    return fit * (waves_complete / waves_in_pattern)


def _points(bands: Sequence[Band]) -> list[float]:
    return sorted({x for band in bands for x in band})


def _project(
    wave: str, start: float, sign: float, length: float, ratios: Sequence[float], basis: str
) -> list[Target]:
    """Targets ``start + sign * ratio * length``; projections at or below zero are dropped."""
    targets = []
    for ratio in ratios:
        price = start + sign * ratio * length
        if price > 0.0:
            targets.append(Target(wave, price, ratio, f"{ratio:g} x {basis}"))
    return targets


def impulse_targets(prices: Sequence[float], up: bool) -> tuple[Target, ...]:
    """Where the wave developing after impulse ``p0..pk`` (2 <= k <= 5) may end.

    * in wave 3: ``p2 +/- {1.0, 1.618, 2.618} x wave 1``;
    * in wave 4: ``p3 -/+ {0.236, 0.382, 0.5} x wave 3``, keeping those outside wave 1's
      territory;
    * in wave 5: ``p4 +/- 1.0 x wave 1``, ``0.618 x wave 3`` and ``0.618 x (p0 to p3)``;
    * after wave 5: the correction's end at ``p5 -/+ {0.382, 0.5, 0.618} x (p0 to p5)``.
    """
    waves = len(prices) - 1
    if not 2 <= waves <= IMPULSE_WAVES:
        raise ValueError(f"targets need 2 to {IMPULSE_WAVES} impulse waves, got {waves}")
    sign = 1.0 if up else -1.0
    w = _lengths(prices)
    targets: list[Target] = []
    if waves == 2:
        ratios = _points(WAVE3_TO_WAVE1)
        targets = _project("3", prices[2], sign, w[0], ratios, "wave 1 from the end of wave 2")
    elif waves == 3:
        ratios = _points(WAVE4_RETRACE)
        basis = "wave 3 back from the end of wave 3"
        projected = _project("4", prices[3], -sign, w[2], ratios, basis)
        targets = [t for t in projected if (t.price - prices[1]) * sign >= 0.0]
    elif waves == 4:
        targets = [
            *_project(
                "5", prices[4], sign, w[0], _points(WAVE5_TO_WAVE1), "wave 1 from the end of wave 4"
            ),
            *_project(
                "5", prices[4], sign, w[2], _points(WAVE5_TO_WAVE3), "wave 3 from the end of wave 4"
            ),
            *_project(
                "5",
                prices[4],
                sign,
                abs(prices[3] - prices[0]),
                (WAVE5_TO_WAVES1_3,),
                "waves 1-3 from the end of wave 4",
            ),
        ]
    else:
        total = abs(prices[5] - prices[0])
        basis = "waves 1-5 back from the end of wave 5"
        targets = _project("A-B-C", prices[5], -sign, total, CORRECTION_RETRACE, basis)
    return tuple(targets)


def correction_targets(prices: Sequence[float], up: bool) -> tuple[Target, ...]:
    """Where the wave developing after A-B-C ``p0..pk`` (2 <= k <= 3) may end.

    * in wave C: ``p2 +/- {1.0, 1.618} x wave A``;
    * after wave C: none (the pattern says nothing about the next trend's extent).
    """
    waves = len(prices) - 1
    if not 2 <= waves <= CORRECTION_WAVES:
        raise ValueError(f"targets need 2 to {CORRECTION_WAVES} correction waves, got {waves}")
    if waves == 3:
        return ()
    sign = 1.0 if up else -1.0
    length = abs(prices[1] - prices[0])
    basis = "wave A from the end of wave B"
    return tuple(_project("C", prices[2], sign, length, _points(WAVEC_TO_WAVEA), basis))
