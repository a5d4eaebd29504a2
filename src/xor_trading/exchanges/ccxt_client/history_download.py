"""Download closed candles of one market from a venue into the candle store, resuming.

:func:`plan_download` decides what to fetch (**resume**: what is stored is never fetched
again), :func:`download_history` fetches it page by page through an
:class:`~.ohlcv_requests.OhlcvRequester` (paced, retried, rows checked; pagination in
:mod:`.ohlcv_pages`) and writes it through :class:`ParquetCandleStore` in chunks of
``chunk_rows`` candles (each write is validated and merged, so an interrupted download
keeps every chunk already written and the next run resumes after it).

Times are candle open times in UTC epoch ms; ``until_ms`` is exclusive and ``None``
means "up to the venue's newest closed candle". Only closed candles are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_store import ParquetCandleStore, StoredSeries
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.ohlcv_pages import ClosedCandlePager, ceil_to_grid
from xor_trading.exchanges.ccxt_client.ohlcv_requests import OhlcvRequester
from xor_trading.timeseries.candle_frame import CandleFrame

__all__ = [
    "DownloadProgress",
    "DownloadRange",
    "DownloadResult",
    "download_history",
    "plan_download",
]

DEFAULT_CHUNK_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class DownloadRange:
    """Open times ``start_ms <= t < end_ms`` to fetch (``end_ms`` None: to the newest)."""

    start_ms: int
    end_ms: int | None


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """Reported after every page: ``candles`` fetched so far, newest open time fetched."""

    symbol: str
    candles: int
    newest_ms: int | None


@dataclass(frozen=True, slots=True)
class DownloadResult:
    exchange: str
    symbol: str
    timeframe: Timeframe
    ranges: tuple[DownloadRange, ...]
    candles: int  # fetched and written by this run
    stored: StoredSeries | None  # the series as stored afterwards (None: nothing stored)


def plan_download(
    stored: StoredSeries | None,
    timeframe: Timeframe,
    from_ms: int | None,
    until_ms: int | None,
) -> tuple[DownloadRange, ...]:
    """What to fetch so that the store covers ``from_ms .. until_ms`` without refetching.

    * Nothing stored: ``from_ms .. until_ms`` (``from_ms`` is then required).
    * ``from_ms`` missing or inside the stored span: after the last stored candle.
    * ``from_ms`` before the first stored candle: that head, and after the last one.
    * ``from_ms`` after the last stored candle: from ``from_ms``.

    Holes inside the stored span are not refetched (``xor data gaps`` shows them).
    """
    tf = timeframe.ms
    if stored is None or stored.first_ms is None or stored.last_ms is None:
        if from_ms is None:
            raise ConfigError(
                f"nothing is stored for this market at {timeframe}, so the download needs a start",
                "pass --from, for example --from 2024-01-01T00:00:00Z",
            )
        ranges = [DownloadRange(ceil_to_grid(from_ms, tf), until_ms)]
    else:
        after_last = stored.last_ms + tf
        if from_ms is None or stored.first_ms <= from_ms <= after_last:
            ranges = [DownloadRange(after_last, until_ms)]
        elif from_ms < stored.first_ms:
            head_end = stored.first_ms if until_ms is None else min(stored.first_ms, until_ms)
            ranges = [
                DownloadRange(ceil_to_grid(from_ms, tf), head_end),
                DownloadRange(after_last, until_ms),
            ]
        else:
            ranges = [DownloadRange(ceil_to_grid(from_ms, tf), until_ms)]
    return tuple(r for r in ranges if r.end_ms is None or r.start_ms < r.end_ms)


async def download_history(
    requester: OhlcvRequester,
    store: ParquetCandleStore,
    exchange: str,
    symbol: str,
    timeframe: Timeframe,
    *,
    from_ms: int | None,
    until_ms: int | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_progress: Callable[[DownloadProgress], None] | None = None,
) -> DownloadResult:
    """Fetch what :func:`plan_download` says is missing and store it; see the module docstring.

    Raises ``ConfigError`` (no ``from_ms`` and nothing stored), the requester's errors
    (``UnknownSymbolError``, ``RateLimitedError``, ``RetryableError``, ``DataError``) and
    the store's ``DataError``; chunks written before an error stay written.
    """
    stored = (
        store.describe(exchange, symbol, timeframe)
        if store.has(exchange, symbol, timeframe)
        else None
    )
    ranges = plan_download(stored, timeframe, from_ms, until_ms)
    buffer: list[Candle] = []
    fetched = 0
    newest: int | None = None

    def flush() -> None:
        nonlocal stored
        if buffer:
            stored = store.write(exchange, symbol, timeframe, _frame(buffer, timeframe))
            buffer.clear()

    for part in ranges:
        pager = ClosedCandlePager(requester, symbol, timeframe, part.start_ms, part.end_ms)
        async for page in pager.pages():
            buffer.extend(page)
            fetched += len(page)
            newest = page[-1].ts_ms
            if len(buffer) >= chunk_rows:
                flush()
            if on_progress is not None:
                on_progress(DownloadProgress(symbol, fetched, newest))
        flush()
    return DownloadResult(exchange, symbol, timeframe, ranges, fetched, stored)


def _frame(candles: list[Candle], timeframe: Timeframe) -> CandleFrame:
    table = np.asarray([c[1:6] for c in candles], dtype=np.float64).reshape(-1, 5)
    o, h, lo, c, v = (np.ascontiguousarray(table[:, i]) for i in range(5))
    ts = np.fromiter((c.ts_ms for c in candles), dtype=np.int64, count=len(candles))
    return CandleFrame(ts, o, h, lo, c, v, timeframe.ms)
