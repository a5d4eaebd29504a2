"""Entry sizing: how much of the base asset one entry buys, in four modes.

Every mode first fixes a **budget** in the quote currency, then divides it by what one unit
costs (fixed stake) or what one unit loses at the stop (the three risk modes)::

    fixed_stake       q = stake / price
    fixed_fractional  q = equity * risk_pct / 100 / |price - stop_price|
    kelly             q = equity * kelly_pct / 100 / |price - stop_price|
                      kelly_pct = min(kelly_fraction * f* * 100, kelly_cap_pct),
                      f* = W - (1 - W) / R from the bot's own closed trades;
                      fewer than min_trades trades: fixed_fractional instead
    volatility        q = equity * risk_pct / 100 / (atr_multiple * atr)

``q`` is then rounded **down** to the instrument's lot (so the quantity never spends more
than the stake nor risks more than the budget), and is 0 when it is below the venue's
``min_qty`` or its value at ``price`` is below ``min_notional``: the caller denies the entry
(:attr:`EntrySize.reason` says why). The arithmetic is exact: inputs go through ``str``
into :class:`~decimal.Decimal` and are divided as :class:`~fractions.Fraction`, so no
binary or 28-digit rounding can push a quantity over its budget.

Nothing else caps the size here: the position, risk-per-trade, leverage and notional
limits are the pre-trade rules' job (``risk/rules/``), which deny rather than shrink.

Kelly, precisely. ``trade_history`` holds the realised PnL (quote currency, net of fees)
of each closed trade of this bot. A trade is a win when its PnL is positive and a loss when
it is negative; a break-even trade counts in the number of trades (it lowers the win rate)
but in neither average. ``W = wins / trades``, ``R = mean(win) / mean(|loss|)``. With no
loss yet ``R`` is infinite and ``f* = W``; with no win ``f* = 0``. ``f*`` is the Kelly
fraction of equity to **risk** (lose at the stop), because ``R`` is measured in money won
and lost per trade; so Kelly sizes exactly like fixed fractional with ``risk_pct``
replaced by ``kelly_pct``, and the fallback below ``min_trades`` is seamless. A
non-positive ``f*`` (no edge) gives 0: no trade.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.values import ZERO, to_decimal

Number = Decimal | int | float | str

_HUNDRED = Fraction(100)


class SizingMode(StrEnum):
    FIXED_STAKE = "fixed_stake"
    FIXED_FRACTIONAL = "fixed_fractional"
    KELLY = "kelly"
    VOLATILITY = "volatility"


@dataclass(frozen=True, slots=True)
class KellyEstimate:
    """Kelly statistics of a trade history (exact fractions).

    ``payoff_ratio`` is None when there is no loss (infinite) or no win (undefined).
    ``full_kelly`` is ``f*`` clipped at 0 from below.
    """

    trades: int
    win_rate: Fraction
    payoff_ratio: Fraction | None
    full_kelly: Fraction


@dataclass(frozen=True, slots=True)
class EntrySize:
    """The outcome of sizing one entry.

    ``mode`` is the mode actually used (``kelly`` falls back to ``fixed_fractional``);
    ``budget`` is the stake or the amount at risk (quote currency, for display: it is the
    exact budget rounded to 28 digits); ``reason`` is empty when ``quantity > 0`` and
    otherwise one sentence for the denial.
    """

    quantity: Decimal
    mode: SizingMode
    budget: Decimal
    reason: str = ""


def kelly_estimate(trade_history: Sequence[Number]) -> KellyEstimate:
    """Win rate, payoff ratio and ``f* = W - (1 - W) / R`` of the closed trades' PnL."""
    pnls = [_fraction(p, "trade_history") for p in trade_history]
    wins = [p for p in pnls if p > 0]
    losses = [-p for p in pnls if p < 0]
    n = len(pnls)
    if n == 0 or not wins:
        return KellyEstimate(n, Fraction(0), None, Fraction(0))
    win_rate = Fraction(len(wins), n)
    if not losses:
        return KellyEstimate(n, win_rate, None, win_rate)
    payoff = (sum(wins, Fraction(0)) / len(wins)) / (sum(losses, Fraction(0)) / len(losses))
    full = win_rate - (1 - win_rate) / payoff
    return KellyEstimate(n, win_rate, payoff, max(full, Fraction(0)))


def size_entry(
    mode: SizingMode | str,
    *,
    equity: Number,
    price: Number,
    instrument: Instrument,
    stop_price: Number | None = None,
    stake: Number | None = None,
    risk_pct: Number | None = None,
    atr: Number | None = None,
    trade_history: Sequence[Number] = (),
    kelly_fraction: Number = Decimal("0.5"),
    kelly_cap_pct: Number = Decimal(5),
    min_trades: int = 30,
    atr_multiple: Number = Decimal(2),
) -> Decimal:
    """Quantity for one long or short entry at ``price``, rounded down to the lot; 0: deny.

    See the module docstring for the formulas. Parameters a mode does not use are ignored;
    a parameter a mode needs that is missing or out of range raises
    :class:`~xor_trading.core.errors.ConfigError`. :func:`plan_entry` returns the same
    quantity with the mode used, the budget and the reason for a zero.
    """
    return plan_entry(
        mode,
        equity=equity,
        price=price,
        instrument=instrument,
        stop_price=stop_price,
        stake=stake,
        risk_pct=risk_pct,
        atr=atr,
        trade_history=trade_history,
        kelly_fraction=kelly_fraction,
        kelly_cap_pct=kelly_cap_pct,
        min_trades=min_trades,
        atr_multiple=atr_multiple,
    ).quantity


def plan_entry(
    mode: SizingMode | str,
    *,
    equity: Number,
    price: Number,
    instrument: Instrument,
    stop_price: Number | None = None,
    stake: Number | None = None,
    risk_pct: Number | None = None,
    atr: Number | None = None,
    trade_history: Sequence[Number] = (),
    kelly_fraction: Number = Decimal("0.5"),
    kelly_cap_pct: Number = Decimal(5),
    min_trades: int = 30,
    atr_multiple: Number = Decimal(2),
) -> EntrySize:
    """:func:`size_entry` with its reasoning (mode used, budget, why the quantity is 0)."""
    try:
        mode = SizingMode(mode)
    except ValueError:
        choices = ", ".join(m.value for m in SizingMode)
        raise ConfigError(
            f"unknown sizing mode {mode!r}", hint=f"choose one of {choices}"
        ) from None
    px = _positive(price, "price")
    eq = _fraction(equity, "equity")

    if mode is SizingMode.FIXED_STAKE:
        stake_q = _required_positive(stake, "stake", mode)
        return _finish(stake_q / px, stake_q, mode, px, instrument)

    if mode is SizingMode.VOLATILITY:
        pct = _percent(risk_pct, "risk_pct", mode)
        multiple = _required_positive(atr_multiple, "atr_multiple", mode)
        atr_q = _atr(atr)
        if eq <= 0:
            return _no_equity(mode, eq)
        budget = eq * pct / _HUNDRED
        return _finish(budget / (multiple * atr_q), budget, mode, px, instrument)

    distance = _stop_distance(px, stop_price, mode)
    if mode is SizingMode.KELLY:
        fraction = _fraction(kelly_fraction, "kelly_fraction")
        if not 0 < fraction <= 1:
            raise ConfigError(
                f"kelly_fraction ({kelly_fraction}) must be above 0 and at most 1",
                hint="0.5 (half Kelly) is the usual choice; 1 is full Kelly",
            )
        cap = _percent(kelly_cap_pct, "kelly_cap_pct", mode)
        if min_trades < 1:
            raise ConfigError(
                f"min_trades ({min_trades}) must be at least 1",
                hint="30 closed trades is the default before Kelly replaces fixed fractional",
            )
        if len(trade_history) >= min_trades:
            est = kelly_estimate(trade_history)
            kelly_pct = min(fraction * est.full_kelly * _HUNDRED, cap)
            if kelly_pct <= 0:
                return EntrySize(
                    ZERO,
                    mode,
                    ZERO,
                    f"Kelly finds no edge in the last {est.trades} trades "
                    f"(win rate {_pct_text(est.win_rate)} %, payoff ratio "
                    f"{_ratio_text(est.payoff_ratio)}): no trade",
                )
            if eq <= 0:
                return _no_equity(mode, eq)
            budget = eq * kelly_pct / _HUNDRED
            return _finish(budget / distance, budget, mode, px, instrument)
        if risk_pct is None:
            raise ConfigError(
                f"kelly sizing needs risk_pct: with fewer than min_trades ({min_trades}) closed "
                "trades it sizes as fixed_fractional",
                hint="set risk_pct (e.g. 1) for the first trades",
            )
        mode = SizingMode.FIXED_FRACTIONAL  # too few trades to trust an estimate

    pct = _percent(risk_pct, "risk_pct", mode)
    if eq <= 0:
        return _no_equity(mode, eq)
    budget = eq * pct / _HUNDRED
    return _finish(budget / distance, budget, mode, px, instrument)


def _finish(
    raw_qty: Fraction, budget: Fraction, mode: SizingMode, px: Fraction, instrument: Instrument
) -> EntrySize:
    lot = instrument.lot_size
    lots = math.floor(raw_qty / Fraction(lot))
    with localcontext() as ctx:
        ctx.prec = 80  # lots * lot is exact: no 28-digit rounding of a large quantity
        qty = (Decimal(lots) * lot).quantize(lot)
        shown_budget = Decimal(budget.numerator) / Decimal(budget.denominator)
    shown_budget = +shown_budget  # back to the ambient precision for display
    if qty < instrument.min_qty or qty <= 0:
        return EntrySize(
            ZERO,
            mode,
            shown_budget,
            f"{mode.value} sizing gives {qty} {instrument.base}, below the minimum quantity "
            f"{instrument.min_qty}",
        )
    if Fraction(qty) * px < Fraction(instrument.min_notional):
        value = Decimal(px.numerator) / Decimal(px.denominator) * qty
        return EntrySize(
            ZERO,
            mode,
            shown_budget,
            f"{mode.value} sizing gives {qty} {instrument.base} worth {value:f} "
            f"{instrument.quote}, below the minimum notional {instrument.min_notional} "
            f"{instrument.quote}",
        )
    return EntrySize(qty, mode, shown_budget)


def _no_equity(mode: SizingMode, eq: Fraction) -> EntrySize:
    shown = Decimal(eq.numerator) / Decimal(eq.denominator)
    return EntrySize(ZERO, mode, ZERO, f"equity is {shown}: nothing to risk")


def _fraction(value: Number, name: str) -> Fraction:
    try:
        return Fraction(to_decimal(value))
    except (ValueError, ArithmeticError):
        raise ConfigError(
            f"{name} must be a finite number, got {value!r}", hint=f"pass a number for {name}"
        ) from None


def _positive(value: Number, name: str) -> Fraction:
    q = _fraction(value, name)
    if q <= 0:
        raise ConfigError(f"{name} ({value}) must be positive", hint=f"pass a {name} above 0")
    return q


def _required_positive(value: Number | None, name: str, mode: SizingMode) -> Fraction:
    if value is None:
        raise ConfigError(f"{mode.value} sizing needs {name}", hint=f"set {name}")
    return _positive(value, name)


def _percent(value: Number | None, name: str, mode: SizingMode) -> Fraction:
    q = _required_positive(value, name, mode)
    if q > 100:
        raise ConfigError(
            f"{name} ({value}) cannot exceed 100", hint=f"{name} is a percentage of equity"
        )
    return q


def _atr(atr: Number | None) -> Fraction:
    if atr is None:
        raise ConfigError("volatility sizing needs atr", hint="pass the current ATR")
    try:
        q = Fraction(to_decimal(atr))
    except (ValueError, ArithmeticError):
        q = Fraction(0)
    if q <= 0:
        raise DataError(
            f"ATR is {atr}: volatility sizing needs a positive ATR",
            hint="wait until the ATR has warmed up, or size another way",
        )
    return q


def _stop_distance(px: Fraction, stop_price: Number | None, mode: SizingMode) -> Fraction:
    stop = _required_positive(stop_price, "stop_price", mode)
    if stop == px:
        raise ConfigError(
            f"stop_price ({stop_price}) equals the entry price: the stop distance is zero",
            hint="put the stop below the entry for a long (above it for a short)",
        )
    return abs(px - stop)


def _pct_text(value: Fraction) -> str:
    return f"{float(value * 100):.1f}"


def _ratio_text(value: Fraction | None) -> str:
    return "n/a" if value is None else f"{float(value):.2f}"
