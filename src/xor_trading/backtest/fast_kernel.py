"""The compiled trade loop of the fast path (numba), in exact integer arithmetic.

Prices are whole ticks, quantities whole lots, money whole units of ``10**-d`` of the quote
currency. Every rounding mirrors :class:`~xor_trading.exchanges.simulated.venue.SimulatedVenue`
and :class:`~xor_trading.domain.instruments.Instrument` exactly (see
:mod:`xor_trading.backtest.fast_path`), which is why both paths produce identical trades.
Rationals are passed as (numerator, denominator) pairs of int64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from xor_trading.strategy.signals import BoolArray
from xor_trading.timeseries.candle_frame import FloatArray

REASON_SIGNAL = 0
REASON_STOP_LOSS = 1
REASON_TAKE_PROFIT = 2
REASON_END_OF_DATA = 3


@njit(cache=True, inline="always")
def _ceil_div(a: int, b: int) -> int:  # pragma: no cover - compiled
    return -((-a) // b)


@njit(cache=True, inline="always")
def _tick(price: float, tick_f: float) -> int:  # pragma: no cover - compiled
    """Whole ticks nearest to ``price``: the same IEEE operation as ``price_grid.ticks_of``."""
    return int(np.rint(price / tick_f))


@njit(cache=True)
def simulate_long_only(  # pragma: no cover - compiled; covered through run_fast_path
    o_f: FloatArray,  # candle open, high, low, close as recorded (floats)
    h_f: FloatArray,
    l_f: FloatArray,
    c_f: FloatArray,
    tick_f: float,  # tick size; prices are snapped to whole ticks as they are needed
    entries: BoolArray,  # signals taken at each candle's close
    exits: BoolArray,
    cash_u: int,  # starting cash, in money units
    stake_u: int,  # value of each entry, in money units
    k_units: int,  # money units in one tick times one lot
    fee_quantum_u: int,  # fees round up to a multiple of this
    min_notional_u: int,
    min_lots: int,
    max_lots: int,
    taker_n: int,  # taker fee rate = taker_n / taker_d
    taker_d: int,
    maker_n: int,
    maker_d: int,
    slip_n: int,  # taker's adverse move (half spread + slippage) = slip_n / slip_d
    slip_d: int,
    sl_n: int,  # stop loss percent = sl_n / sl_d (0 / 1: none)
    sl_d: int,
    tp_n: int,  # take profit percent = tp_n / tp_d (0 / 1: none)
    tp_d: int,
) -> tuple[Any, ...]:
    n = o_f.shape[0]
    cap = int(entries.sum()) + 2
    t_entry_bar = np.empty(cap, np.int64)
    t_exit_bar = np.empty(cap, np.int64)
    t_entry_t = np.empty(cap, np.int64)
    t_exit_t = np.empty(cap, np.int64)
    t_lots = np.empty(cap, np.int64)
    t_fee_e = np.empty(cap, np.int64)
    t_fee_x = np.empty(cap, np.int64)
    t_reason = np.empty(cap, np.int64)
    t_entry_oid = np.zeros(cap, np.int64)  # numbers of the strategy's orders (O-<n>); 0: none
    t_exit_oid = np.zeros(cap, np.int64)
    r_bar = np.empty(cap, np.int64)  # entries the venue expired (not enough cash at the fill)
    r_lots = np.empty(cap, np.int64)
    r_oid = np.empty(cap, np.int64)
    nr = 0
    oid = 0  # the strategy's order counter: denied orders consume a number too
    entry_oid = 0
    pending_entry_oid = 0
    pending_exit_oid = 0
    f_bar = np.empty(2 * cap, np.int64)
    f_cash = np.empty(2 * cap, np.int64)
    f_lots = np.empty(2 * cap, np.int64)
    nt = 0
    nf = 0
    denied = 0

    lots = 0  # open position
    entry_t = 0
    fee_e = 0
    entry_bar = 0
    pending_entry = 0  # lots of a market buy waiting for the next open
    pending_exit = False
    sl_t = -1  # working stop (ticks) or -1
    tp_t = -1
    brackets_seen = False  # brackets have met a price point (they rest from then on)
    has_sl = sl_n > 0
    has_tp = tp_n > 0

    for i in range(n):
        filled_here = False
        o = _tick(o_f[i], tick_f)
        # --- the open: a jump from the previous close ---------------------------------
        if pending_entry > 0:
            price = _ceil_div(o * (slip_d + slip_n), slip_d)
            value = price * pending_entry * k_units
            fee = _ceil_div(value * taker_n, taker_d * fee_quantum_u) * fee_quantum_u
            if cash_u >= value + fee:
                cash_u -= value + fee
                lots = pending_entry
                entry_t = price
                fee_e = fee
                entry_bar = i
                entry_oid = pending_entry_oid
                filled_here = True
                f_bar[nf] = i
                f_cash[nf] = cash_u
                f_lots[nf] = lots
                nf += 1
                # Place the bracket (stop first, as the OCO's first leg), if the venue takes it.
                sl_t = -1
                tp_t = -1
                # Both legs or none: an OCO order list is accepted or rejected whole.
                s = (entry_t * (100 * sl_d - sl_n)) // (100 * sl_d) if has_sl else 1
                t = _ceil_div(entry_t * (100 * tp_d + tp_n), 100 * tp_d) if has_tp else 1
                legs_ok = s > 0 and (not has_sl or lots * s * k_units >= min_notional_u)
                legs_ok = legs_ok and (not has_tp or lots * t * k_units >= min_notional_u)
                if legs_ok:
                    sl_t = s if has_sl else -1
                    tp_t = t if has_tp else -1
                brackets_seen = False
            else:
                r_bar[nr] = i
                r_lots[nr] = pending_entry
                r_oid[nr] = pending_entry_oid
                nr += 1
            pending_entry = 0
        elif pending_exit:
            price = (o * (slip_d - slip_n)) // slip_d
            value = price * lots * k_units
            fee = _ceil_div(value * taker_n, taker_d * fee_quantum_u) * fee_quantum_u
            cash_u += value - fee
            t_entry_bar[nt] = entry_bar
            t_exit_bar[nt] = i
            t_entry_t[nt] = entry_t
            t_exit_t[nt] = price
            t_lots[nt] = lots
            t_fee_e[nt] = fee_e
            t_fee_x[nt] = fee
            t_reason[nt] = REASON_SIGNAL
            t_entry_oid[nt] = entry_oid
            t_exit_oid[nt] = pending_exit_oid
            nt += 1
            lots = 0
            pending_exit = False
            f_bar[nf] = i
            f_cash[nf] = cash_u
            f_lots[nf] = 0
            nf += 1
        elif lots > 0 and brackets_seen:
            exit_price = -1
            reason = 0
            maker = False
            if sl_t > 0 and o <= sl_t:  # gap through the stop: fill at the open
                exit_price = (o * (slip_d - slip_n)) // slip_d
                reason = REASON_STOP_LOSS
            elif tp_t > 0 and o > tp_t:  # resting limit traded through: fill at the limit
                exit_price = tp_t
                reason = REASON_TAKE_PROFIT
                maker = True
            if exit_price >= 0:
                value = exit_price * lots * k_units
                if maker:
                    fee = _ceil_div(value * maker_n, maker_d * fee_quantum_u) * fee_quantum_u
                else:
                    fee = _ceil_div(value * taker_n, taker_d * fee_quantum_u) * fee_quantum_u
                cash_u += value - fee
                t_entry_bar[nt] = entry_bar
                t_exit_bar[nt] = i
                t_entry_t[nt] = entry_t
                t_exit_t[nt] = exit_price
                t_lots[nt] = lots
                t_fee_e[nt] = fee_e
                t_fee_x[nt] = fee
                t_reason[nt] = reason
                t_entry_oid[nt] = entry_oid
                nt += 1
                lots = 0
                sl_t = -1
                tp_t = -1
                f_bar[nf] = i
                f_cash[nf] = cash_u
                f_lots[nf] = 0
                nf += 1
        # --- the three continuous segments of the candle's path -------------------------
        if lots > 0 and (sl_t > 0 or tp_t > 0):
            close_t = _tick(c_f[i], tick_f)
            if close_t >= o:
                p1 = _tick(l_f[i], tick_f)
                p2 = _tick(h_f[i], tick_f)
            else:
                p1 = _tick(h_f[i], tick_f)
                p2 = _tick(l_f[i], tick_f)
            a = o
            for k in range(3):
                b = p1 if k == 0 else (p2 if k == 1 else close_t)
                exit_price = -1
                reason = 0
                maker = False
                if sl_t > 0:
                    at = -1
                    if a <= sl_t:
                        at = a
                    elif b <= sl_t:
                        at = sl_t
                    if at >= 0:
                        exit_price = (at * (slip_d - slip_n)) // slip_d
                        reason = REASON_STOP_LOSS
                if exit_price < 0 and tp_t > 0:
                    if not brackets_seen and a >= tp_t:  # marketable on arrival: taker at a
                        exit_price = (a * (slip_d - slip_n)) // slip_d
                        reason = REASON_TAKE_PROFIT
                    elif max(a, b) > tp_t:
                        exit_price = tp_t
                        reason = REASON_TAKE_PROFIT
                        maker = True
                brackets_seen = True
                if exit_price >= 0:
                    value = exit_price * lots * k_units
                    if maker:
                        fee = _ceil_div(value * maker_n, maker_d * fee_quantum_u) * fee_quantum_u
                    else:
                        fee = _ceil_div(value * taker_n, taker_d * fee_quantum_u) * fee_quantum_u
                    cash_u += value - fee
                    t_entry_bar[nt] = entry_bar
                    t_exit_bar[nt] = i
                    t_entry_t[nt] = entry_t
                    t_exit_t[nt] = exit_price
                    t_lots[nt] = lots
                    t_fee_e[nt] = fee_e
                    t_fee_x[nt] = fee
                    t_reason[nt] = reason
                    t_entry_oid[nt] = entry_oid
                    nt += 1
                    lots = 0
                    sl_t = -1
                    tp_t = -1
                    f_bar[nf] = i
                    f_cash[nf] = cash_u
                    f_lots[nf] = 0
                    nf += 1
                    break
                a = b
        elif filled_here:
            brackets_seen = True
        # --- the close: the strategy's decisions --------------------------------------
        if not ((lots > 0 and exits[i]) or (lots == 0 and entries[i])):
            continue
        c = _tick(c_f[i], tick_f)
        if lots > 0 and exits[i]:
            oid += 1
            if min_lots <= lots <= max_lots and lots * c * k_units >= min_notional_u:
                pending_exit = True
                pending_exit_oid = oid
                sl_t = -1  # the exit cancels the position's stop and target first
                tp_t = -1
            else:
                denied += 1
        elif lots == 0 and entries[i]:
            oid += 1
            want = stake_u // (c * k_units)
            if want >= min_lots and want <= max_lots and want * c * k_units >= min_notional_u:
                pending_entry = want
                pending_entry_oid = oid
            else:
                denied += 1
    # --- end of data: working orders are canceled, the position closes at the last close ----
    open_fee = 0  # entry fee of a position the end of data could not close (dust)
    if lots > 0:
        c = _tick(c_f[n - 1], tick_f)
        if min_lots <= lots <= max_lots and lots * c * k_units >= min_notional_u:
            price = (c * (slip_d - slip_n)) // slip_d
            value = price * lots * k_units
            fee = _ceil_div(value * taker_n, taker_d * fee_quantum_u) * fee_quantum_u
            cash_u += value - fee
            t_entry_bar[nt] = entry_bar
            t_exit_bar[nt] = n - 1
            t_entry_t[nt] = entry_t
            t_exit_t[nt] = price
            t_lots[nt] = lots
            t_fee_e[nt] = fee_e
            t_fee_x[nt] = fee
            t_reason[nt] = REASON_END_OF_DATA
            t_entry_oid[nt] = entry_oid
            t_exit_oid[nt] = pending_exit_oid if pending_exit else 0  # canceled at the end
            t_exit_oid[nt] = pending_exit_oid if pending_exit else 0  # canceled at the end
            nt += 1
            lots = 0
            f_bar[nf] = n - 1
            f_cash[nf] = cash_u
            f_lots[nf] = 0
            nf += 1
        else:
            open_fee = fee_e
    return (
        t_entry_bar[:nt],
        t_exit_bar[:nt],
        t_entry_t[:nt],
        t_exit_t[:nt],
        t_lots[:nt],
        t_fee_e[:nt],
        t_fee_x[:nt],
        t_reason[:nt],
        f_bar[:nf],
        f_cash[:nf],
        f_lots[:nf],
        t_entry_oid[:nt],
        t_exit_oid[:nt],
        r_bar[:nr],
        r_lots[:nr],
        r_oid[:nr],
        pending_entry,
        pending_entry_oid,
        denied,
        open_fee,
    )
