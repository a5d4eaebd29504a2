"""The equity curve, built the same way for both backtest paths.

Both paths report a *timeline*: after each candle in which something filled, the settlement
cash and the position quantity (converted exactly-rounded from decimals to floats). The
curve is ``cash + quantity * close`` at every candle's close. It is computed in blocks so
that its temporaries stay small next to a million-candle frame.
"""

from __future__ import annotations

import numpy as np

from xor_trading.backtest.results import EquityCurve
from xor_trading.timeseries.candle_frame import CandleFrame, FloatArray, IntArray

_BLOCK = 65_536


def build_equity_curve(
    frame: CandleFrame,
    fill_bars: IntArray,
    cash_after: FloatArray,
    qty_after: FloatArray,
    initial_cash: float,
) -> EquityCurve:
    """``fill_bars`` ascending; for several fills in one candle the last one counts.

    ``ts_ms`` of the curve are the candles' close times.
    """
    n = len(frame)
    # Prepend the state before any fill so that index 0 means "nothing filled yet".
    cash_steps = np.concatenate(([float(initial_cash)], np.asarray(cash_after, np.float64)))
    qty_steps = np.concatenate(([0.0], np.asarray(qty_after, np.float64)))
    bars = np.asarray(fill_bars, np.int64)
    equity = np.empty(n, np.float64)
    in_position = np.empty(n, np.bool_)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        step = np.searchsorted(bars, np.arange(start, stop), side="right")
        qty = qty_steps[step]
        equity[start:stop] = cash_steps[step] + qty * frame.close[start:stop]
        in_position[start:stop] = qty != 0.0
    return EquityCurve(
        ts_ms=frame.ts_ms + frame.timeframe_ms, equity=equity, in_position=in_position
    )
