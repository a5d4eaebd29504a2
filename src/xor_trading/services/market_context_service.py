"""Market context of every stored market: the use case behind ``xor market context``.

For each market in the candle store (one exchange or all), read the requested timeframe
(resampled from a lower stored one if it is not stored itself), run
:func:`~xor_trading.indicators.market_context.market_context` over the whole series and
report the last candle's score and pattern and the last candle whose score crossed the
threshold. A market that cannot be scored (too little history for the warm-up, no
timeframe to build the requested one from, an unreadable file) gets a row that says why
instead of failing the whole listing.

Bad requests fail before anything is read: an unknown timeframe, a lookback below
:data:`~xor_trading.indicators.market_context.MIN_LOOKBACK` or a threshold outside 0-100
raise ``ConfigError``; an empty store, or no market for the requested exchange, raise
``DataError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xor_trading.core.errors import ConfigError, DataError, UnknownSymbolError
from xor_trading.core.ids import Symbol
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.market_naming import normalize_exchange
from xor_trading.data.timestamps import iso_utc
from xor_trading.indicators.market_context import (
    DEFAULT_ATR_PERIOD,
    DEFAULT_LOOKBACK,
    DEFAULT_THRESHOLD,
    MIN_LOOKBACK,
    PATTERNS,
    context_signals,
    market_context,
    warmup_candles,
)


@dataclass(frozen=True, slots=True)
class MarketContextRow:
    """One market's context on the requested timeframe.

    Times are candle **open** times in UTC epoch ms. ``candles`` is how many candles were
    read (after resampling) and scored. ``score`` (0-100), ``pattern`` (a name from
    :data:`~xor_trading.indicators.market_context.PATTERNS`) and ``direction`` (+1, -1 or 0)
    describe the last candle; ``last_signal_ms`` is the last candle whose score crossed
    the threshold upward (None if it never did). When the market could not be scored,
    those are None and ``skipped`` says why.
    """

    exchange: str
    symbol: Symbol
    timeframe: str
    candles: int
    last_ms: int | None
    score: float | None
    pattern: str | None
    direction: int | None
    last_signal_ms: int | None
    resampled_from: str | None
    skipped: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the fields, plus ISO 8601 UTC text for each time (None stays None)."""
        return {
            "exchange": self.exchange,
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "candles": self.candles,
            "last_candle": _iso(self.last_ms),
            "last_candle_ms": self.last_ms,
            "score": self.score,
            "pattern": self.pattern,
            "direction": self.direction,
            "last_signal": _iso(self.last_signal_ms),
            "last_signal_ms": self.last_signal_ms,
            "resampled_from": self.resampled_from,
            "skipped": self.skipped,
        }


@dataclass(frozen=True, slots=True)
class MarketContextReport:
    """The rows of one listing and the parameters they were computed with.

    ``rows`` are sorted by score, highest first (ties by exchange and symbol), then the
    skipped markets by exchange and symbol. ``warmup`` is the number of candles a market
    needs to be scored.
    """

    timeframe: str
    lookback: int
    threshold: float
    warmup: int
    rows: list[MarketContextRow]

    def to_dict(self) -> dict[str, object]:
        return {
            "timeframe": self.timeframe,
            "lookback": self.lookback,
            "threshold": self.threshold,
            "warmup": self.warmup,
            "rows": [row.to_dict() for row in self.rows],
        }


def market_context_report(
    store: ParquetCandleStore,
    timeframe: str,
    *,
    exchange: str | None = None,
    lookback: int = DEFAULT_LOOKBACK,
    threshold: float = DEFAULT_THRESHOLD,
) -> MarketContextReport:
    """Score every stored market of ``exchange`` (all exchanges if None) on ``timeframe``.

    See the module docstring for what is skipped and what raises.
    """
    tf = Timeframe.parse(timeframe)
    if lookback < MIN_LOOKBACK:
        raise ConfigError(
            f"lookback {lookback} is too short",
            f"use at least {MIN_LOOKBACK} candles; the default is {DEFAULT_LOOKBACK}",
        )
    if not (math.isfinite(threshold) and 0.0 <= threshold <= 100.0):
        raise ConfigError(
            f"threshold {threshold} is outside the score range",
            f"use a number from 0 to 100; the default is {DEFAULT_THRESHOLD:g}",
        )
    venue = None if exchange is None else normalize_exchange(exchange)
    markets = _markets(store, venue)
    warmup = warmup_candles(lookback, DEFAULT_ATR_PERIOD)
    rows = [_row(store, ex, sym, tf, lookback, threshold, warmup) for ex, sym in markets]
    scored = sorted(
        (row for row in rows if row.score is not None),
        key=lambda row: (-(row.score or 0.0), row.exchange, row.symbol),
    )
    skipped = [row for row in rows if row.score is None]
    return MarketContextReport(tf.text, lookback, threshold, warmup, scored + skipped)


def _markets(store: ParquetCandleStore, exchange: str | None) -> list[tuple[str, Symbol]]:
    """Distinct ``(exchange, symbol)`` pairs stored, sorted; raises ``DataError`` if none."""
    stored = sorted({(series.exchange, series.symbol) for series in store.list()})
    if not stored:
        raise DataError(
            f"no candles are stored in {store.root}",
            "run `xor data seed` for the samples or `xor data import FILE`",
        )
    if exchange is None:
        return stored
    chosen = [market for market in stored if market[0] == exchange]
    if not chosen:
        exchanges = ", ".join(sorted({ex for ex, _ in stored}))
        raise DataError(
            f"no candles are stored for exchange {exchange}",
            f"stored exchanges: {exchanges}; `xor data list` shows the store",
        )
    return chosen


def _row(
    store: ParquetCandleStore,
    exchange: str,
    symbol: Symbol,
    timeframe: Timeframe,
    lookback: int,
    threshold: float,
    warmup: int,
) -> MarketContextRow:
    def skipped(reason: str, candles: int = 0, last_ms: int | None = None) -> MarketContextRow:
        return MarketContextRow(
            exchange, symbol, timeframe.text, candles, last_ms, None, None, None, None, None, reason
        )

    try:
        loaded = store.read(exchange, symbol, timeframe)
    except UnknownSymbolError:
        return skipped(f"no {timeframe} candles, and no lower stored timeframe builds {timeframe}")
    except DataError as exc:  # an invalid file: report it, keep listing the others
        return skipped(exc.message)
    frame = loaded.frame
    size = len(frame)
    last_ms = None if size == 0 else int(frame.ts_ms[-1])
    if size < warmup:
        return skipped(f"{size} candles, needs {warmup} for lookback {lookback}", size, last_ms)
    context = market_context(frame.high, frame.low, frame.close, frame.volume, lookback)
    crossings = np.flatnonzero(context_signals(context.score, threshold))
    return MarketContextRow(
        exchange=exchange,
        symbol=symbol,
        timeframe=timeframe.text,
        candles=size,
        last_ms=last_ms,
        score=float(context.score[-1]),
        pattern=PATTERNS[int(context.pattern[-1])],
        direction=int(context.direction[-1]),
        last_signal_ms=int(frame.ts_ms[crossings[-1]]) if crossings.size else None,
        resampled_from=None if loaded.resampled_from is None else loaded.resampled_from.text,
    )


def _iso(ts_ms: int | None) -> str | None:
    return None if ts_ms is None else iso_utc(ts_ms)
