"""ParquetCandleStore: candles on disk, one Parquet file per market and timeframe.

Layout under ``root`` (by default ``$XOR_DATA_DIR/candles``)::

    <exchange>/<BASE>-<QUOTE>/<timeframe>.parquet     e.g. binance/BTC-USDT/1m.parquet

Each file is in the format of :mod:`xor_trading.data.parquet_file` (``timestamp`` int64
open time in UTC ms, then float64 ``open, high, low, close, volume``; zstd). Every
write is validated first and atomic; every read is validated. A timeframe that is not
stored is built on read by resampling the highest stored timeframe that divides it
(see :mod:`xor_trading.data.resample`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xor_trading.core.errors import ConfigError, UnknownSymbolError
from xor_trading.core.ids import Symbol
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_grid import floor_to_grid, nests_into, timeframe_of_ms
from xor_trading.data.gaps import Gap, GapPolicy, apply_gap_policy, count_gaps
from xor_trading.data.importers import load_external
from xor_trading.data.market_naming import (
    normalize_exchange,
    normalize_symbol,
    symbol_dirname,
    symbol_from_dirname,
    timeframe_from_name,
)
from xor_trading.data.parquet_file import (
    read_candle_parquet,
    read_timestamps,
    write_candle_parquet,
)
from xor_trading.data.resample import resample
from xor_trading.data.validation import validate_frame
from xor_trading.timeseries.candle_frame import CandleFrame, IntArray


@dataclass(frozen=True, slots=True)
class StoredSeries:
    """Summary of one stored file. Times are candle open times in UTC ms (None if empty)."""

    exchange: str
    symbol: Symbol
    timeframe: Timeframe
    rows: int
    first_ms: int | None
    last_ms: int | None
    gap_count: int
    missing_bars: int
    file_bytes: int
    path: Path


@dataclass(frozen=True, slots=True)
class LoadedCandles:
    """Candles read from the store, after the gap policy.

    ``gaps`` are the gaps found before the policy was applied (so after
    ``FILL_FORWARD`` they say which candles were invented). ``resampled_from`` is the
    stored timeframe the candles were built from, or None if ``timeframe`` is stored.
    """

    exchange: str
    symbol: Symbol
    timeframe: Timeframe
    frame: CandleFrame
    gaps: tuple[Gap, ...]
    resampled_from: Timeframe | None
    path: Path


class ParquetCandleStore:
    """Candle files under ``root``; see the module docstring for layout and guarantees.

    ``exchange``, ``symbol`` and ``timeframe`` arguments are normalized: ``"Binance"``,
    ``"btc-usdt"`` and ``"60m"`` mean ``binance``, ``BTC/USDT`` and ``1h``.
    """

    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    def path_for(self, exchange: str, symbol: str, timeframe: Timeframe | str) -> Path:
        """Where the file for this market and timeframe lives (whether or not it exists)."""
        ex, sym, tf = _market(exchange, symbol, timeframe)
        return self._root / ex / symbol_dirname(sym) / f"{tf}.parquet"

    def has(self, exchange: str, symbol: str, timeframe: Timeframe | str) -> bool:
        """True if this exact timeframe is stored (resampling not considered)."""
        return self.path_for(exchange, symbol, timeframe).is_file()

    def write(
        self,
        exchange: str,
        symbol: str,
        timeframe: Timeframe | str,
        frame: CandleFrame,
        *,
        merge: bool = True,
    ) -> StoredSeries:
        """Validate ``frame`` and store it; return the summary of the file as now stored.

        With ``merge`` (the default) existing candles are kept and the new ones added;
        on an identical open time the new candle wins. Without it the file is replaced.
        Raises ``ConfigError`` if ``frame.timeframe_ms`` is not ``timeframe``, and
        ``DataError`` if the frame or the existing file is invalid. Nothing is written
        on error.
        """
        ex, sym, tf = _market(exchange, symbol, timeframe)
        if frame.timeframe_ms != tf.ms:
            raise ConfigError(
                f"cannot store {timeframe_of_ms(frame.timeframe_ms)} candles as {tf}",
                f"resample them to {tf} first, or store them under their own timeframe",
            )
        validate_frame(frame, f"{ex} {sym} {tf} (new candles)")
        path = self.path_for(ex, sym, tf)
        if merge and path.is_file():
            frame = _merge(read_candle_parquet(path, tf.ms), frame)
        write_candle_parquet(path, frame)
        return _summary(ex, sym, tf, path, frame.ts_ms)

    def read(
        self,
        exchange: str,
        symbol: str,
        timeframe: Timeframe | str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        gap_policy: GapPolicy = GapPolicy.KEEP,
    ) -> LoadedCandles:
        """Candles with ``start_ms <= open time < end_ms`` (UTC ms; either bound optional).

        If ``timeframe`` is not stored but a lower stored timeframe nests into it, the
        candles are resampled from the highest such one. Raises ``UnknownSymbolError``
        (listing what is stored for the exchange) if neither exists, ``DataError`` if the
        file is invalid or the gap policy is ``RAISE`` and there are gaps.
        """
        ex, sym, tf = _market(exchange, symbol, timeframe)
        path = self.path_for(ex, sym, tf)
        resampled_from: Timeframe | None = None
        if path.is_file():
            frame = read_candle_parquet(path, tf.ms).between(start_ms, end_ms)
        else:
            resampled_from = self._resample_source(ex, sym, tf)
            if resampled_from is None:
                raise self._not_stored(ex, sym, tf)
            path = self.path_for(ex, sym, resampled_from)
            source = read_candle_parquet(path, resampled_from.ms)
            # Resample one target candle more on each side than the range needs, so the
            # candles at its edges follow the interior rules (see resample), then cut.
            lo = None if start_ms is None else floor_to_grid(start_ms, tf.ms) - tf.ms
            hi = None if end_ms is None else floor_to_grid(end_ms - 1, tf.ms) + 2 * tf.ms
            frame = resample(source.between(lo, hi), tf).between(start_ms, end_ms)
        frame, gaps = apply_gap_policy(frame, gap_policy, source=f"{ex} {sym} {tf}")
        return LoadedCandles(ex, sym, tf, frame, tuple(gaps), resampled_from, path)

    def describe(self, exchange: str, symbol: str, timeframe: Timeframe | str) -> StoredSeries:
        """Summary of one stored file; ``UnknownSymbolError`` if it is not stored."""
        ex, sym, tf = _market(exchange, symbol, timeframe)
        path = self.path_for(ex, sym, tf)
        if not path.is_file():
            raise self._not_stored(ex, sym, tf)
        return _summary(ex, sym, tf, path, read_timestamps(path))

    def list(self) -> builtins.list[StoredSeries]:
        """Every stored file, sorted by exchange, symbol and timeframe duration."""
        return [
            _summary(ex, sym, tf, path, read_timestamps(path))
            for ex, sym, tf, path in self._files()
        ]

    def _files(self) -> builtins.list[tuple[str, Symbol, Timeframe, Path]]:
        """``(exchange, symbol, timeframe, path)`` of every store file; other files are ignored."""
        found = []
        for path in self._root.glob("*/*/*.parquet"):
            symbol = symbol_from_dirname(path.parent.name)
            timeframe = timeframe_from_name(path.stem)
            if symbol is None or timeframe is None or path.name.startswith("."):
                continue
            if path.stem != timeframe.text:  # "60m.parquet" is not a store file
                continue
            found.append((path.parent.parent.name, symbol, timeframe, path))
        found.sort(key=lambda item: (item[0], item[1], item[2].ms))
        return found

    def _resample_source(
        self, exchange: str, symbol: Symbol, target: Timeframe
    ) -> Timeframe | None:
        stored = [tf for ex, sym, tf, _ in self._files() if ex == exchange and sym == symbol]
        usable = [tf for tf in stored if nests_into(tf, target)]
        return max(usable, key=lambda tf: tf.ms, default=None)

    def _not_stored(
        self, exchange: str, symbol: Symbol, timeframe: Timeframe
    ) -> UnknownSymbolError:
        by_symbol: dict[Symbol, builtins.list[str]] = {}
        for ex, sym, tf, _ in self._files():
            if ex == exchange:
                by_symbol.setdefault(sym, []).append(tf.text)
        if by_symbol:
            listing = "; ".join(f"{sym} {' '.join(tfs)}" for sym, tfs in by_symbol.items())
            stored = f"stored for {exchange}: {listing}"
        else:
            stored = f"nothing is stored for {exchange} in {self._root}"
        return UnknownSymbolError(
            f"no {exchange} {symbol} {timeframe} candles ({stored})",
            f"import them with `xor data import FILE --exchange {exchange} --symbol {symbol} "
            f"--timeframe {timeframe}` or run `xor data seed`; `xor data list` shows the store",
        )


def read_file(path: Path, timeframe: Timeframe | str | None = None) -> CandleFrame:
    """Validated candles from one file in any format :func:`load_external` reads.

    For ad-hoc use (``--data FILE.parquet``) without a store. The timeframe is
    ``timeframe``, else the file name's, else the median step between candles.
    """
    return load_external(path, timeframe=timeframe).frame


def _market(
    exchange: str, symbol: str, timeframe: Timeframe | str
) -> tuple[str, Symbol, Timeframe]:
    tf = timeframe if isinstance(timeframe, Timeframe) else Timeframe.parse(timeframe)
    return normalize_exchange(exchange), normalize_symbol(symbol), tf


def _merge(old: CandleFrame, new: CandleFrame) -> CandleFrame:
    """Union of two validated frames, sorted by time; ``new`` wins on identical open times."""
    kept = ~np.isin(old.ts_ms, new.ts_ms)
    columns = [
        np.concatenate((getattr(old, name)[kept], getattr(new, name)))
        for name in ("ts_ms", "open", "high", "low", "close", "volume")
    ]
    order = np.argsort(columns[0], kind="stable")
    ts, o, h, lo, c, v = (column[order] for column in columns)
    return CandleFrame(ts, o, h, lo, c, v, new.timeframe_ms)


def _summary(
    exchange: str, symbol: Symbol, timeframe: Timeframe, path: Path, ts_ms: IntArray
) -> StoredSeries:
    gaps, missing = count_gaps(ts_ms, timeframe.ms)
    empty = len(ts_ms) == 0
    return StoredSeries(
        exchange=exchange,
        symbol=symbol,
        timeframe=timeframe,
        rows=len(ts_ms),
        first_ms=None if empty else int(ts_ms[0]),
        last_ms=None if empty else int(ts_ms[-1]),
        gap_count=gaps,
        missing_bars=missing,
        file_bytes=path.stat().st_size,
        path=path,
    )
