"""Pre-trade risk check latency: the full rule set on one entry, against a bare function call.

    .venv/bin/python bench/risk_check.py [--positions 100] [--window 100] [--checks 20000]

Runs with the product's own venv (no peer is involved).

State: a ``RiskState`` with ``--positions`` open positions, each with a full window of
``--window`` candle returns (random, in groups of ten symbols sharing a factor so that the
correlation matrix is not trivial), equity large enough that every limit passes. The limits
are raised (max_open_positions, max_positions_per_cluster, max_correlation 0.99) so that the
command passes **every** rule: an allowed entry is the slowest path, since no rule stops early.

Timed:

* ``hot``: ``check_pre_trade`` on the same new-symbol entry (market buy, reference price, 2 %
  bracket stop), ``--checks`` times, each call timed on its own with ``perf_counter_ns``;
  correlations are cached per candle, so this is the cost of every check after the first in a
  candle.
* ``cold`` (reported, no target): a new return is appended to every symbol (one candle closed),
  then the first check runs, recomputing the correlations; repeated ``--cold`` times.
* ``baseline``: a bare Python function call (``def f(a, b, c, d): return None``) timed the same
  way in the same run, so that the ratio stays meaningful on another machine.

Target: hot p99 <= 50 us. Exit status 0 when met, 1 when missed.
Prints ONE summary line ``SUMMARY risk_check: ... PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal

from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import Bracket, SubmitOrder
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.rules import PRE_TRADE_RULES, check_pre_trade
from xor_trading.risk.state import RiskState
from xor_trading.testing.factories import make_instrument

P99_TARGET_US = 50.0
SEED = 7


def build_state(positions: int, window: int) -> tuple[RiskState, list[str]]:
    rng = random.Random(SEED)
    state = RiskState(equity=1e9, correlation_window=window)
    symbols = [f"S{i:03d}/USDT" for i in range(positions)] + ["NEW/USDT"]
    factors = [[rng.gauss(0, 0.01) for _ in range(window)] for _ in range(positions // 10 + 1)]
    for i, symbol in enumerate(symbols):
        factor = factors[i // 10]
        for t in range(window):
            state.add_return(symbol, 0.3 * factor[t] + rng.gauss(0, 0.01))
    for symbol in symbols[:-1]:
        state.set_position(symbol, Decimal("1.5"), 100.0, 0)
    return state, symbols


def percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000.0


def time_calls(call: Callable[[], object], n: int) -> list[int]:
    clock = time.perf_counter_ns
    samples = [0] * n
    for i in range(n):
        start = clock()
        call()
        samples[i] = clock() - start
    samples.sort()
    return samples


def bare(a: object, b: object, c: object, d: object) -> None:
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=100)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--cold", type=int, default=200)
    args = parser.parse_args()

    config = RiskConfig(
        max_open_positions=args.positions + 1,
        max_positions_per_cluster=args.positions + 1,
        max_correlation=0.99,
        correlation_window=args.window,
        max_order_notional=Decimal(1_000_000),
    )
    state, symbols = build_state(args.positions, args.window)
    instrument = make_instrument("NEW/USDT")
    cmd = SubmitOrder(
        OrderId("O-1"),
        StrategyId("bench"),
        Symbol("NEW/USDT"),
        OrderSide.BUY,
        OrderType.MARKET,
        Decimal("2.5"),
        1_700_000_000_000,
        bracket=Bracket(stop_loss_pct=Decimal(2)),
        reference_price=Decimal("100.00"),
    )
    denial = check_pre_trade(cmd, state, config, instrument)
    if denial is not None:
        print(f"setup error: the bench entry is denied: {denial}")
        return 1

    def check() -> object:
        return check_pre_trade(cmd, state, config, instrument)

    def baseline() -> object:
        return bare(cmd, state, config, instrument)

    gc.collect()
    gc.disable()
    try:
        time_calls(check, 1000)  # warm-up
        time_calls(baseline, 1000)
        hot = time_calls(check, args.checks)
        base = time_calls(baseline, args.checks)
        rng = random.Random(SEED + 1)
        cold: list[int] = []
        for _ in range(args.cold):
            for symbol in symbols:
                state.add_return(symbol, rng.gauss(0, 0.01))
            cold.extend(time_calls(check, 1))
        cold.sort()
    finally:
        gc.enable()

    hot_p50, hot_p99 = percentile(hot, 0.50), percentile(hot, 0.99)
    base_p50, base_p99 = percentile(base, 0.50), percentile(base, 0.99)
    cold_p50, cold_p99 = percentile(cold, 0.50), percentile(cold, 0.99)
    ratio = hot_p50 / base_p50 if base_p50 > 0 else float("inf")
    passed = hot_p99 <= P99_TARGET_US

    print(
        f"  state: {args.positions} open positions, window {args.window}, "
        f"{len(PRE_TRADE_RULES)} rules, entry passes all of them"
    )
    print(f"  {'':<26} {'p50 us':>9} {'p99 us':>9}")
    print(f"  {'check, hot (cached)':<26} {hot_p50:9.2f} {hot_p99:9.2f}   n={len(hot)}")
    print(f"  {'check, first after candle':<26} {cold_p50:9.2f} {cold_p99:9.2f}   n={len(cold)}")
    print(f"  {'bare function call':<26} {base_p50:9.3f} {base_p99:9.3f}   n={len(base)}")
    print(f"  hot p50 = {ratio:.0f} x a bare call")
    print(
        f"  target: hot p99 <= {P99_TARGET_US:g} us: {hot_p99:.2f} us "
        f"{'ok' if passed else 'MISSED'}"
    )
    print(
        f"SUMMARY risk_check: hot p50 {hot_p50:.1f} us p99 {hot_p99:.1f} us "
        f"({ratio:.0f}x a bare call of {base_p50:.3f} us), first check after a candle "
        f"p50 {cold_p50:.0f} us p99 {cold_p99:.0f} us, {args.positions} positions window "
        f"{args.window} (target hot p99 <= {P99_TARGET_US:g} us) {'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
