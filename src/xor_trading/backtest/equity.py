"""The equity curve, built the same way for both backtest paths.

Both paths report a *timeline*: after each candle in which something filled, the settlement
cash and the position quantity (converted exactly-rounded from decimals to floats). The
curve is then ``cash + quantity * close`` at every candle's close, vectorised.
"""

from __future__ import annotations

import numpy as np

from xor_trading.backtest.results import EquityCurve
from xor_trading.timeseries.candle_frame import CandleFrame, FloatArray, IntArray


def build_equity_curve(
    frame: CandleFrame,
    fill_bars: IntArray,
    cash_after: FloatArray,
    qty_after: FloatArray,
    initial_cash: float,
) -> EquityCurve:
    """``fill_bars`` ascending; for several fills in one candle the last one counts."""
    n = len(frame)
    idx = np.searchsorted(fill_bars, np.arange(n), side="right") - 1
    has = idx >= 0
    safe = np.maximum(idx, 0)
    cash = np.where(has, cash_after[safe] if len(cash_after) else 0.0, initial_cash)
    qty = np.where(has, qty_after[safe] if len(qty_after) else 0.0, 0.0)
    equity = cash + qty * frame.close
    return EquityCurve(
        ts_ms=frame.ts_ms + frame.timeframe_ms,
        equity=equity.astype(np.float64),
        in_position=qty != 0,
    )
