"""One page of candles from a venue over REST: paced, retried, checked.

:class:`OhlcvRequester` wraps CCXT's ``fetch_ohlcv`` with the rules every market-data
caller needs:

* **Pacing.** Consecutive requests are at least the client's ``rateLimit``
  milliseconds apart (CCXT's own figure for the venue), whether or not CCXT throttles.
* **Rate limits.** ``RateLimitExceeded``/``DDoSProtection`` (HTTP 429 and 418 on
  Binance) wait the ``Retry-After`` the venue sent, else a backoff; a ``Retry-After``
  longer than ``RetryPolicy.max_retry_after_s`` gives up at once (a ban is not waited out
  in a loop).
* **Transient failures.** Other ``NetworkError`` (timeouts, 5xx, dropped connections)
  are retried with jittered exponential backoff.
* **Bad rows.** A page with rows that are not clean candles (see
  :mod:`.ohlcv_parsing`) is logged and fetched again; its rows are never returned.
* **Giving up.** After ``RetryPolicy.max_attempts`` attempts: ``RateLimitedError``,
  ``RetryableError`` or ``DataError``; an unknown market is ``UnknownSymbolError`` at
  once, any other venue refusal ``DataError`` at once. Each says what happened and what
  to do.

CCXT is used for public market data only here; the client is never asked to sign.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it

from xor_trading.core.errors import (
    DataError,
    RateLimitedError,
    RetryableError,
    UnknownSymbolError,
)
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.timestamps import iso_utc
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.backoff import Backoff
from xor_trading.exchanges.ccxt_client.ohlcv_parsing import parse_ohlcv_rows

__all__ = ["DEFAULT_PAGE_LIMIT", "OhlcvRequester", "RetryPolicy", "page_limit_of"]

logger = logging.getLogger("xor.market_data")

DEFAULT_PAGE_LIMIT = 500  # when CCXT does not say; every venue we know serves at least this

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0


def page_limit_of(client: Any) -> int:
    """Most candles one ``fetch_ohlcv`` call returns on this venue (CCXT's ``features``)."""
    features = getattr(client, "features", None) or {}
    spot = features.get("spot") if isinstance(features, dict) else None
    ohlcv = spot.get("fetchOHLCV") if isinstance(spot, dict) else None
    limit = ohlcv.get("limit") if isinstance(ohlcv, dict) else None
    return limit if isinstance(limit, int) and limit > 0 else DEFAULT_PAGE_LIMIT


class OhlcvRequester:
    """Paced, retried ``fetch_ohlcv`` on one CCXT client; see the module docstring."""

    def __init__(
        self,
        client: Any,
        *,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._min_interval_s = max(0.0, float(getattr(client, "rateLimit", 0) or 0) / 1000.0)
        self._last_request_at: float | None = None
        self.page_limit = page_limit_of(client)
        self.requests_made = 0

    @property
    def exchange_id(self) -> str:
        return str(getattr(self._client, "id", "exchange"))

    async def fetch(self, symbol: str, timeframe: Timeframe, since_ms: int) -> list[Candle]:
        """One page (``page_limit`` rows at most) from ``since_ms``: every row valid, sorted.

        Rows the venue returns from before ``since_ms`` are kept (the caller filters), so
        ``len(result) < page_limit`` still means the venue had no more rows.
        """
        backoff = Backoff(self._retry.base_delay_s, self._retry.max_delay_s, rng=self._rng)
        what = f"{self.exchange_id} {symbol} {timeframe} candles from {iso_utc(since_ms)}"
        last_problem = ""
        rate_limited_s: float | None = None
        for attempt in range(1, self._retry.max_attempts + 1):
            delay_s: float
            try:
                rows = await self._request(symbol, timeframe, since_ms)
            except (ccxt.RateLimitExceeded, ccxt.DDoSProtection) as exc:
                retry_after_s = self._retry_after_s()
                if retry_after_s is not None and retry_after_s > self._retry.max_retry_after_s:
                    raise RateLimitedError(
                        f"{self.exchange_id} rate-limited the request for {what} "
                        f"for {retry_after_s:.0f} s",
                        retry_after_s,
                        "wait that long before downloading again, and download fewer "
                        "markets at once",
                    ) from exc
                delay_s = retry_after_s if retry_after_s is not None else backoff.next_delay_s()
                rate_limited_s = delay_s
                last_problem = f"rate limited ({type(exc).__name__})"
            except ccxt.NetworkError as exc:
                delay_s = backoff.next_delay_s()
                rate_limited_s = None
                last_problem = f"{type(exc).__name__}: {_first_line(exc)}"
            except ccxt.BadSymbol as exc:
                raise UnknownSymbolError(
                    f"{self.exchange_id} does not list the market {symbol}",
                    "check the spelling (BASE/QUOTE, e.g. BTC/USDT) against the venue's markets",
                ) from exc
            except ccxt.BaseError as exc:
                raise DataError(
                    f"{self.exchange_id} refused the request for {what}: {_first_line(exc)}",
                    "check the market and timeframe; the venue's message says what it disliked",
                ) from exc
            else:
                parsed = parse_ohlcv_rows(rows, timeframe.ms)
                if not parsed.rejected:
                    return parsed.candles
                for bad in parsed.rejected:
                    logger.warning(
                        "%s: rejected a row from the venue (%s): %r; fetching the page again",
                        what,
                        bad.reason,
                        bad.row,
                    )
                delay_s = backoff.next_delay_s()
                rate_limited_s = None
                last_problem = f"invalid row ({parsed.rejected[0].reason})"
            if attempt < self._retry.max_attempts:
                logger.warning(
                    "%s: attempt %d failed (%s); retrying in %.2f s",
                    what,
                    attempt,
                    last_problem,
                    delay_s,
                )
                await self._sleep(delay_s)
        raise self._gave_up(what, last_problem, rate_limited_s)

    def _gave_up(self, what: str, problem: str, rate_limited_s: float | None) -> Exception:
        tries = self._retry.max_attempts
        message = f"gave up on {what} after {tries} attempts ({problem})"
        if rate_limited_s is not None:
            return RateLimitedError(
                message, rate_limited_s, "wait a minute and run again; fewer markets at once help"
            )
        if problem.startswith("invalid row"):
            return DataError(message, "the venue keeps sending a broken candle; try again later")
        return RetryableError(message, "check the network and the venue's status, then run again")

    async def _request(self, symbol: str, timeframe: Timeframe, since_ms: int) -> Any:
        if self._last_request_at is not None:
            wait_s = self._last_request_at + self._min_interval_s - self._monotonic()
            if wait_s > 0:
                await self._sleep(wait_s)
        self._last_request_at = self._monotonic()
        self.requests_made += 1
        return await self._client.fetch_ohlcv(
            symbol, timeframe.text, since=since_ms, limit=self.page_limit
        )

    def _retry_after_s(self) -> float | None:
        """The ``Retry-After`` (seconds) of the last response, if the venue sent one."""
        headers = getattr(self._client, "last_response_headers", None)
        if not isinstance(headers, dict):
            return None
        for key, value in headers.items():
            if str(key).lower() == "retry-after":
                try:
                    seconds = float(value)
                except (TypeError, ValueError):
                    return None  # an HTTP date: rare on venues; fall back to backoff
                return max(0.0, seconds)
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
