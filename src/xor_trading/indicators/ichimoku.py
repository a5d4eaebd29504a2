"""Ichimoku Kinko Hyo: the five lines, every array aligned to the candle where it is plotted.

With ``mid(p)[i] = (highest high + lowest low) / 2`` over the last ``p`` candles (current
included, as in :mod:`~xor_trading.indicators.donchian`), prices in the quote currency:

* ``tenkan[i] = mid(tenkan)[i]`` and ``kijun[i] = mid(kijun)[i]``: known at candle ``i``.
* ``senkou_a_ahead[i] = (tenkan[i] + kijun[i]) / 2`` and ``senkou_b_ahead[i] =
  mid(senkou_b)[i]``: computed at candle ``i``, drawn ``displacement`` candles ahead
  (beyond the last candle, the future cloud).
* ``senkou_a[i] = senkou_a_ahead[i - displacement]`` and ``senkou_b`` likewise: the cloud
  drawn **at** candle ``i``; known at ``i`` (it was computed earlier), so usable as a signal.
* ``chikou[i] = close[i + displacement]``: the close drawn ``displacement`` candles back.
  It is NaN for the last ``displacement`` candles and uses the future: **never use
  ``chikou[i]`` as a signal at candle ``i``** (lookahead). At candle ``i`` the only
  chikou fact known is ``chikou[i - displacement] = close[i]``.

All arrays have the input's length. Warm-up (NaN): ``tenkan - 1`` candles for tenkan,
``kijun - 1`` for kijun, ``max(tenkan, kijun) - 1 + displacement`` for senkou_a and
``senkou_b - 1 + displacement`` for senkou_b.

The displacement is an exact shift of ``displacement`` candles. TradingView's built-in
script draws with an offset of ``displacement - 1``; pass ``displacement=25`` to match it.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, NamedTuple, TypeVar

import numpy as np

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.donchian import RollingExtreme, as_prices, check_period, donchian
from xor_trading.timeseries.candle_frame import FloatArray

__all__ = ["Ichimoku", "IchimokuLines", "ichimoku"]

_V = TypeVar("_V", float, FloatArray)
_NAN = float("nan")


class IchimokuLines(NamedTuple, Generic[_V]):
    """The five Ichimoku lines plus the two spans computed now for drawing ahead."""

    tenkan: _V
    kijun: _V
    senkou_a: _V
    senkou_b: _V
    chikou: _V
    senkou_a_ahead: _V
    senkou_b_ahead: _V


def _check(tenkan: int, kijun: int, senkou_b: int, displacement: int) -> None:
    check_period(tenkan, "tenkan")
    check_period(kijun, "kijun")
    check_period(senkou_b, "senkou_b")
    if isinstance(displacement, bool) or not isinstance(displacement, int) or displacement < 0:
        raise ConfigError(
            f"displacement must be a whole number of candles, 0 or more; got {displacement!r}",
            "pass for example displacement=26",
        )


def _shift(values: FloatArray, by: int) -> FloatArray:
    """``out[i] = values[i - by]`` (``by`` may be negative); NaN where out of range."""
    n = values.shape[0]
    out: FloatArray = np.full(n, _NAN)
    if by >= 0:
        out[by:] = values[: max(n - by, 0)]
    else:
        out[: max(n + by, 0)] = values[-by:]
    return out


def ichimoku(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    tenkan: int = 9,
    kijun: int = 26,
    senkou_b: int = 52,
    displacement: int = 26,
) -> IchimokuLines[FloatArray]:
    """Ichimoku lines over whole arrays; see the module doc for alignment and lookahead."""
    _check(tenkan, kijun, senkou_b, displacement)
    hi, lo, cl = as_prices(high, low, close)
    tenkan_line = donchian(hi, lo, tenkan).middle
    kijun_line = donchian(hi, lo, kijun).middle
    a_ahead = (tenkan_line + kijun_line) / 2.0
    b_ahead = donchian(hi, lo, senkou_b).middle
    return IchimokuLines(
        tenkan=tenkan_line,
        kijun=kijun_line,
        senkou_a=_shift(a_ahead, displacement),
        senkou_b=_shift(b_ahead, displacement),
        chikou=_shift(cl, -displacement),
        senkou_a_ahead=a_ahead,
        senkou_b_ahead=b_ahead,
    )


class Ichimoku:
    """Incremental Ichimoku: ``update`` returns the lines known at the current candle ``i``.

    ``tenkan``, ``kijun``, ``senkou_a``, ``senkou_b``, ``senkou_a_ahead`` and
    ``senkou_b_ahead`` equal the batch arrays at ``i``. ``chikou`` is this candle's close,
    the value the batch form holds at ``chikou[i - displacement]`` (where it is drawn).
    """

    __slots__ = ("_ahead", "_highs", "_lows", "_periods", "displacement")

    def __init__(
        self, tenkan: int = 9, kijun: int = 26, senkou_b: int = 52, displacement: int = 26
    ) -> None:
        _check(tenkan, kijun, senkou_b, displacement)
        self._periods = (tenkan, kijun, senkou_b)
        # Highest highs and lowest lows over the tenkan, kijun and senkou_b windows.
        self._highs = [RollingExtreme(p, maximum=True) for p in self._periods]
        self._lows = [RollingExtreme(p, maximum=False) for p in self._periods]
        self.displacement = displacement
        # (senkou_a_ahead, senkou_b_ahead) of the last displacement + 1 candles.
        self._ahead: deque[tuple[float, float]] = deque(maxlen=displacement + 1)

    @property
    def warmup(self) -> int:
        """Candles needed before every line known at the current candle has a value."""
        return max(self._periods) + self.displacement

    def update(self, high: float, low: float, close: float) -> IchimokuLines[float]:
        t_high, k_high, b_high = self._highs
        t_low, k_low, b_low = self._lows
        # Same operations as donchian(...).middle: (upper + lower) / 2.
        tenkan = (t_high.update(high) + t_low.update(low)) / 2.0
        kijun = (k_high.update(high) + k_low.update(low)) / 2.0
        a_ahead = (tenkan + kijun) / 2.0
        b_ahead = (b_high.update(high) + b_low.update(low)) / 2.0
        self._ahead.append((a_ahead, b_ahead))
        full = len(self._ahead) > self.displacement
        senkou_a, senkou_b = self._ahead[0] if full else (_NAN, _NAN)
        return IchimokuLines(tenkan, kijun, senkou_a, senkou_b, close, a_ahead, b_ahead)
