"""Factories for tests and examples: instruments and candle frames from plain numbers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from xor_trading.core.ids import Symbol
from xor_trading.domain.candles import Candle
from xor_trading.domain.instruments import Instrument
from xor_trading.timeseries.candle_frame import CandleFrame

MINUTE_MS = 60_000
T0_MS = 1_700_000_000_000 - 1_700_000_000_000 % MINUTE_MS  # 2023-11-14T22:13:00Z


def make_instrument(
    symbol: str = "TST/USDT",
    tick_size: str = "0.01",
    lot_size: str = "0.001",
    min_notional: str = "1",
    exchange: str = "simulated",
) -> Instrument:
    base, quote = symbol.split("/")
    return Instrument(
        exchange=exchange,
        symbol=Symbol(symbol),
        base=base,
        quote=quote,
        tick_size=Decimal(tick_size),
        lot_size=Decimal(lot_size),
        min_qty=Decimal(lot_size),
        min_notional=Decimal(min_notional),
        max_qty=Decimal(1_000_000),
    )


def make_candle(o: float, h: float, low: float, c: float, v: float = 1_000.0, i: int = 0) -> Candle:
    """Candle number ``i`` of a 1-minute series starting at :data:`T0_MS`."""
    return Candle(T0_MS + i * MINUTE_MS, o, h, low, c, v, MINUTE_MS)


def frame_from_rows(rows: Sequence[tuple[float, float, float, float, float]]) -> CandleFrame:
    """1-minute candles from ``(open, high, low, close, volume)`` rows."""
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 5)
    ts = T0_MS + np.arange(len(arr), dtype=np.int64) * MINUTE_MS
    return CandleFrame(
        ts,
        arr[:, 0].copy(),
        arr[:, 1].copy(),
        arr[:, 2].copy(),
        arr[:, 3].copy(),
        arr[:, 4].copy(),
        MINUTE_MS,
    )


def frame_from_closes(closes: Sequence[float], wick: float = 0.5) -> CandleFrame:
    """Each candle opens at the previous close (the first at its own close) with symmetric wicks."""
    rows = []
    prev = closes[0]
    for c in closes:
        rows.append((prev, max(prev, c) + wick, min(prev, c) - wick, c, 1_000.0))
        prev = c
    return frame_from_rows(rows)
