"""Performance metrics of a backtest: returns, risk ratios, drawdown and trade statistics.

Every formula, unit and edge case is written down in ``docs/metrics.md``; the docstrings
here are the short form. Two kinds of numbers live side by side:

* money that comes from trades (fees, net profit, averages per trade) is ``Decimal`` and
  exact, and ``Metrics.to_dict`` serialises it as a string so JSON keeps the exactness;
* anything computed from the equity curve (returns, ratios, drawdown) is ``float``, since the
  curve itself is float64 for speed.

A metric that is undefined for the given inputs (no losing trade, fewer than two days, a
flat curve, ...) is ``None`` rather than ``0``, ``inf`` or ``NaN``: a report must be able to
say "not applicable" instead of showing a misleading number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TypedDict

import numpy as np

from xor_trading.backtest.drawdown import max_drawdown_duration_ms, underwater_pct
from xor_trading.backtest.results import EquityCurve, TradeRecord
from xor_trading.core.errors import ConfigError, DataError
from xor_trading.core.timeframes import MS_PER_YEAR
from xor_trading.timeseries.candle_frame import FloatArray, IntArray

__all__ = ["DAY_MS", "TRADING_DAYS_PER_YEAR", "Metrics", "compute_metrics", "daily_returns"]

DAY_MS = 86_400_000
TRADING_DAYS_PER_YEAR = 365  # crypto trades every day, so annualise over calendar days
# Below this a standard deviation of daily returns is rounding noise (a flat or perfectly
# steady curve); dividing by it would report a meaningless ratio of 1e15.
_ZERO_DEVIATION = 1e-12

JsonValue = str | int | float | None


class _CurvePart(TypedDict):
    start_time_ms: int | None
    end_time_ms: int | None
    final_equity: float
    total_return_pct: float
    cagr_pct: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown_pct: float
    max_drawdown_duration_ms: int
    exposure_pct: float


class _TradePart(TypedDict):
    net_profit: Decimal
    number_of_trades: int
    winning_trades: int
    losing_trades: int
    win_rate_pct: float | None
    profit_factor: float | None
    gross_profit: Decimal
    gross_loss: Decimal
    expectancy: Decimal | None
    avg_win: Decimal | None
    avg_loss: Decimal | None
    best_trade_pct: float | None
    worst_trade_pct: float | None
    avg_holding_ms: float | None
    fees_paid: Decimal


@dataclass(frozen=True, slots=True)
class Metrics:
    """Summary statistics of one backtest.

    Units: ``*_pct`` in percent (``12.5`` means 12.5 %), ``*_ms`` in milliseconds (times are
    UTC epoch milliseconds), money in the quote currency. ``Decimal`` fields are exact sums
    of trade values; ``float`` fields come from the equity curve. ``None`` means undefined
    for these inputs (see ``docs/metrics.md`` for each case).
    """

    start_time_ms: int | None  # open of the first candle; None for an empty curve
    end_time_ms: int | None  # close of the last candle; None for an empty curve
    initial_capital: Decimal
    final_equity: float  # last point of the curve; the initial capital if the curve is empty
    net_profit: Decimal  # sum of net trade PnL (after fees)
    total_return_pct: float
    cagr_pct: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown_pct: float  # depth, positive
    max_drawdown_duration_ms: int
    exposure_pct: float
    number_of_trades: int
    winning_trades: int  # net PnL > 0
    losing_trades: int  # net PnL < 0 (break-even trades are neither)
    win_rate_pct: float | None
    profit_factor: float | None
    gross_profit: Decimal  # sum of positive net PnL
    gross_loss: Decimal  # absolute sum of negative net PnL (a positive number)
    expectancy: Decimal | None  # mean net PnL per trade
    avg_win: Decimal | None  # mean net PnL of winning trades (positive)
    avg_loss: Decimal | None  # mean net PnL of losing trades (negative)
    best_trade_pct: float | None
    worst_trade_pct: float | None
    avg_holding_ms: float | None
    fees_paid: Decimal

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-ready mapping with snake_case keys in field order.

        ``Decimal`` becomes its exact string (``"0.30"``), every float is finite (undefined
        values are already ``None``), ints stay ints. ``json.dumps(m.to_dict(),
        allow_nan=False)`` always succeeds.
        """
        out: dict[str, JsonValue] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = str(value) if isinstance(value, Decimal) else value
        return out


def compute_metrics(
    trades: Sequence[TradeRecord],
    curve: EquityCurve,
    initial_capital: Decimal,
    timeframe_ms: int,
) -> Metrics:
    """Compute every metric of a backtest; never fails on empty trades or an empty curve.

    Contract:
        * ``initial_capital > 0`` (quote currency), else ``ConfigError``.
        * ``timeframe_ms > 0`` (candle duration), else ``ConfigError``.
        * ``curve.ts_ms`` are candle **close** times, strictly increasing; ``equity`` and
          ``in_position`` have the same length; equity is finite. Else ``DataError``.
        * ``trades`` carry net PnL (after fees) as in :class:`TradeRecord`.

    Cost: O(n) vectorised numpy over the curve (about a few tens of milliseconds for a
    million points) plus O(number of trades) Decimal arithmetic.
    """
    if initial_capital <= 0:
        raise ConfigError(
            f"initial capital must be positive, got {initial_capital}",
            "set a starting balance above zero",
        )
    if timeframe_ms <= 0:
        raise ConfigError(f"timeframe_ms must be positive, got {timeframe_ms}")
    ts, equity, in_pos = _validated_curve(curve)
    capital = float(initial_capital)

    curve_part = _curve_metrics(ts, equity, in_pos, capital, timeframe_ms)
    trade_part = _trade_metrics(trades)
    return Metrics(initial_capital=initial_capital, **curve_part, **trade_part)


def daily_returns(ts_ms: IntArray, equity: FloatArray, initial_equity: float) -> FloatArray:
    """Simple returns of the equity at the end of each UTC day, the first against the capital.

    The end-of-day equity is the equity at the last candle close within the day. A close at
    exactly ``00:00:00.000`` ends the previous day (its candle covered that day), so the day of
    a close is ``(ts_ms - 1) // DAY_MS``. Days without any close are skipped, not filled.
    Returns one value per day that has a close; may contain ``inf``/``NaN`` if equity reached
    zero or below.
    """
    if len(ts_ms) == 0:
        return np.empty(0, dtype=np.float64)
    day = (ts_ms - 1) // DAY_MS
    # The last index of each day: where the day changes, plus the final point.
    last_of_day = np.flatnonzero(np.diff(day) != 0)
    last_of_day = np.append(last_of_day, len(day) - 1)
    eod = equity[last_of_day]
    prev = np.concatenate((np.array([initial_equity], dtype=np.float64), eod[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        returns: FloatArray = eod / prev - 1.0
    return returns


def _validated_curve(curve: EquityCurve) -> tuple[IntArray, FloatArray, np.ndarray]:
    ts = np.asarray(curve.ts_ms, dtype=np.int64)
    equity = np.asarray(curve.equity, dtype=np.float64)
    in_pos = np.asarray(curve.in_position, dtype=np.bool_)
    if not (len(ts) == len(equity) == len(in_pos)):
        raise DataError(
            f"equity curve columns differ in length: ts_ms={len(ts)}, equity={len(equity)}, "
            f"in_position={len(in_pos)}"
        )
    if len(ts) > 1 and not bool(np.all(np.diff(ts) > 0)):
        raise DataError("equity curve timestamps must be strictly increasing")
    if not bool(np.all(np.isfinite(equity))):
        raise DataError("equity curve contains NaN or infinite values")
    return ts, equity, in_pos


def _curve_metrics(
    ts: IntArray, equity: FloatArray, in_pos: np.ndarray, capital: float, timeframe_ms: int
) -> _CurvePart:
    if len(ts) == 0:
        return {
            "start_time_ms": None,
            "end_time_ms": None,
            "final_equity": capital,
            "total_return_pct": 0.0,
            "cagr_pct": None,
            "sharpe": None,
            "sortino": None,
            "calmar": None,
            "max_drawdown_pct": 0.0,
            "max_drawdown_duration_ms": 0,
            "exposure_pct": 0.0,
        }
    start_ms = int(ts[0]) - timeframe_ms  # the open of the first candle
    end_ms = int(ts[-1])
    final = float(equity[-1])
    cagr = _cagr_pct(capital, final, end_ms - start_ms)
    mdd = float(underwater_pct(equity, capital).max())
    sharpe, sortino = _sharpe_sortino(daily_returns(ts, equity, capital))
    return {
        "start_time_ms": start_ms,
        "end_time_ms": end_ms,
        "final_equity": final,
        "total_return_pct": (final / capital - 1.0) * 100.0,
        "cagr_pct": cagr,
        "sharpe": sharpe,
        "sortino": sortino,
        "calmar": _finite(cagr / mdd) if cagr is not None and mdd > 0 else None,
        "max_drawdown_pct": mdd,
        "max_drawdown_duration_ms": max_drawdown_duration_ms(ts, equity, start_ms, capital),
        "exposure_pct": np.count_nonzero(in_pos) / len(in_pos) * 100.0,
    }


def _cagr_pct(capital: float, final: float, elapsed_ms: int) -> float | None:
    """``((final / capital) ** (year / elapsed) - 1) * 100``; None if it cannot be stated."""
    if elapsed_ms <= 0:
        return None
    if final <= 0:
        return -100.0  # everything lost: no positive growth rate reaches zero or below
    try:
        growth = (final / capital) ** (MS_PER_YEAR / elapsed_ms)
    except OverflowError:
        # A short run with a big gain extrapolates to beyond float range: not meaningful.
        return None
    return _finite((growth - 1.0) * 100.0)


def _sharpe_sortino(returns: FloatArray) -> tuple[float | None, float | None]:
    """Annualised Sharpe (sample std) and Sortino (downside deviation) of daily returns."""
    if len(returns) < 2 or not bool(np.all(np.isfinite(returns))):
        return None, None
    mean = float(returns.mean())
    scale = math.sqrt(TRADING_DAYS_PER_YEAR)
    std = float(returns.std(ddof=1))
    sharpe = _finite(mean / std * scale) if std > _ZERO_DEVIATION else None
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
    sortino = _finite(mean / downside * scale) if downside > _ZERO_DEVIATION else None
    return sharpe, sortino


def _trade_metrics(trades: Sequence[TradeRecord]) -> _TradePart:
    zero = Decimal(0)
    pnls = [t.pnl for t in trades]
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    gross_profit = sum(wins, zero)
    # ``zero - x`` rather than ``-x``: negating Decimal(0) gives Decimal("-0"), shown as "-0".
    gross_loss = zero - sum(losses, zero)
    n = len(pnls)
    net = sum(pnls, zero)
    # Per-trade returns in percent; a trade with zero entry value has no defined return.
    returns_pct = [
        float(t.pnl / notional * 100)
        for t in trades
        if (notional := t.entry_price * t.quantity) != 0
    ]
    return {
        "net_profit": net,
        "number_of_trades": n,
        "winning_trades": len(wins),
        "losing_trades": len(losses),
        "win_rate_pct": len(wins) / n * 100.0 if n else None,
        "profit_factor": float(gross_profit / gross_loss) if gross_loss > 0 else None,
        "gross_profit": gross_profit,
        "gross_loss": gross_loss,
        "expectancy": net / n if n else None,
        "avg_win": gross_profit / len(wins) if wins else None,
        "avg_loss": sum(losses, zero) / len(losses) if losses else None,
        "best_trade_pct": max(returns_pct) if returns_pct else None,
        "worst_trade_pct": min(returns_pct) if returns_pct else None,
        "avg_holding_ms": sum(t.holding_ms for t in trades) / n if n else None,
        "fees_paid": sum((t.fees for t in trades), zero),
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
