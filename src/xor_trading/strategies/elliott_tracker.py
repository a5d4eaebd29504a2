"""The live Elliott count of a candle stream, kept up to date one closed candle at a time.

The Elliott strategies (``elliott_wave``, ``momentum_elliott``, ``breakout_elliott``) share
this tracker. It holds an incremental :class:`~xor_trading.indicators.zigzag.ZigZag` and
re-runs :func:`~xor_trading.indicators.elliott.count_waves` only on the candle that confirms
a new swing, so a candle costs O(1) and a count is only ever built from **confirmed**
swings (no lookahead: a swing is used from its ``confirmed_index`` on, never before).

Between swings the candidates are filtered the way
:func:`~xor_trading.indicators.elliott.detect_waves` filters them: a candidate is dropped as
soon as a candle after its last swing crosses one of its invalidation levels (the candle's
high for a level that breaks above, its low for one that breaks below; a touch does not
break it). So after the candle at index ``t``, :attr:`ElliottTracker.count` equals
``detect_waves(high[:t + 1], low[:t + 1], close[:t + 1], threshold_pct)`` (tested on real
data).
"""

from __future__ import annotations

from collections import deque

from xor_trading.indicators.elliott import ElliottCount, WaveCandidate, count_waves
from xor_trading.indicators.swings import SwingPoint
from xor_trading.indicators.zigzag import ZigZag

__all__ = ["ElliottTracker", "extends", "is_broken_by"]

_COUNTED_SWINGS = 6  # count_waves looks at the last six swings (a full impulse) only
_KEPT_SWINGS = 8  # two more, for context before a pattern's start (e.g. the leg it corrects)


def is_broken_by(candidate: WaveCandidate, high: float, low: float) -> bool:
    """Whether a candle with this ``high`` and ``low`` crosses one of the candidate's levels."""
    return any(
        level.is_broken_by(high if level.breaks_above else low) for level in candidate.invalidations
    )


def extends(candidate: WaveCandidate, earlier: WaveCandidate) -> bool:
    """Whether ``candidate`` is ``earlier`` with more waves: same pattern, same first labels."""
    n = len(earlier.labels)
    return (
        candidate.kind is earlier.kind
        and len(candidate.labels) >= n
        and candidate.labels[:n] == earlier.labels
    )


class ElliottTracker:
    """Confirmed ZigZag swings and the live Elliott candidates ending at the last one.

    Call :meth:`update` with every closed candle, in order. Candle indices count from 0 at
    the first candle given; swing and label indices use the same numbering.
    """

    __slots__ = ("_after", "_after_start", "_candidates", "_close", "_swings", "_zigzag", "index")

    def __init__(self, threshold_pct: float) -> None:
        self._zigzag = ZigZag(threshold_pct)
        self._swings: deque[SwingPoint] = deque(maxlen=_KEPT_SWINGS)
        self._candidates: list[WaveCandidate] = []
        # (high, low) of the candles after the last swing; the next swing's candles are
        # checked against its counts when it is confirmed, so these are all that is needed.
        self._after: list[tuple[float, float]] = []
        self._after_start = 0  # candle index of self._after[0]
        self._close = 0.0
        self.index = -1

    @property
    def swings(self) -> tuple[SwingPoint, ...]:
        """The last confirmed swings (up to eight), oldest first."""
        return tuple(self._swings)

    @property
    def candidates(self) -> tuple[WaveCandidate, ...]:
        """Live counts ending at the last swing, best first (empty when none survives)."""
        return tuple(self._candidates)

    @property
    def count(self) -> ElliottCount | None:
        """The current count (best live candidate and the alternatives), or None."""
        if not self._candidates:
            return None
        best, *others = self._candidates
        return ElliottCount(best, tuple(others), self._close)

    def update(self, high: float, low: float, close: float) -> SwingPoint | None:
        """Take one closed candle; return the swing it confirms, if any."""
        self.index += 1
        self._close = close
        self._after.append((high, low))
        swing = self._zigzag.update(high, low)
        if swing is None:
            if self._candidates:
                self._candidates = [c for c in self._candidates if not is_broken_by(c, high, low)]
            return None
        self._swings.append(swing)
        recent = list(self._swings)[-_COUNTED_SWINGS:]
        candidates = count_waves(recent)
        # Candles after the new swing and up to now may already have broken some counts.
        first_after = swing.index + 1 - self._after_start
        for h, lw in self._after[first_after:]:
            candidates = [c for c in candidates if not is_broken_by(c, h, lw)]
        self._candidates = candidates
        # The next swing lies after this one, so older candles will never be needed again.
        self._after = self._after[first_after:]
        self._after_start = swing.index + 1
        return swing
