"""FailoverCandleFeed: a primary candle feed, and a second venue when the primary fails.

A :class:`~xor_trading.data.candle_feed.CandleFeed` over two feeds of the same market on
two venues (for example Binance, then OKX). Contract, on top of ``CandleFeed``'s:

* ``closed_candles`` yields from the primary. When the primary raises (any exception but
  cancellation) or yields nothing for ``stall_timeout_s``, the feed switches to the
  secondary **from the candle after the last one yielded**, so the strategy sees no gap
  and no repeat: the secondary's own history fills what the primary missed.
* After ``retry_primary_after_s`` on the secondary (or at once when the secondary fails
  too) it goes back to the primary, again from the next candle.
* Both failing in a row is not hidden: after ``max_consecutive_failures`` switches
  without a single candle in between, the last error is raised to the caller (the bot
  runtime stops trading on it: a missing candle is never invented).
* ``history`` asks the primary, then the secondary if the primary fails.
* ``on_switch(venue_name, reason)`` is called on every switch (logs, health, alerts).

Prices differ slightly between venues: a strategy fed by the secondary decides on that
venue's candles while it trades on the primary venue. That is the price of staying up,
and why the switch is reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.domain.candles import Candle

__all__ = ["FailoverCandleFeed", "FailoverConfig", "NamedFeed"]

SwitchListener = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class NamedFeed:
    """A feed and the venue it reads (for reports)."""

    name: str
    feed: CandleFeed


@dataclass(frozen=True, slots=True)
class FailoverConfig:
    """``stall_timeout_s``: silence after which a feed counts as failed (give it at least
    two candle durations on a live venue); ``retry_primary_after_s``: time on the secondary
    before the primary is tried again; ``max_consecutive_failures``: switches without a
    candle in between before the error is raised."""

    stall_timeout_s: float = 180.0
    retry_primary_after_s: float = 300.0
    max_consecutive_failures: int = 4


class FailoverCandleFeed:
    def __init__(
        self,
        primary: NamedFeed,
        secondary: NamedFeed,
        config: FailoverConfig | None = None,
        *,
        on_switch: SwitchListener | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._feeds = (primary, secondary)
        self._config = config or FailoverConfig()
        self._on_switch = on_switch
        self._monotonic = monotonic
        self.active = primary.name
        """The venue whose candles are being yielded now."""

    async def history(
        self, symbol: str, timeframe: Timeframe, since_ms: int, until_ms: int
    ) -> list[Candle]:
        primary, secondary = self._feeds
        try:
            return await primary.feed.history(symbol, timeframe, since_ms, until_ms)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._switched(secondary.name, f"history from {primary.name} failed: {exc!r}")
            return await secondary.feed.history(symbol, timeframe, since_ms, until_ms)

    async def closed_candles(
        self, symbol: str, timeframe: Timeframe, since_ms: int
    ) -> AsyncIterator[Candle]:
        config = self._config
        index = 0  # 0: primary, 1: secondary
        next_ms = since_ms
        failures = 0
        while True:
            current = self._feeds[index]
            self.active = current.name
            deadline = self._monotonic() + config.retry_primary_after_s if index == 1 else None
            stream = current.feed.closed_candles(symbol, timeframe, next_ms)
            try:
                while True:
                    candle = await asyncio.wait_for(anext(stream), timeout=config.stall_timeout_s)
                    if candle.ts_ms < next_ms:
                        continue  # the other venue already gave this one
                    failures = 0
                    next_ms = candle.ts_ms + timeframe.ms
                    yield candle
                    if deadline is not None and self._monotonic() >= deadline:
                        reason = f"{config.retry_primary_after_s:g} s on the secondary"
                        break
            except StopAsyncIteration:
                return  # a finite feed (replay) ended: so does this one
            except TimeoutError:
                failures += 1
                reason = f"no candle from {current.name} for {config.stall_timeout_s:g} s"
                if failures >= config.max_consecutive_failures:
                    raise
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                reason = f"{current.name} failed: {exc!r}"
                if failures >= config.max_consecutive_failures:
                    raise
            finally:
                await _close_stream(stream)
            index = 1 - index
            self._switched(self._feeds[index].name, reason)

    async def close(self) -> None:
        for named in self._feeds:
            await named.feed.close()

    def _switched(self, to: str, reason: str) -> None:
        self.active = to
        if self._on_switch is not None:
            self._on_switch(to, reason)


async def _close_stream(stream: AsyncIterator[Candle]) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        # A failed feed may fail to close too; there is nothing more to do about it.
        with contextlib.suppress(Exception):
            await close()
