"""Checks shared by every test that compares the backtest paths or sanity-checks a result.

Part of the shipped test kit: a plug-in author adding ``vector_signals`` to a strategy proves
it with :func:`assert_paths_agree`, exactly as XOR's own strategies do.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.metrics import Metrics, compute_metrics
from xor_trading.backtest.run_result import BacktestResult
from xor_trading.backtest.runner import run_backtest
from xor_trading.domain.instruments import Instrument
from xor_trading.timeseries.candle_frame import CandleFrame


def order_rows(result: BacktestResult) -> list[tuple[object, ...]]:
    """Every order field the two paths must agree on (all but the free-text reason)."""
    return [
        (o.order_id, o.created_ms, o.side, o.order_type, o.quantity, o.limit_price,
         o.stop_price, o.status, o.filled_qty, o.average_price, o.fees, o.tag)
        for o in result.orders
    ]  # fmt: skip


def assert_paths_agree(
    frame: CandleFrame,
    instrument: Instrument,
    strategy: str,
    params: Mapping[str, Any],
    config: BacktestConfig,
) -> BacktestResult:
    """Run both paths; require identical trades, orders, equity curve (to the bit), final
    balance and denials. Returns the fast path's result."""
    fast = run_backtest(frame, instrument, strategy, params, config, path="fast")
    event = run_backtest(frame, instrument, strategy, params, config, path="event")
    assert len(fast.trades) == len(event.trades), (len(fast.trades), len(event.trades))
    for i, (a, b) in enumerate(zip(fast.trades, event.trades, strict=True)):
        assert a == b, f"trade {i} differs:\n  fast  {a}\n  event {b}"
    assert order_rows(fast) == order_rows(event)
    assert np.array_equal(fast.curve.equity, event.curve.equity)
    assert fast.final_balance == event.final_balance
    assert fast.denials == event.denials
    return fast


def assert_finite_metrics(result: BacktestResult, config: BacktestConfig,
                          timeframe_ms: int) -> Metrics:  # fmt: skip
    """The headline metrics of ``result`` exist and are finite numbers."""
    metrics = compute_metrics(result.trades, result.curve, config.capital, timeframe_ms)
    for name in ("total_return_pct", "cagr_pct", "max_drawdown_pct", "sharpe", "win_rate_pct",
                 "profit_factor"):  # fmt: skip
        value = getattr(metrics, name)
        assert value is not None, f"{name} is undefined"
        assert math.isfinite(float(value)), f"{name} is {value}"
    return metrics
