"""Market context: a 0-100 setup score, a pattern name and a threshold signal per candle.

A heuristic screen, not a prediction: it describes the recent candles (volume, volatility
compression, position in the range, trend) in a few numbers so that symbols can be sorted
by how much is going on. The full definitions, with the reasoning, are in
``docs/market_context.md``; this docstring is the contract.

Notation: candle ``t`` has high ``H``, low ``L``, close ``C`` and volume ``V`` (base asset);
``n`` = ``lookback``, ``k`` = ``atr_period``, ``m = max(2, n // 5)``; ``mean_w(x)`` is the
simple moving average of the last ``w`` values of ``x`` ending at ``t`` (TA-Lib's running
sum, :func:`~xor_trading.indicators.moving_average.sma`).

Intermediate values (``t >= 1``):

* true range ``TR = max(H, C[t-1]) - min(L, C[t-1])``; ``ATR = mean_k(TR)``; ``NATR = ATR / C``.
* ``r = V / mean_n(V)`` (relative volume) and ``q = mean_m(V) / mean_n(V)`` (volume trend);
  both 0 when ``mean_n(V) <= 0``. (Running sums can leave a rounding residue of about
  1e-16 of the largest volume seen; ``q`` and ``up_volume`` are clamped so that it cannot
  push them out of range.)
* ``HH``/``LL`` = highest high / lowest low of the last ``n`` candles ending at ``t``; the
  *prior range* is ``HH[t-1]``/``LL[t-1]`` (the ``n`` candles before ``t``).
* ``ER = |C - C[t-n]| / (n * mean_n(|C - C[t-1]|))``, capped at 1 (0 if the closes never moved).

Features, each in ``[0, 1]`` (fields of :class:`MarketContext` and :class:`ContextReading`):

* ``volume = r / (1 + r)``: 0.5 at average volume, 2/3 at twice the average.
* ``volume_trend = q / (1 + q)``: above 0.5 when the last ``m`` candles traded more than the
  last ``n`` on average (rising volume).
* ``up_volume = mean_n(V * [C > C[t-1]]) / mean_n(V)``: share of the volume traded on up
  candles (0.5 when there was no volume); below 0.5 means the volume came on down moves.
* ``compression``: mid-rank of ``NATR`` among the last ``n`` values of ``NATR`` = (number
  above it + half the number of others equal to it) / ``(n - 1)``. 1 = the quietest
  candle range of the lookback, 0 = the widest.
* ``position = (C - LL) / (HH - LL)`` (0.5 when ``HH == LL``): 0 at the bottom of the range,
  1 at the top.
* ``trend = ER``: 1 = a straight line, about ``0.8 / sqrt(n)`` for a random walk.
* ``breakout = min(1, e / ATR)`` with ``e = max(C - HH[t-1], LL[t-1] - C)`` when ``e > 0``
  (1 if ``ATR`` is 0), else 0: how far the close is beyond the prior range, in ATRs.

``direction`` is +1 when the close is above the prior range, -1 when below, otherwise the
sign of ``C - C[t-n]``.

Score, in points (``0 <= score <= 100`` exactly, no rounding can exceed it)::

    score = 30 * participation + 25 * energy + 20 * location + 25 * breakout
    participation = min(1, max(0, max(r, q) - 1))     # 0 at average volume, 1 at 2x
    energy        = max(compression, min(1, ER / 0.5))  # a coiled range or a clean trend
    location      = |2 * position - 1|                  # 0 mid-range, 1 at either edge

Pattern, the first rule that holds (:class:`Pattern`, names in :data:`PATTERNS`):

1. ``BREAKOUT``: ``breakout > 0`` and ``r >= 2``.
2. ``TREND``: ``ER >= 0.35``.
3. ``ACCUMULATION``: ``compression >= 0.6`` and ``position < 0.5`` and ``q > 1``.
4. ``DISTRIBUTION``: ``compression >= 0.6`` and ``position >= 0.5`` and ``up_volume < 0.5``.
5. ``RANGE``: otherwise.

``NONE`` (code 0) marks the warm-up: the first ``n + k - 1`` candles, where every float
output is NaN. Inputs: float64 arrays of equal length, finite, ``low <= close <= high``,
``close > 0``, ``volume >= 0``. Rows are taken as consecutive candles (a gap in the data
is not seen).

Signals: :func:`context_signals` is true on a candle whose score is at or above the
threshold while the previous candle's score was below it (a NaN score never crosses).

The batch form (:func:`market_context`) and the incremental form
(:class:`MarketContextScorer`) perform the same floating-point operations in the same
order, so they agree to the bit.
"""

from __future__ import annotations

from collections import deque
from enum import IntEnum
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from xor_trading.indicators.market_context_features import (
    BLOCK_ROWS,
    RollingExtreme,
    RollingMidRank,
    rolling_max,
    rolling_mid_rank,
    rolling_min,
)
from xor_trading.indicators.moving_average import IncrementalSMA, sma
from xor_trading.timeseries.candle_frame import BoolArray, FloatArray

Int8Array = npt.NDArray[np.int8]

DEFAULT_LOOKBACK: Final = 50
DEFAULT_ATR_PERIOD: Final = 14
DEFAULT_THRESHOLD: Final = 70.0
MIN_LOOKBACK: Final = 5

# Points of each score component (they sum to 100).
PARTICIPATION_POINTS: Final = 30.0
ENERGY_POINTS: Final = 25.0
LOCATION_POINTS: Final = 20.0
BREAKOUT_POINTS: Final = 25.0

# Pattern thresholds.
HIGH_VOLUME_RATIO: Final = 2.0  # r at or above: the candle traded at least twice the average
STRONG_TREND_ER: Final = 0.35  # efficiency ratio at or above: trending
FULL_TREND_ER: Final = 0.5  # efficiency ratio at which the trend part of energy saturates
COMPRESSED: Final = 0.6  # compression at or above: volatility compressed

_NAN = float("nan")


class Pattern(IntEnum):
    """Pattern codes stored in :attr:`MarketContext.pattern` (int8)."""

    NONE = 0
    ACCUMULATION = 1
    BREAKOUT = 2
    DISTRIBUTION = 3
    TREND = 4
    RANGE = 5

    @property
    def label(self) -> str:
        """Lower-case name, as shown to users: ``"breakout"``."""
        return self.name.lower()


PATTERNS: Final = tuple(p.label for p in Pattern)
"""Pattern names indexed by code: ``PATTERNS[2] == "breakout"``."""


class MarketContext(NamedTuple):
    """Per-candle outputs of :func:`market_context`, each as long as the input.

    Floats are NaN and ``pattern``/``direction`` are 0 during the warm-up.
    """

    score: FloatArray
    pattern: Int8Array
    direction: Int8Array
    volume: FloatArray
    volume_trend: FloatArray
    up_volume: FloatArray
    compression: FloatArray
    position: FloatArray
    trend: FloatArray
    breakout: FloatArray


class ContextReading(NamedTuple):
    """One candle's context from :meth:`MarketContextScorer.update` (see the module doc).

    ``signal`` is true when this candle's score crossed the scorer's threshold upward.
    """

    score: float
    pattern: Pattern
    direction: int
    volume: float
    volume_trend: float
    up_volume: float
    compression: float
    position: float
    trend: float
    breakout: float
    signal: bool

    @property
    def pattern_name(self) -> str:
        return self.pattern.label


def warmup_candles(lookback: int = DEFAULT_LOOKBACK, atr_period: int = DEFAULT_ATR_PERIOD) -> int:
    """Candles needed for the first reading: ``lookback + atr_period``."""
    _check_params(lookback, atr_period)
    return lookback + atr_period


def market_context(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    lookback: int = DEFAULT_LOOKBACK,
    atr_period: int = DEFAULT_ATR_PERIOD,
) -> MarketContext:
    """Score, pattern and features of every candle (definitions in the module docstring).

    Vectorised: a million candles take well under a second at the default lookback.
    Raises ``ValueError`` for ``lookback < 5``, ``atr_period < 1`` or inputs of different
    lengths.
    """
    _check_params(lookback, atr_period)
    h, lo, c, v = (np.ascontiguousarray(x, dtype=np.float64) for x in (high, low, close, volume))
    size = c.shape[0]
    if not h.shape[0] == lo.shape[0] == v.shape[0] == size:
        raise ValueError(
            f"high, low, close and volume must have the same length, got "
            f"{h.shape[0]}, {lo.shape[0]}, {size} and {v.shape[0]}"
        )
    n = lookback
    first = n + atr_period - 1  # index of the first complete reading
    out = _empty_context(size)
    if size <= first:
        return out

    prev_close = c[:-1]
    tr = np.maximum(h[1:], prev_close) - np.minimum(lo[1:], prev_close)  # index t-1 is candle t
    atr = _shift_in(sma(tr, atr_period))
    up_vol = np.zeros(size)
    up_vol[1:] = np.where(c[1:] > prev_close, v[1:], 0.0)
    rolling = _Rolling(
        close=c,
        volume=v,
        atr=atr,
        vol_mean=sma(v, n),
        vol_short=sma(v, max(2, n // 5)),
        up_mean=sma(up_vol, n),
        move_mean=_shift_in(sma(np.abs(c[1:] - prev_close), n)),
        hh=rolling_max(h, n),
        ll=rolling_min(lo, n),
        compression=_shift_in(rolling_mid_rank((atr / c)[atr_period:], n), atr_period),
    )
    for start in range(first, size, BLOCK_ROWS):
        _fill_block(out, rolling, start, min(start + BLOCK_ROWS, size), n)
    return out


class _Rolling(NamedTuple):
    """Whole-length inputs and rolling series of :func:`market_context`, aligned by candle."""

    close: FloatArray
    volume: FloatArray
    atr: FloatArray
    vol_mean: FloatArray
    vol_short: FloatArray
    up_mean: FloatArray
    move_mean: FloatArray
    hh: FloatArray
    ll: FloatArray
    compression: FloatArray


def _fill_block(out: MarketContext, x: _Rolling, lo: int, hi: int, n: int) -> None:
    """Features, score, pattern and direction of candles ``lo <= t < hi`` (all past warm-up).

    Works block by block so the temporaries stay small and in cache. The operations are
    those of :meth:`MarketContextScorer.update`, in the same order.
    """
    s = slice(lo, hi)
    c = x.close[s]
    vol_mean = x.vol_mean[s]
    r = _divide(x.volume[s], vol_mean, 0.0)
    q = np.maximum(_divide(x.vol_short[s], vol_mean, 0.0), 0.0)
    up_volume = np.minimum(np.maximum(_divide(x.up_mean[s], vol_mean, 0.5), 0.0), 1.0)
    position = _divide(c - x.ll[s], x.hh[s] - x.ll[s], 0.5)
    net = c - x.close[lo - n : hi - n]
    trend = np.minimum(_divide(np.abs(net), x.move_mean[s] * n, 0.0), 1.0)
    above = c - x.hh[lo - 1 : hi - 1]
    below = x.ll[lo - 1 : hi - 1] - c
    beyond = np.maximum(above, below)
    breakout = np.where(beyond > 0.0, np.minimum(_divide(beyond, x.atr[s], 1.0), 1.0), 0.0)
    comp = x.compression[s]

    participation = np.minimum(np.maximum(np.maximum(r, q) - 1.0, 0.0), 1.0)
    energy = np.maximum(comp, np.minimum(trend / FULL_TREND_ER, 1.0))
    location = np.abs(2.0 * position - 1.0)
    out.score[s] = (
        PARTICIPATION_POINTS * participation
        + ENERGY_POINTS * energy
        + LOCATION_POINTS * location
        + BREAKOUT_POINTS * breakout
    )
    compressed = comp >= COMPRESSED
    rising_volume = q > 1.0
    out.pattern[s] = np.select(
        [
            (beyond > 0.0) & (r >= HIGH_VOLUME_RATIO),
            trend >= STRONG_TREND_ER,
            compressed & (position < 0.5) & rising_volume,
            compressed & (position >= 0.5) & (up_volume < 0.5),
        ],
        [Pattern.BREAKOUT, Pattern.TREND, Pattern.ACCUMULATION, Pattern.DISTRIBUTION],
        Pattern.RANGE,
    )
    out.direction[s] = np.where(above > 0.0, 1, np.where(below > 0.0, -1, np.sign(net)))
    out.volume[s] = r / (1.0 + r)
    out.volume_trend[s] = q / (1.0 + q)
    out.up_volume[s] = up_volume
    out.compression[s] = comp
    out.position[s] = position
    out.trend[s] = trend
    out.breakout[s] = breakout


def context_signals(score: FloatArray, threshold: float = DEFAULT_THRESHOLD) -> BoolArray:
    """True where ``score[t-1] < threshold <= score[t]``: the candle that crosses upward.

    Not while the score stays above, and never on a NaN or right after one (the first
    complete reading cannot cross: nothing was below before it). Same length as ``score``.
    """
    values = np.asarray(score, dtype=np.float64)
    out: BoolArray = np.zeros(values.shape[0], dtype=np.bool_)
    out[1:] = (values[:-1] < threshold) & (values[1:] >= threshold)
    return out


class MarketContextScorer:
    """The incremental twin of :func:`market_context` plus :func:`context_signals`.

    Feed candles in time order with :meth:`update`; it returns None during the warm-up
    (the first ``warmup - 1`` candles), then a :class:`ContextReading` equal to the batch
    output at the same index (to the bit) with ``signal`` equal to
    ``context_signals(score, threshold)`` there. O(1) amortised per update, except the
    compression rank: O(log lookback) plus a small ``memmove``.
    """

    __slots__ = (
        "_atr",
        "_atr_period",
        "_closes",
        "_compression",
        "_count",
        "_first",
        "_hh",
        "_hh_prev",
        "_ll",
        "_ll_prev",
        "_lookback",
        "_move_mean",
        "_prev_close",
        "_prev_score",
        "_threshold",
        "_up_mean",
        "_vol_mean",
        "_vol_short",
    )

    def __init__(
        self,
        lookback: int = DEFAULT_LOOKBACK,
        atr_period: int = DEFAULT_ATR_PERIOD,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        _check_params(lookback, atr_period)
        self._lookback = lookback
        self._atr_period = atr_period
        self._threshold = threshold
        self._first = lookback + atr_period - 1
        self._count = 0
        self._prev_close = _NAN
        self._prev_score = _NAN
        self._hh_prev = _NAN
        self._ll_prev = _NAN
        self._closes: deque[float] = deque(maxlen=lookback + 1)
        self._atr = IncrementalSMA(atr_period)
        self._vol_mean = IncrementalSMA(lookback)
        self._vol_short = IncrementalSMA(max(2, lookback // 5))
        self._up_mean = IncrementalSMA(lookback)
        self._move_mean = IncrementalSMA(lookback)
        self._hh = RollingExtreme(lookback, highest=True)
        self._ll = RollingExtreme(lookback, highest=False)
        self._compression = RollingMidRank(lookback)

    @property
    def lookback(self) -> int:
        return self._lookback

    @property
    def atr_period(self) -> int:
        return self._atr_period

    @property
    def threshold(self) -> float:
        return self._threshold

    @property
    def warmup(self) -> int:
        """Candles needed for the first reading: ``lookback + atr_period``."""
        return self._first + 1

    def update(self, high: float, low: float, close: float, volume: float) -> ContextReading | None:
        """Take one closed candle; return its reading, or None while warming up."""
        n = self._lookback
        t = self._count
        self._count = t + 1
        prev_close = self._prev_close
        self._prev_close = close
        self._closes.append(close)
        vol_mean = self._vol_mean.update(volume)
        vol_short = self._vol_short.update(volume)
        hh = self._hh.update(high)
        ll = self._ll.update(low)
        hh_prev, ll_prev = self._hh_prev, self._ll_prev
        self._hh_prev, self._ll_prev = hh, ll
        if t == 0:
            self._up_mean.update(0.0)
            return None
        up_mean = self._up_mean.update(volume if close > prev_close else 0.0)
        atr = self._atr.update(max(high, prev_close) - min(low, prev_close))
        move_mean = self._move_mean.update(abs(close - prev_close))
        compression = _NAN
        if t >= self._atr_period:
            compression = self._compression.update(atr / close)
        if t < self._first:
            return None

        r = _scalar_divide(volume, vol_mean, 0.0)
        q = max(_scalar_divide(vol_short, vol_mean, 0.0), 0.0)
        up_volume = min(max(_scalar_divide(up_mean, vol_mean, 0.5), 0.0), 1.0)
        position = _scalar_divide(close - ll, hh - ll, 0.5)
        net = close - self._closes[0]
        trend = min(_scalar_divide(abs(net), move_mean * n, 0.0), 1.0)
        above = close - hh_prev
        below = ll_prev - close
        beyond = max(above, below)
        breakout = min(_scalar_divide(beyond, atr, 1.0), 1.0) if beyond > 0.0 else 0.0

        participation = min(max(max(r, q) - 1.0, 0.0), 1.0)
        energy = max(compression, min(trend / FULL_TREND_ER, 1.0))
        location = abs(2.0 * position - 1.0)
        score = (
            PARTICIPATION_POINTS * participation
            + ENERGY_POINTS * energy
            + LOCATION_POINTS * location
            + BREAKOUT_POINTS * breakout
        )
        if beyond > 0.0 and r >= HIGH_VOLUME_RATIO:
            pattern = Pattern.BREAKOUT
        elif trend >= STRONG_TREND_ER:
            pattern = Pattern.TREND
        elif compression >= COMPRESSED and position < 0.5 and q > 1.0:
            pattern = Pattern.ACCUMULATION
        elif compression >= COMPRESSED and position >= 0.5 and up_volume < 0.5:
            pattern = Pattern.DISTRIBUTION
        else:
            pattern = Pattern.RANGE
        if above > 0.0:
            direction = 1
        elif below > 0.0:
            direction = -1
        else:
            direction = (net > 0.0) - (net < 0.0)
        signal = self._prev_score < self._threshold <= score
        self._prev_score = score
        return ContextReading(
            score=score,
            pattern=pattern,
            direction=direction,
            volume=r / (1.0 + r),
            volume_trend=q / (1.0 + q),
            up_volume=up_volume,
            compression=compression,
            position=position,
            trend=trend,
            breakout=breakout,
            signal=signal,
        )


def _check_params(lookback: int, atr_period: int) -> None:
    if lookback < MIN_LOOKBACK:
        raise ValueError(f"lookback must be at least {MIN_LOOKBACK}, got {lookback}")
    if atr_period < 1:
        raise ValueError(f"atr_period must be at least 1, got {atr_period}")


def _empty_context(size: int) -> MarketContext:
    def nan() -> FloatArray:
        return np.full(size, np.nan)

    return MarketContext(
        score=nan(),
        pattern=np.zeros(size, dtype=np.int8),
        direction=np.zeros(size, dtype=np.int8),
        volume=nan(),
        volume_trend=nan(),
        up_volume=nan(),
        compression=nan(),
        position=nan(),
        trend=nan(),
        breakout=nan(),
    )


def _shift_in(values: FloatArray, by: int = 1) -> FloatArray:
    """``values`` moved ``by`` indexes later, NaN in front (re-aligns series that start at 1)."""
    out: FloatArray = np.full(values.shape[0] + by, np.nan)
    out[by:] = values
    return out


def _divide(numerator: FloatArray, denominator: FloatArray, default: float) -> FloatArray:
    """``numerator / denominator`` where the denominator is positive, else ``default``."""
    out: FloatArray = np.full(numerator.shape[0], default)
    np.divide(numerator, denominator, out=out, where=denominator > 0.0)
    return out


def _scalar_divide(numerator: float, denominator: float, default: float) -> float:
    """The scalar twin of :func:`_divide`."""
    return numerator / denominator if denominator > 0.0 else default
