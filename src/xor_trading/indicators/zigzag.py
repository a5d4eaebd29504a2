"""ZigZag: alternating swing highs and lows that reverse by at least ``threshold_pct``.

Rules, candle by candle (highs and lows in the quote currency):

* While the last confirmed swing is a LOW, the candidate HIGH is the highest high since
  then. A candle whose high exceeds it becomes the new candidate. Otherwise, if the
  candle's low is at or below ``candidate * (1 - threshold_pct / 100)``, the candidate is
  confirmed as a swing HIGH at this candle (``confirmed_index``), and this candle's low
  becomes the candidate LOW. Mirror rules after a swing HIGH, with
  ``candidate * (1 + threshold_pct / 100)``.
* A candle that makes a new extreme cannot also confirm that extreme's reversal: the
  order of high and low inside a candle is unknown. Equal highs (lows) keep the first.
* Before the first swing, the highest high and lowest low so far are both candidates; the
  earlier one is confirmed once the later one is ``threshold_pct`` away from it.

No lookahead: a swing is only reported at its ``confirmed_index``, using candles up to
that one. The last extreme, not yet confirmed, is not among the swings; get it with
:func:`zigzag_with_pending` or :attr:`ZigZag.pending`. Warm-up: at least 2 candles, in
practice as many as it takes the price to move ``threshold_pct``.

The batch form drives :class:`ZigZag` over the arrays, so both agree by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.donchian import as_prices
from xor_trading.indicators.swings import SwingKind, SwingPoint
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["PendingSwing", "ZigZag", "check_threshold", "zigzag", "zigzag_with_pending"]


@dataclass(frozen=True, slots=True)
class PendingSwing:
    """The latest extreme, not confirmed yet: it may still move or never be confirmed."""

    index: int
    price: float
    kind: SwingKind


def check_threshold(threshold_pct: float) -> None:
    """Raise ``ConfigError`` unless ``0 < threshold_pct < 100``."""
    number = isinstance(threshold_pct, int | float) and not isinstance(threshold_pct, bool)
    if not (number and 0.0 < threshold_pct < 100.0):
        raise ConfigError(
            f"threshold_pct must be a percentage above 0 and below 100; got {threshold_pct!r}",
            "pass for example threshold_pct=5 for 5 %",
        )


class ZigZag:
    """Incremental ZigZag; ``update`` returns a swing on the candle that confirms it."""

    __slots__ = ("_count", "_down", "_high", "_low", "_trend", "_up", "threshold_pct")

    def __init__(self, threshold_pct: float = 5.0) -> None:
        check_threshold(threshold_pct)
        self.threshold_pct = float(threshold_pct)
        self._down = 1.0 - self.threshold_pct / 100.0
        self._up = 1.0 + self.threshold_pct / 100.0
        self._trend: SwingKind | None = None  # kind of the candidate being tracked
        self._high = (-1, -math.inf)  # (index, price) of the candidate high
        self._low = (-1, math.inf)  # (index, price) of the candidate low
        self._count = 0

    @property
    def warmup(self) -> int:
        """The fewest candles that can confirm a swing."""
        return 2

    @property
    def pending(self) -> PendingSwing | None:
        """The extreme the current leg has reached; None before the first swing."""
        if self._trend is SwingKind.HIGH:
            return PendingSwing(*self._high, SwingKind.HIGH)
        if self._trend is SwingKind.LOW:
            return PendingSwing(*self._low, SwingKind.LOW)
        return None

    def update(self, high: float, low: float) -> SwingPoint | None:
        i = self._count
        self._count = i + 1
        if self._trend is SwingKind.HIGH:
            if high > self._high[1]:
                self._high = (i, high)
            elif low <= self._high[1] * self._down:
                self._low = (i, low)  # the next leg starts at this candle's low
                return self._confirm(SwingKind.HIGH, i)
            return None
        if self._trend is SwingKind.LOW:
            if low < self._low[1]:
                self._low = (i, low)
            elif high >= self._low[1] * self._up:
                self._high = (i, high)
                return self._confirm(SwingKind.LOW, i)
            return None
        return self._start(i, high, low)

    def _confirm(self, kind: SwingKind, i: int) -> SwingPoint:
        """Confirm the candidate of ``kind`` at candle ``i``; track the opposite one next."""
        if kind is SwingKind.HIGH:
            index, price = self._high
            self._trend = SwingKind.LOW
        else:
            index, price = self._low
            self._trend = SwingKind.HIGH
        return SwingPoint(index, price, kind, i)

    def _start(self, i: int, high: float, low: float) -> SwingPoint | None:
        """Before the first swing: track both extremes; confirm the earlier one."""
        if high > self._high[1]:
            self._high = (i, high)
        if low < self._low[1]:
            self._low = (i, low)
        (hi_index, hi_price), (lo_index, lo_price) = self._high, self._low
        if lo_index < hi_index and hi_price >= lo_price * self._up:
            return self._confirm(SwingKind.LOW, i)  # the highest high so far is the candidate
        if hi_index < lo_index and lo_price <= hi_price * self._down:
            return self._confirm(SwingKind.HIGH, i)
        return None


def zigzag_with_pending(
    high: FloatArray, low: FloatArray, threshold_pct: float = 5.0
) -> tuple[list[SwingPoint], PendingSwing | None]:
    """Confirmed swings, plus the last extreme not yet confirmed (None before any swing)."""
    state = ZigZag(threshold_pct)
    hi, lo = as_prices(high, low)
    swings: list[SwingPoint] = []
    update = state.update
    for h, lw in zip(hi.tolist(), lo.tolist(), strict=True):
        swing = update(h, lw)
        if swing is not None:
            swings.append(swing)
    return swings, state.pending


def zigzag(high: FloatArray, low: FloatArray, threshold_pct: float = 5.0) -> list[SwingPoint]:
    """Confirmed swings, alternating HIGH and LOW, in index order (see module doc)."""
    return zigzag_with_pending(high, low, threshold_pct)[0]
