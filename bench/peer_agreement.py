"""Peer agreement: the product's trade list equals backtesting.py's, trade for trade.

    .venv-bench/bin/python bench/peer_agreement.py [--candles PATH] [--bars N]

On the real BTC/USDT 1m file (or its first/extended ``--bars`` candles): SMA(10/30) cross,
long only, next-open fills, 1000 USDT per trade, 0.1 % fee, no slippage. It

1. recomputes backtesting.py's trade list (bench/peers/backtesting_py_sma.py) and, on the
   full real file, checks it equals the committed fixture
   tests/fixtures/peers/backtesting_py_sma_cross_10_30_btc_usdt_1m.csv;
2. runs the product on the fast path and on the event path and compares each trade:
   entry/exit time, entry/exit price and quantity exactly; net PnL and fees within
   ``--tolerance`` USDT (backtesting.py computes them in binary floats, the product in
   decimals with fees rounded to the venue's fee quantum);
3. does the same on short prefixes of the data chosen so that the last candle holds an
   open trade, an entry fill, or an exit signal -- the end-of-data convention (closed at the
   last candle's close, at its close time, labelled ``end_of_data`` by the product).

Exit status: 0 all agree; 1 a difference (the first differing trade is printed);
2 the product engine is not available yet.
"""

from __future__ import annotations

import argparse
import csv
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import xor_engine
from peers import backtesting_py_sma
from peers.backtesting_py_sma import FIXTURE_COLUMNS, PeerTrade
from peers.common import (
    FIXTURE,
    REAL_CANDLES,
    TIMEFRAME_MS,
    Candles,
    crossings,
    indicators,
    iso_utc,
    load_candles,
    synthetic_series,
)

CENT = Decimal("0.01")
LOT = Decimal("0.00001")


def exact(t: PeerTrade) -> tuple[int, int, Decimal, Decimal, Decimal]:
    return (
        t.entry_time_ms, t.exit_time_ms,
        Decimal(t.entry_ticks) * CENT, Decimal(t.exit_ticks) * CENT, Decimal(t.lots) * LOT,
    )  # fmt: skip


def product_exact(t: Any) -> tuple[int, int, Decimal, Decimal, Decimal]:
    return (
        int(t.entry_time_ms), int(t.exit_time_ms),
        Decimal(t.entry_price), Decimal(t.exit_price), Decimal(t.quantity),
    )  # fmt: skip


def show(fields: tuple[int, int, Decimal, Decimal, Decimal]) -> str:
    a, b, c, d, e = fields
    return f"entry {iso_utc(a)} @ {c}, exit {iso_utc(b)} @ {d}, qty {e}"


def compare(
    label: str, peer: list[PeerTrade], product: list[Any], end_ms: int, tolerance: float
) -> list[str]:
    """Problems found (empty when the lists agree); stops at the first differing trade."""
    problems: list[str] = []
    worst_pnl = worst_fee = 0.0
    for k, (p, x) in enumerate(zip(peer, product, strict=False)):
        if exact(p) != product_exact(x):
            problems.append(
                f"{label}: trade {k} differs:\n    backtesting.py {show(exact(p))}\n"
                f"    product        {show(product_exact(x))} ({x.exit_reason})"
            )
            break
        d_pnl = abs(float(x.pnl) - p.pnl)
        d_fee = abs(float(x.fees) - p.commission)
        worst_pnl, worst_fee = max(worst_pnl, d_pnl), max(worst_fee, d_fee)
        if d_pnl > tolerance or d_fee > tolerance:
            problems.append(
                f"{label}: trade {k} ({show(exact(p))}): pnl {x.pnl} vs {p.pnl!r}, "
                f"fees {x.fees} vs {p.commission!r} (tolerance {tolerance})"
            )
            break
        want_reason = "end_of_data" if p.exit_time_ms == end_ms else "signal"
        if x.exit_reason != want_reason:
            problems.append(
                f"{label}: trade {k} exit_reason {x.exit_reason!r}, expected {want_reason!r}"
            )
            break
    if not problems and len(peer) != len(product):
        k = min(len(peer), len(product))
        extra = (
            f"backtesting.py has {show(exact(peer[k]))}" if len(peer) > k
            else f"product has {show(product_exact(product[k]))}"
        )  # fmt: skip
        problems.append(
            f"{label}: {len(product)} product trades vs {len(peer)} backtesting.py trades; "
            f"first extra: {extra}"
        )
    if not problems:
        print(
            f"  {label}: {len(peer):,} trades agree (max |pnl diff| {worst_pnl:.2e}, "
            f"max |fee diff| {worst_fee:.2e} USDT)"
        )
    return problems


def check_fixture(peer: list[PeerTrade], fixture: Path) -> list[str]:
    if not fixture.exists():
        return [f"fixture {fixture} is missing: run bench/peers/backtesting_py_sma.py"]
    with fixture.open(newline="") as fh:
        rows = list(csv.reader(fh))
    if tuple(rows[0]) != FIXTURE_COLUMNS:
        return [f"fixture {fixture}: columns {rows[0]}, expected {list(FIXTURE_COLUMNS)}"]
    fresh = [t.csv_row() for t in peer]
    for k, (old, new) in enumerate(zip(rows[1:], fresh, strict=False)):
        if old != new:
            return [f"fixture differs from a fresh backtesting.py run at trade {k}: {old} vs {new}"]
    if len(rows) - 1 != len(fresh):
        return [f"fixture has {len(rows) - 1} trades, a fresh backtesting.py run {len(fresh)}"]
    print(f"  fixture {fixture.name}: equals a fresh backtesting.py run ({len(fresh):,} trades)")
    return []


def end_of_data_cuts(candles: Candles) -> dict[str, int]:
    """Prefix lengths whose last candle has: an open trade, an entry fill, an exit signal."""
    fast, slow = indicators(candles.close)
    above, below = crossings(fast, slow)
    ups = np.flatnonzero(above)
    downs = np.flatnonzero(below)
    up = int(ups[len(ups) // 2])
    next_down = int(downs[np.searchsorted(downs, up)])
    return {
        "open trade at end of data": (up + next_down) // 2 + 2,  # mid-trade
        "entry fill on the last candle": up + 2,  # signal on the one before the last
        "exit signal on the last candle": next_down + 1,  # no next open to exit at
        "entry signal on the last candle": up + 1,  # never filled
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=Path, default=REAL_CANDLES)
    parser.add_argument("--bars", type=int, default=None, help="prefix (or extended series) length")
    parser.add_argument("--tolerance", type=float, default=1e-6, help="USDT, for pnl and fees")
    args = parser.parse_args(argv)

    real = load_candles(args.candles)
    candles = real if args.bars is None else synthetic_series(real, args.bars)
    print(f"peer_agreement: SMA(10/30) cross on {len(candles):,} candles from {args.candles.name}")
    peer = backtesting_py_sma.run(candles)
    problems: list[str] = []
    if args.bars is None and args.candles == REAL_CANDLES:
        problems += check_fixture(peer, FIXTURE)

    engine, reason = xor_engine.load()
    if engine is None:
        print(f"  {reason}: backtesting.py has {len(peer):,} trades; nothing to compare with")
        for p in problems:
            print(p)
        print(f"SUMMARY peer_agreement: SKIP ({reason})")
        return 2

    cases: list[tuple[str, Candles]] = [("full series", candles)]
    cases += [(name, candles.slice(0, n)) for name, n in end_of_data_cuts(candles).items()]
    for case, data in cases:
        end_ms = int(data.ts_ms[-1]) + TIMEFRAME_MS
        bt = peer if data is candles else backtesting_py_sma.run(data)
        frame = engine.frame(data)
        for path in ("fast", "event"):
            trades = list(engine.run(frame, path).trades)
            problems += compare(f"{case}, {path} path", bt, trades, end_ms, args.tolerance)
        if problems:
            break

    for p in problems:
        print(p)
    if problems:
        print("SUMMARY peer_agreement: FAIL")
        return 1
    print(
        f"SUMMARY peer_agreement: PASS {len(peer)} trades equal to backtesting.py's on the fast "
        f"and event paths (+{len(cases) - 1} end-of-data cases)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
