"""Extra candle series a strategy reads: a higher timeframe, another symbol, or both.

A strategy trades one symbol on one timeframe (its *primary* series) and may read others,
declared by :meth:`~xor_trading.strategy.base.Strategy.extra_series`. Every mode delivers a
candle of an extra series only **after it has closed**: in a backtest a 1h candle is
published when the last 5m candle inside it closes, before that 5m candle itself, so at each
primary candle the strategy sees exactly the higher-timeframe candles that had closed by
then, never the one still forming (no lookahead; tested).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from xor_trading.domain.candles import Candle
from xor_trading.timeseries.candle_frame import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """``timeframe`` in CCXT spelling (``"1h"``); ``symbol`` None means the strategy's own."""

    timeframe: str
    symbol: str | None = None


class CandleWindow:
    """The last ``size`` closed candles of one series, oldest first."""

    __slots__ = ("_candles",)

    def __init__(self, size: int) -> None:
        self._candles: deque[Candle] = deque(maxlen=size)

    def append(self, candle: Candle) -> None:
        self._candles.append(candle)

    def __len__(self) -> int:
        return len(self._candles)

    @property
    def last(self) -> Candle | None:
        return self._candles[-1] if self._candles else None

    def closes(self) -> FloatArray:
        return np.fromiter((c.close for c in self._candles), dtype=np.float64,
                           count=len(self._candles))  # fmt: skip


def last_closed_index(primary_close_ms: IntArray, series_close_ms: IntArray) -> IntArray:
    """For each primary candle, the index of the last series candle closed by then (-1: none).

    Both arguments are candle *close* times (open time + timeframe), ascending. This is the
    vectorised form of what the event path delivers, for ``vector_signals``.
    """
    index: IntArray = np.searchsorted(series_close_ms, primary_close_ms, side="right") - 1
    return index
