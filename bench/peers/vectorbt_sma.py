"""SMA(10/30) cross, long only, on vectorbt (peer) -- used by bench/backtest_speed.py.

Run inside .venv-bench:

    .venv-bench/bin/python bench/peers/vectorbt_sma.py [--candles PATH]

prints vectorbt's trade count next to backtesting.py's (and compares the two trade lists).

Mapping of the product's conventions onto ``vbt.Portfolio.from_signals``:

* signals: the product's SMA and ``backtesting.lib.crossover``'s definition (bench/peers/
  common.py); vectorbt fills a signal at the price of the bar it sits on, so entries/exits are
  shifted one bar later and ``price=open``: a cross on bar ``i`` fills at ``open[i + 1]``.
  A cross on the last bar has no next bar and is dropped (as in the product).
* ``size`` in BTC (``size_type="amount"``), per bar: ``lots(close of the signal bar) * 1e-5``;
  ``accumulate=False`` so an entry while long (and an exit while flat) is ignored.
* ``fees=0.001`` on each fill's value, ``init_cash=10000``, no slippage; ``allow_partial=False``
  so that an entry the cash cannot pay for in full is skipped (vectorbt's default buys what
  the cash allows instead, which adds trades once a 10,000 USDT account has paid ~9,000 USDT
  of fees -- after ~4,500 trades, i.e. only on series much longer than the real file).
* End of data: vectorbt leaves the position open; its trade record has status Open, exit at
  the last bar's index valued at the last close, and no exit fee. The trade COUNT includes it,
  so counts agree with backtesting.py; the exit time is converted to the last close time
  (open time + 60 s) when trade lists are compared.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

from peers.common import (
    CASH,
    COMMISSION,
    LOT,
    REAL_CANDLES,
    TIMEFRAME_MS,
    Candles,
    FloatArray,
    RefTrade,
    crossings,
    indicators,
    load_candles,
    lots_for_close_cents,
    price_ticks,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import vectorbt as vbt


def portfolio(
    open: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    init_cash: float = CASH,
) -> vbt.Portfolio:
    """The simulated portfolio (``high``, ``low``, ``volume`` are not needed by the strategy)."""
    del high, low, volume
    fast, slow = indicators(close)
    above, below = crossings(fast, slow)
    n = len(close)
    entries = np.zeros(n, dtype=np.bool_)
    exits = np.zeros(n, dtype=np.bool_)
    entries[1:] = above[:-1]
    exits[1:] = below[:-1]
    size = np.zeros(n, dtype=np.float64)
    size[1:] = lots_for_close_cents(price_ticks(close[:-1])) * LOT
    return vbt.Portfolio.from_signals(
        close,
        entries,
        exits,
        size=size,
        size_type="amount",
        price=open,
        fees=COMMISSION,
        init_cash=init_cash,
        accumulate=False,
        allow_partial=False,  # all or nothing when cash runs short, like backtesting.py and XOR
        direction="longonly",
        freq="1min",
    )


def run(
    open: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    init_cash: float = CASH,
) -> int:
    """Indicators, signals, simulation and the trade list; returns the number of trades."""
    records = portfolio(open, high, low, close, volume, init_cash).trades.values
    return len(records)


def trades(candles: Candles) -> list[RefTrade]:
    """vectorbt's trade list in the product's terms (exact integers; end-of-data converted)."""
    pf = portfolio(candles.open, candles.high, candles.low, candles.close, candles.volume)
    rec = pf.trades.values
    n = len(candles)
    out: list[RefTrade] = []
    for r in rec:
        entry_idx, exit_idx = int(r["entry_idx"]), int(r["exit_idx"])
        is_open = int(r["status"]) == 0  # TradeStatus.Open
        exit_ms = int(candles.ts_ms[exit_idx]) + (TIMEFRAME_MS if is_open else 0)
        assert not is_open or exit_idx == n - 1
        out.append(
            RefTrade(
                int(candles.ts_ms[entry_idx]),
                exit_ms,
                int(price_ticks(np.array([r["entry_price"]]))[0]),
                int(price_ticks(np.array([r["exit_price"]]))[0]),
                round(float(r["size"]) / LOT),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    from peers import backtesting_py_sma

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=Path, default=REAL_CANDLES)
    args = parser.parse_args(argv)
    candles = load_candles(args.candles)
    vb = trades(candles)
    bt = backtesting_py_sma.run(candles)

    def key(t: RefTrade | backtesting_py_sma.PeerTrade) -> tuple[int, ...]:
        return (t.entry_time_ms, t.exit_time_ms, t.entry_ticks, t.exit_ticks, t.lots)

    print(f"vectorbt {vbt.__version__}: {len(vb)} trades; backtesting.py: {len(bt)} trades")
    for k, (a, b) in enumerate(zip(vb, bt, strict=False)):
        if key(a) != key(b):
            print(f"first difference at trade {k}: vectorbt {a} vs backtesting.py {b}")
            return 1
    if len(vb) != len(bt):
        print("trade counts differ")
        return 1
    print("trade lists agree (times, prices, quantities)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
