"""Momentum: a MACD cross up with RSI in a band, vetoed by a bearish RSI divergence.

**Swing points** (from closes, no lookahead). With ``s = swing_strength``, candle ``j`` is a
*swing high* when its close is strictly above the closes of the ``s`` candles before it and
of the ``s`` candles after it (a *swing low*: strictly below all of them; a flat top or
bottom is no swing). A swing can only be known once the ``s`` later closes exist: it is
*confirmed* at the close of candle ``j + s`` and used from that candle on, never before.

**Divergence** at candle ``i``: take the two most recent swing highs confirmed by ``i``,
``j1 < j2`` (so ``j2 <= i - s``), and require both inside the lookback window of the last
``divergence_lookback`` candles, ``j1 > i - divergence_lookback``.

* *Bearish*: ``close[j2] > close[j1]`` (price higher high) and ``RSI[j2] < RSI[j1]`` (RSI
  lower high).
* *Bullish*: the same with the two most recent confirmed swing lows: ``close[j2] <
  close[j1]`` (lower low) and ``RSI[j2] > RSI[j1]`` (higher low).

RSI values are those of the swing candles themselves (computed from closes up to ``j``).

Rules, decided at the close of candle ``i`` (orders fill at the next candle's open):

* **Entry** (when flat): the MACD line crosses above its signal line
  (``macd[i-1] < signal[i-1]`` and ``macd[i] > signal[i]``, strict, as the SMA cross), with
  ``rsi_min <= RSI[i] <= rsi_max``, no bearish divergence at ``i``, and, when
  ``require_bullish_divergence`` is set, a bullish divergence at ``i``.
* **Exit** (when long): the MACD line crosses below its signal line
  (``macd[i-1] > signal[i-1]`` and ``macd[i] < signal[i]``), or a bearish divergence at
  ``i``. An exit signal is looked at before an entry signal.

Sizing: each entry buys ``settings.stake`` (quote currency) at market, sized at the signal
candle's close, with the run's stop loss / take profit bracket if one is configured.

Partial fills (only with a volume cap, event path): an entry filled in part is a position
(no second entry is sent while any quantity is held; the remainder keeps working at the next
opens). An exit sells the whole position held at that moment; while it is still working no
further exit is sent.

MACD and RSI come in batch and incremental forms equal to the bit, and swings and
divergences are comparisons of closes and RSI values, so the fast path (``vector_signals``)
and the event path take the same decisions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from pydantic import Field, model_validator

from xor_trading.domain.candles import Candle
from xor_trading.indicators.macd import MACD, macd
from xor_trading.indicators.rsi import RSI, rsi
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy
from xor_trading.strategy.series import SeriesSpec
from xor_trading.strategy.signals import BoolArray, Signals
from xor_trading.timeseries.candle_frame import CandleFrame, FloatArray, IntArray

_NAN = float("nan")


class MomentumConfig(StrategyConfig):
    macd_fast: int = Field(default=12, ge=2, le=10_000, description="MACD fast EMA, in candles.")
    macd_slow: int = Field(default=26, ge=3, le=10_000, description="MACD slow EMA, in candles.")
    macd_signal: int = Field(
        default=9, ge=1, le=10_000, description="MACD signal line EMA, in candles."
    )
    rsi_period: int = Field(default=14, ge=2, le=10_000, description="RSI period, in candles.")
    rsi_min: float = Field(
        default=40.0, ge=0.0, le=100.0, description="Enter only when RSI is at least this."
    )
    rsi_max: float = Field(
        default=70.0, ge=0.0, le=100.0, description="Enter only when RSI is at most this."
    )
    divergence_lookback: int = Field(
        default=40, ge=3, le=10_000,
        description="Both swing points of a divergence lie within this many recent candles.",
    )  # fmt: skip
    swing_strength: int = Field(
        default=3, ge=1, le=1_000,
        description="A swing close beats this many closes on each side; it is confirmed "
        "this many candles later.",
    )  # fmt: skip
    require_bullish_divergence: bool = Field(
        default=False, description="Enter only when a bullish divergence is present too."
    )

    @model_validator(mode="after")
    def _consistent(self) -> MomentumConfig:
        if self.macd_fast >= self.macd_slow:
            raise ValueError(
                f"macd_fast ({self.macd_fast}) must be smaller than macd_slow ({self.macd_slow})"
            )
        if self.rsi_min > self.rsi_max:
            raise ValueError(f"rsi_min ({self.rsi_min}) must not exceed rsi_max ({self.rsi_max})")
        if self.divergence_lookback <= 2 * self.swing_strength:
            raise ValueError(
                f"divergence_lookback ({self.divergence_lookback}) must exceed twice "
                f"swing_strength ({self.swing_strength}) to hold two confirmed swings"
            )
        return self


class _Swing(NamedTuple):
    candle: int  # index of the swing candle
    close: float
    rsi: float


class _SwingTracker:
    """Confirmed swing highs and lows of closes, one candle at a time (the event form).

    Keeps the last ``2 * strength + 1`` closes; the middle one is judged once the window is
    full, which is the candle that confirms it. Only the two latest swings of each kind
    matter for a divergence.
    """

    __slots__ = ("_closes", "_highs", "_lows", "_rsis", "_strength")

    def __init__(self, strength: int) -> None:
        self._strength = strength
        self._closes: deque[float] = deque(maxlen=2 * strength + 1)
        self._rsis: deque[float] = deque(maxlen=strength + 1)  # the middle one is _rsis[0]
        self._highs: deque[_Swing] = deque(maxlen=2)
        self._lows: deque[_Swing] = deque(maxlen=2)

    def update(self, index: int, close: float, rsi_value: float) -> None:
        """Take candle ``index``'s close and RSI (0-100); record the swing it confirms."""
        closes = self._closes
        closes.append(close)
        self._rsis.append(rsi_value)
        s = self._strength
        if len(closes) <= 2 * s:
            return
        middle = closes[s]
        others = [closes[k] for k in range(2 * s + 1) if k != s]
        if all(middle > x for x in others):
            self._highs.append(_Swing(index - s, middle, self._rsis[0]))
        elif all(middle < x for x in others):
            self._lows.append(_Swing(index - s, middle, self._rsis[0]))

    def bearish(self, index: int, lookback: int) -> bool:
        if len(self._highs) < 2:
            return False
        first, second = self._highs
        return (
            first.candle > index - lookback
            and second.close > first.close
            and second.rsi < first.rsi
        )

    def bullish(self, index: int, lookback: int) -> bool:
        if len(self._lows) < 2:
            return False
        first, second = self._lows
        return (
            first.candle > index - lookback
            and second.close < first.close
            and second.rsi > first.rsi
        )


def _swing_mask(close: FloatArray, strength: int, highs: bool) -> BoolArray:
    """Candles whose close is a swing high (or low): strictly beyond ``strength`` on each side."""
    n = close.shape[0]
    mask: BoolArray = np.zeros(n, dtype=np.bool_)
    if n <= 2 * strength:
        return mask
    middle = close[strength : n - strength]
    found = np.ones(middle.shape[0], dtype=np.bool_)
    for d in range(1, strength + 1):
        before = close[strength - d : n - strength - d]
        after = close[strength + d : n - strength + d]
        if highs:
            found &= (middle > before) & (middle > after)
        else:
            found &= (middle < before) & (middle < after)
    mask[strength : n - strength] = found
    return mask


def _divergence(
    close: FloatArray, strength_values: FloatArray, swings: BoolArray, s: int, lookback: int,
    bearish: bool,
) -> BoolArray:  # fmt: skip
    """At each candle ``i``: the two latest swings confirmed by ``i`` diverge (module doc)."""
    n = close.shape[0]
    index: IntArray = np.arange(n, dtype=np.int64)
    last: IntArray = np.maximum.accumulate(np.where(swings, index, -1))  # latest swing <= j
    before: IntArray = np.full(n, -1, dtype=np.int64)  # latest swing < j
    before[1:] = last[:-1]
    out: BoolArray = np.zeros(n, dtype=np.bool_)
    if n <= s:
        return out
    j2 = np.full(n, -1, dtype=np.int64)
    j2[s:] = last[: n - s]  # confirmed by i: j2 <= i - s
    j1 = np.where(j2 >= 0, before[np.maximum(j2, 0)], -1)
    ok = (j2 >= 0) & (j1 >= 0) & (j1 > index - lookback)
    a, b = np.maximum(j1, 0), np.maximum(j2, 0)
    with np.errstate(invalid="ignore"):  # NaN RSI (warm-up) compares False: no divergence
        if bearish:
            found = (close[b] > close[a]) & (strength_values[b] < strength_values[a])
        else:
            found = (close[b] < close[a]) & (strength_values[b] > strength_values[a])
    out[:] = ok & found
    return out


@register_strategy
class Momentum(Strategy[MomentumConfig]):
    name = "momentum"
    config_class = MomentumConfig
    description = "Long on a MACD cross up with RSI in a band and no bearish RSI divergence."

    def __init__(self, config: MomentumConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._macd = MACD(config.macd_fast, config.macd_slow, config.macd_signal).update
        self._rsi = RSI(config.rsi_period).update
        self._swings = _SwingTracker(config.swing_strength)
        self._index = -1
        self._prev = (_NAN, _NAN)  # MACD line and signal of the last candle

    @property
    def warmup_bars(self) -> int:
        # The first MACD value comes with candle slow + signal - 2; a cross needs one more.
        c = self.config
        return max(c.macd_slow + c.macd_signal - 1, c.rsi_period)

    def on_candle(self, candle: Candle) -> None:
        self._index = i = self._index + 1
        close = candle.close
        line, signal, _ = self._macd(close)
        strength = self._rsi(close)
        swings = self._swings
        swings.update(i, close, strength)
        prev_line, prev_signal = self._prev
        self._prev = (line, signal)
        c = self.config
        bearish = swings.bearish(i, c.divergence_lookback)
        if (prev_line > prev_signal and line < signal) or bearish:
            self.exit_long(candle)  # sends nothing when flat or already exiting
        elif (
            prev_line < prev_signal
            and line > signal
            and c.rsi_min <= strength <= c.rsi_max
            and (not c.require_bullish_divergence or swings.bullish(i, c.divergence_lookback))
            and self.position_quantity == 0
        ):
            self.enter_long(candle)

    def vector_signals(
        self, frame: CandleFrame, series: Mapping[SeriesSpec, CandleFrame] | None = None
    ) -> Signals:
        c = self.config
        close = frame.close
        lines = macd(close, c.macd_fast, c.macd_slow, c.macd_signal)
        strength = rsi(close, c.rsi_period)
        s, lookback = c.swing_strength, c.divergence_lookback
        bearish = _divergence(
            close, strength, _swing_mask(close, s, highs=True), s, lookback, bearish=True
        )
        n = len(frame)
        entries = np.zeros(n, dtype=np.bool_)
        exits = np.zeros(n, dtype=np.bool_)
        line, signal = lines.macd, lines.signal
        with np.errstate(invalid="ignore"):  # NaN warm-up values compare False, as intended
            exits[1:] = (line[:-1] > signal[:-1]) & (line[1:] < signal[1:])
            exits |= bearish
            entries[1:] = (line[:-1] < signal[:-1]) & (line[1:] > signal[1:])
            entries &= (strength >= c.rsi_min) & (strength <= c.rsi_max) & ~bearish
        if c.require_bullish_divergence:
            entries &= _divergence(
                close, strength, _swing_mask(close, s, highs=False), s, lookback, bearish=False
            )
        return Signals(entries=entries, exits=exits)
