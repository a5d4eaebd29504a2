"""The equity curve, built the same way for both backtest paths.

Both paths report a *timeline*: after each candle in which something filled, the settlement
cash and the position quantity (converted exactly-rounded from decimals to floats). The
curve is ``cash + quantity * close`` at every candle's close. It is computed in blocks so
that its temporaries stay small next to a million-candle frame.

With fees in the asset received (the event path only, ADR 0024) the account also holds
*dust*, base below one lot that cannot be sold: its cost is out of the cash, so it is valued
at the close too (``cash + (quantity + dust) * close``), but it is not a position
(``in_position`` follows the quantity).
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
    dust_after: FloatArray | None = None,
) -> EquityCurve:
    """``fill_bars`` ascending; for several fills in one candle the last one counts.

    ``dust_after``: the dust held after each fill (None: never any). ``ts_ms`` of the
    curve are the candles' close times.
    """
    n = len(frame)
    # Prepend the state before any fill so that index 0 means "nothing filled yet".
    cash_steps = np.concatenate(([float(initial_cash)], np.asarray(cash_after, np.float64)))
    qty_steps = np.concatenate(([0.0], np.asarray(qty_after, np.float64)))
    held_steps = qty_steps
    if dust_after is not None:
        held_steps = qty_steps + np.concatenate(([0.0], np.asarray(dust_after, np.float64)))
    bars = np.asarray(fill_bars, np.int64)
    equity = np.empty(n, np.float64)
    in_position = np.empty(n, np.bool_)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        step = np.searchsorted(bars, np.arange(start, stop), side="right")
        equity[start:stop] = cash_steps[step] + held_steps[step] * frame.close[start:stop]
        in_position[start:stop] = qty_steps[step] != 0.0
    return EquityCurve(
        ts_ms=frame.ts_ms + frame.timeframe_ms, equity=equity, in_position=in_position
    )
