"""What the peer runs share: the candle data, the SMA-cross signals and the sizing convention.

Everything here is plain numpy/pyarrow plus the product's own SMA
(``xor_trading.indicators.moving_average.sma``), so that every engine (backtesting.py,
vectorbt, the product's fast and event paths) sees bit-identical indicator values and the
same crossover bars. See docs/adr/0004-peer-comparison.md.

Conventions (the product's, reproduced by the peers):

* crossover exactly as ``backtesting.lib.crossover``: fast crosses above slow at bar ``i`` when
  ``fast[i-1] < slow[i-1] and fast[i] > slow[i]`` (a NaN compares False);
* long only: enter when flat on a cross above, close on a cross below; fills at the next bar's
  open;
* quantity in lots of 0.00001 BTC: ``lots = floor(1000 / close_of_signal_bar / 0.00001)``,
  an exact decimal floor, computed here in integers as ``10**10 // close_in_cents``;
* commission 0.1 % of fill value on both sides, no slippage;
* a trade still open at the end of data is closed at the last candle's close, at the last
  candle's close time (open time + timeframe).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from xor_trading.indicators.moving_average import sma

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("XOR_SHARED_DIR", ROOT.parent / "shared"))
REAL_CANDLES = SHARED / "data" / "candles" / "binance_BTC-USDT_1m.parquet"
FIXTURE = ROOT / "tests" / "fixtures" / "peers" / "backtesting_py_sma_cross_10_30_btc_usdt_1m.csv"

FAST = 10
SLOW = 30
TIMEFRAME_MS = 60_000
TICK = 0.01  # BTC/USDT tick size (price grid), USDT
LOT = 0.00001  # BTC/USDT lot size, BTC
STAKE_LOT_NUMERATOR = 10**10  # 1000 USDT / (cents / 100) / 0.00001 == 10**10 / cents
COMMISSION = 0.001  # 10 bps on fill value, both sides
CASH = 10_000.0
PRICE_VOLUME = ("open", "high", "low", "close", "volume")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Candles:
    """OHLCV columns as numpy arrays; ``ts_ms`` is each candle's open time (UTC epoch ms)."""

    ts_ms: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.ts_ms)

    def slice(self, start: int, stop: int) -> Candles:
        return Candles(
            self.ts_ms[start:stop], self.open[start:stop], self.high[start:stop],
            self.low[start:stop], self.close[start:stop], self.volume[start:stop],
        )  # fmt: skip


def load_candles(path: Path = REAL_CANDLES) -> Candles:
    table = pq.read_table(path, columns=["timestamp", "open", "high", "low", "close", "volume"])
    col = {name: table.column(name).to_numpy() for name in table.column_names}
    return Candles(
        np.ascontiguousarray(col["timestamp"], dtype=np.int64),
        *(np.ascontiguousarray(col[c], dtype=np.float64) for c in PRICE_VOLUME),
    )  # fmt: skip


def write_candles(candles: Candles, path: Path) -> None:
    """Write candles in the layout of shared/data/candles (timestamp + OHLCV columns)."""
    table = pa.table(
        {
            "timestamp": candles.ts_ms, "open": candles.open, "high": candles.high,
            "low": candles.low, "close": candles.close, "volume": candles.volume,
        }
    )  # fmt: skip
    pq.write_table(table, path)


def synthetic_series(real: Candles, bars: int) -> Candles:
    """``bars`` candles built from copies of ``real``, kept continuous.

    Each copy after the first is rescaled by ``previous copy's last close / real first open``
    (so its first open equals the previous copy's last close), its prices rounded to the
    0.01 tick, and its timestamps continued at the same 60,000 ms steps. Volumes are copied.
    The first copy is the real series itself, bit for bit.
    """
    if bars <= len(real):
        return real.slice(0, bars)
    parts: list[Candles] = [real]
    have = len(real)
    last_close = float(real.close[-1])
    last_ts = int(real.ts_ms[-1])
    rel_ts = real.ts_ms - real.ts_ms[0]
    first_open = float(real.open[0])
    while have < bars:
        take = min(len(real), bars - have)
        factor = last_close / first_open

        def scale(x: FloatArray, f: float = factor, n: int = take) -> FloatArray:
            return np.rint(x[:n] * f / TICK) / 100.0  # whole ticks, then back to USDT

        part = Candles(
            rel_ts[:take] + last_ts + TIMEFRAME_MS,
            scale(real.open), scale(real.high), scale(real.low), scale(real.close),
            real.volume[:take].copy(),
        )  # fmt: skip
        parts.append(part)
        have += take
        last_close = float(part.close[-1])
        last_ts = int(part.ts_ms[-1])
    return Candles(
        *(np.concatenate([getattr(p, c) for p in parts]) for c in ("ts_ms", *PRICE_VOLUME))
    )  # fmt: skip


def indicators(close: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The product's SMA (TA-Lib op order) for the fast and slow periods."""
    return sma(close, FAST), sma(close, SLOW)


def crossings(fast: FloatArray, slow: FloatArray) -> tuple[BoolArray, BoolArray]:
    """(cross_above, cross_below) per bar, exactly ``backtesting.lib.crossover`` (NaN is False)."""
    above = np.zeros(len(fast), dtype=np.bool_)
    below = np.zeros(len(fast), dtype=np.bool_)
    with np.errstate(invalid="ignore"):
        above[1:] = (fast[:-1] < slow[:-1]) & (fast[1:] > slow[1:])
        below[1:] = (slow[:-1] < fast[:-1]) & (slow[1:] > fast[1:])
    return above, below


def price_ticks(prices: FloatArray) -> IntArray:
    """Whole ticks (cents) of prices on the 0.01 grid; same op as xor_trading's price grid."""
    return np.rint(prices / TICK).astype(np.int64)


def lots_for_close_cents(close_cents: int | IntArray) -> int | IntArray:
    """``floor(1000 / close / 0.00001)`` exactly, with ``close = close_cents / 100``."""
    return STAKE_LOT_NUMERATOR // close_cents


def ticks_to_str(ticks: int, decimals: int) -> str:
    """Decimal string of ``ticks * 10**-decimals`` built from the integer (no float artefact)."""
    sign = "-" if ticks < 0 else ""
    digits = str(abs(ticks)).rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


def iso_utc(ms: int) -> str:
    """ISO 8601 UTC with a Z suffix, millisecond precision dropped when zero."""
    secs, rem = divmod(int(ms), 1000)
    base = np.datetime64(secs, "s").astype(str)
    return f"{base}.{rem:03d}Z" if rem else f"{base}Z"


@dataclass(frozen=True, slots=True)
class RefTrade:
    entry_time_ms: int
    exit_time_ms: int
    entry_ticks: int
    exit_ticks: int
    lots: int


def reference_trades(candles: Candles) -> list[RefTrade]:
    """A plain-Python statement of the convention above (an oracle for the peers' trade lists)."""
    fast, slow = indicators(candles.close)
    above, below = crossings(fast, slow)
    open_t, close_t = price_ticks(candles.open).tolist(), price_ticks(candles.close).tolist()
    ts = candles.ts_ms.tolist()
    n = len(ts)
    trades: list[RefTrade] = []
    entry: tuple[int, int, int] | None = None  # (bar, ticks, lots)
    for i in np.flatnonzero(above | below).tolist():
        if i + 1 >= n:
            break  # no next open to fill at
        if above[i] and entry is None:
            entry = (i + 1, open_t[i + 1], int(lots_for_close_cents(close_t[i])))
        elif below[i] and entry is not None:
            trades.append(RefTrade(ts[entry[0]], ts[i + 1], entry[1], open_t[i + 1], entry[2]))
            entry = None
    if entry is not None:  # end of data: last close, at the last candle's close time
        trades.append(
            RefTrade(ts[entry[0]], ts[-1] + TIMEFRAME_MS, entry[1], close_t[-1], entry[2])
        )
    return trades
