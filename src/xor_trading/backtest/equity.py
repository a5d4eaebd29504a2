"""The equity curve, built the same way for both backtest paths.

Both paths report a *timeline*: after each candle in which something filled, the settlement
cash and the position quantity (converted exactly-rounded from decimals to floats). The
curve is ``cash + quantity * close`` at every candle's close, in one compiled pass that
allocates only its outputs (a million-candle curve costs 17 MB, not a dozen temporaries).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from xor_trading.backtest.results import EquityCurve
from xor_trading.strategy.signals import BoolArray
from xor_trading.timeseries.candle_frame import CandleFrame, FloatArray, IntArray


@njit(cache=True)
def _curve(
    close: FloatArray,
    fill_bars: IntArray,
    cash_after: FloatArray,
    qty_after: FloatArray,
    initial_cash: float,
) -> tuple[FloatArray, BoolArray]:  # pragma: no cover - compiled
    n = close.shape[0]
    equity = np.empty(n, np.float64)
    in_position = np.empty(n, np.bool_)
    cash = initial_cash
    qty = 0.0
    j = 0
    m = fill_bars.shape[0]
    for i in range(n):
        while j < m and fill_bars[j] <= i:  # several fills in one candle: the last one counts
            cash = cash_after[j]
            qty = qty_after[j]
            j += 1
        equity[i] = cash + qty * close[i]
        in_position[i] = qty != 0.0
    return equity, in_position


def build_equity_curve(
    frame: CandleFrame,
    fill_bars: IntArray,
    cash_after: FloatArray,
    qty_after: FloatArray,
    initial_cash: float,
) -> EquityCurve:
    """``fill_bars`` ascending; ``ts_ms`` of the curve are the candles' close times."""
    equity, in_position = _curve(
        frame.close,
        np.ascontiguousarray(fill_bars, dtype=np.int64),
        np.ascontiguousarray(cash_after, dtype=np.float64),
        np.ascontiguousarray(qty_after, dtype=np.float64),
        float(initial_cash),
    )
    return EquityCurve(
        ts_ms=frame.ts_ms + frame.timeframe_ms, equity=equity, in_position=in_position
    )
