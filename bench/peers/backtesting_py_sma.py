"""SMA(10/30) cross, long only, on backtesting.py (peer) -- writes the peer trade-list fixture.

Run inside .venv-bench (the peers are not product dependencies):

    .venv-bench/bin/python bench/peers/backtesting_py_sma.py [--candles PATH] [--out CSV]

It writes tests/fixtures/peers/backtesting_py_sma_cross_10_30_btc_usdt_1m.csv and prints the
number of trades. How the product's conventions map onto backtesting.py 0.6.x:

* Sizing: ``FractionalBacktest(fractional_unit=1e-5)`` makes one backtesting.py unit equal one
  BTC/USDT lot (0.00001 BTC); the strategy buys ``size=int(lots)`` with
  ``lots = 10**10 // close_cents`` of the SIGNAL bar (= floor(1000 / close / 0.00001)).
  FractionalBacktest multiplies the OHLC it hands to the strategy by 1e-5, so the SMA is
  computed on the ORIGINAL (unscaled) closes with the product's ``sma`` inside ``self.I`` --
  both engines then see identical indicator bits.
* Fills: ``trade_on_close=False`` (default): market orders fill at the next bar's open.
* Commission: ``commission=0.001`` is charged on entry and again on exit, each on that fill's
  value; the trade's ``PnL`` is net of both and ``Commission`` is their sum (only known
  once the trade is closed).
* End of data: ``finalize_trades=True`` would close a still-open trade by re-running the
  broker on the LAST bar, i.e. at the last bar's OPEN price and with ``ExitTime`` = the last
  bar's OPEN time. The product closes it at the last candle's CLOSE, at its close time
  (open + 60 s). To have backtesting.py itself compute that trade (price, commission, PnL)
  the data gets one extra flat bar after the last candle (timestamp = last close time,
  O=H=L=C = last close, volume 0); on the last real bar the strategy closes any open
  position (which therefore fills at the last close, at the last close time) and opens no
  new one (a signal on the last real bar has no next open to fill at, like in the product).
  ``finalize_trades=True`` is kept on as a safety net; it has nothing left to close.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault(
    "TQDM_DISABLE", "1"
)  # backtesting.py's progress bar: noise, and it costs time

from backtesting import Strategy
from backtesting.lib import FractionalBacktest, crossover

from peers.common import (
    CASH,
    COMMISSION,
    FAST,
    FIXTURE,
    LOT,
    REAL_CANDLES,
    SLOW,
    TIMEFRAME_MS,
    Candles,
    iso_utc,
    load_candles,
    lots_for_close_cents,
    price_ticks,
    ticks_to_str,
)
from xor_trading.indicators.moving_average import sma

FIXTURE_COLUMNS = (
    "entry_time", "exit_time", "entry_price", "exit_price", "quantity", "pnl", "commission",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PeerTrade:
    """One round trip as the peer reports it, prices/quantity as exact integers."""

    entry_time_ms: int  # fill time = open time of the fill bar
    exit_time_ms: int  # fill time; end of data: the last candle's close time
    entry_ticks: int  # entry price in 0.01 USDT
    exit_ticks: int
    lots: int  # quantity in 0.00001 BTC
    pnl: float  # backtesting.py's net PnL (after both commissions)
    commission: float  # backtesting.py's entry + exit commission

    def csv_row(self) -> list[str]:
        return [
            iso_utc(self.entry_time_ms), iso_utc(self.exit_time_ms),
            ticks_to_str(self.entry_ticks, 2), ticks_to_str(self.exit_ticks, 2),
            ticks_to_str(self.lots, 5), repr(self.pnl), repr(self.commission),
        ]  # fmt: skip


def to_frame(candles: Candles) -> pd.DataFrame:
    """backtesting.py input: OHLCV + one flat bar at the last candle's close time."""
    last_close = float(candles.close[-1])
    ts = np.append(candles.ts_ms, candles.ts_ms[-1] + TIMEFRAME_MS)
    index = pd.DatetimeIndex(pd.to_datetime(ts, unit="ms", utc=True), name="time")
    return pd.DataFrame(
        {
            "Open": np.append(candles.open, last_close),
            "High": np.append(candles.high, last_close),
            "Low": np.append(candles.low, last_close),
            "Close": np.append(candles.close, last_close),
            "Volume": np.append(candles.volume, 0.0),
        },
        index=index,
    )


def make_strategy(close: np.ndarray) -> type[Strategy]:
    """The SMA-cross strategy over ``close`` (UNSCALED closes, incl. the extra flat bar)."""
    close = np.ascontiguousarray(close, dtype=np.float64)
    last_real = len(close) - 2  # index of the last real candle
    lots_by_bar = lots_for_close_cents(price_ticks(close))

    class SmaCross(Strategy):  # type: ignore[misc]
        def init(self) -> None:
            # The product's SMA on unscaled closes (FractionalBacktest scales self.data).
            self.fast = self.I(sma, close, FAST, name=f"SMA{FAST}", overlay=False)
            self.slow = self.I(sma, close, SLOW, name=f"SMA{SLOW}", overlay=False)

        def next(self) -> None:
            i = len(self.data) - 1
            if i >= last_real:
                # Last real bar: close what is open (fills at the extra bar's open = last
                # close, at the last close time); open nothing (no next open to fill at).
                if i == last_real and self.position:
                    self.position.close()
                return
            if crossover(self.fast, self.slow):
                if not self.position:
                    self.buy(size=int(lots_by_bar[i]))
            elif crossover(self.slow, self.fast) and self.position:
                self.position.close()

    return SmaCross


def run_stats(candles: Candles, frame: pd.DataFrame | None = None, cash: float = CASH) -> Any:
    """Run backtesting.py; return its stats Series (``stats['_trades']`` is the trade list)."""
    frame = to_frame(candles) if frame is None else frame
    strategy = make_strategy(frame["Close"].to_numpy())
    bt = FractionalBacktest(
        frame,
        strategy,
        fractional_unit=LOT,
        cash=cash,
        commission=COMMISSION,
        margin=1.0,
        trade_on_close=False,
        hedging=False,
        exclusive_orders=False,
        finalize_trades=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bt.run()


def trades_from_stats(stats: Any) -> list[PeerTrade]:
    """backtesting.py's ``_trades`` as exact-integer trades; checks prices/sizes are on grid."""
    df = stats["_trades"]
    entry_ms = pd.DatetimeIndex(df["EntryTime"]).as_unit("ms").asi8
    exit_ms = pd.DatetimeIndex(df["ExitTime"]).as_unit("ms").asi8
    entry_p = df["EntryPrice"].to_numpy(dtype=np.float64)
    exit_p = df["ExitPrice"].to_numpy(dtype=np.float64)
    size = df["Size"].to_numpy(dtype=np.float64)  # BTC (FractionalBacktest rescaled it)
    entry_t, exit_t = price_ticks(entry_p), price_ticks(exit_p)
    lots = np.rint(size / LOT).astype(np.int64)
    for name, value, whole in (
        ("EntryPrice", entry_p / 0.01, entry_t), ("ExitPrice", exit_p / 0.01, exit_t),
        ("Size", size / LOT, lots),
    ):  # fmt: skip
        off = np.abs(value - whole)
        if len(off) and off.max() > 1e-6:
            raise AssertionError(f"{name} off its grid by {off.max()} units")
    return [
        PeerTrade(int(a), int(b), int(c), int(d), int(e), float(f), float(g))
        for a, b, c, d, e, f, g in zip(
            entry_ms.tolist(),
            exit_ms.tolist(),
            entry_t.tolist(),
            exit_t.tolist(),
            lots.tolist(),
            df["PnL"].tolist(),
            df["Commission"].tolist(),
            strict=True,
        )
    ]


def run(candles: Candles, frame: pd.DataFrame | None = None, cash: float = CASH) -> list[PeerTrade]:
    """The whole peer run: indicators, signals, simulation and the trade list."""
    return trades_from_stats(run_stats(candles, frame, cash))


def check_against_inputs(candles: Candles, trades: list[PeerTrade]) -> None:
    """Each fill is at a bar open (or the last close) and sized from the signal bar's close."""

    def index_of(ms: int) -> int:
        return (ms - int(candles.ts_ms[0])) // TIMEFRAME_MS

    open_t, close_t = price_ticks(candles.open), price_ticks(candles.close)
    end_ms = int(candles.ts_ms[-1]) + TIMEFRAME_MS
    for k, t in enumerate(trades):
        e = index_of(t.entry_time_ms)
        assert open_t[e] == t.entry_ticks, (k, t)
        assert lots_for_close_cents(int(close_t[e - 1])) == t.lots, (k, t)
        if t.exit_time_ms == end_ms:
            assert close_t[-1] == t.exit_ticks, (k, t)
        else:
            assert open_t[index_of(t.exit_time_ms)] == t.exit_ticks, (k, t)


def write_fixture(trades: list[PeerTrade], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FIXTURE_COLUMNS)
        for t in trades:
            writer.writerow(t.csv_row())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=Path, default=REAL_CANDLES)
    parser.add_argument("--out", type=Path, default=FIXTURE)
    args = parser.parse_args(argv)
    candles = load_candles(args.candles)
    trades = run(candles)
    check_against_inputs(candles, trades)
    write_fixture(trades, args.out)
    end_of_data = sum(t.exit_time_ms == int(candles.ts_ms[-1]) + TIMEFRAME_MS for t in trades)
    print(
        f"backtesting.py SMA({FAST}/{SLOW}) cross on {len(candles)} candles: {len(trades)} trades "
        f"({end_of_data} closed at end of data) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
