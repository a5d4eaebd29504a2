"""ReplayCandleFeed: a :class:`~xor_trading.data.candle_feed.CandleFeed` over stored candles.

For tests, benchmarks and the demo: the same interface as the live CCXT feed, fed from
the candle store (:meth:`ReplayCandleFeed.over_store`) or from frames in memory
(:meth:`ReplayCandleFeed.over_frames`).

* ``speed`` is how many times faster than real time candles are replayed: the feed
  sleeps ``(open time step) / speed`` between two candles, so ``speed=60`` plays one 1m
  candle per second and a hole in the data takes its real duration / speed.
  ``speed=0`` never sleeps (benchmarks), but still yields to the event loop after each
  candle, so the worker's other tasks (lease renewals, other bots, the stop signal) keep
  running during a long replay. ``sleep`` is injectable (tests).
* ``clock`` (optional): the :class:`~xor_trading.data.replay_market_clock.ReplayMarketClock`
  of the bot trading the replay, moved to each candle's close just before it is yielded.
* ``closed_candles`` yields every stored candle opened at or after ``since_ms``, in order,
  each once. The store is the venue's truth here: a hole in the stored data stays a
  hole (nothing is invented). Unlike a live feed, the replay **ends** after the last
  candle, unless ``wait_at_end`` is set, in which case it then waits until cancelled.
* ``history`` returns the stored candles with ``since_ms <= open time < until_ms``.

Errors: ``UnknownSymbolError`` for a market that is not there, ``ConfigError`` for a
speed below 0 or frames of another timeframe than asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

from xor_trading.core.errors import ConfigError, UnknownSymbolError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_grid import timeframe_of_ms
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.replay_market_clock import ReplayMarketClock
from xor_trading.domain.candles import Candle
from xor_trading.timeseries.candle_frame import CandleFrame

__all__ = ["ReplayCandleFeed"]

CandleSource = Callable[[str, Timeframe, int | None, int | None], CandleFrame]
"""``(symbol, timeframe, start_ms, end_ms) -> candles`` with ``start <= open < end``."""

Sleep = Callable[[float], Awaitable[None]]


class ReplayCandleFeed:
    """Replays candles from ``source`` at ``speed``; see the module docstring."""

    def __init__(
        self,
        source: CandleSource,
        *,
        speed: float = 0.0,
        sleep: Sleep = asyncio.sleep,
        wait_at_end: bool = False,
        clock: ReplayMarketClock | None = None,
    ) -> None:
        if not speed >= 0.0:  # also refuses NaN
            raise ConfigError(
                f"replay speed {speed} is not allowed",
                "use 0 for as fast as possible, 1 for real time, 60 for a 1m candle a second",
            )
        self._source = source
        self._speed = speed
        self._sleep = sleep
        self._wait_at_end = wait_at_end
        self._clock = clock
        self._closed = False

    @classmethod
    def over_store(
        cls,
        store: ParquetCandleStore,
        exchange: str,
        *,
        speed: float = 0.0,
        sleep: Sleep = asyncio.sleep,
        wait_at_end: bool = False,
        clock: ReplayMarketClock | None = None,
    ) -> ReplayCandleFeed:
        """Replay ``exchange``'s candles from the store (resampled if only a lower timeframe
        is stored, as :meth:`ParquetCandleStore.read` does)."""

        def read(symbol: str, tf: Timeframe, start: int | None, end: int | None) -> CandleFrame:
            return store.read(exchange, symbol, tf, start_ms=start, end_ms=end).frame

        return cls(read, speed=speed, sleep=sleep, wait_at_end=wait_at_end, clock=clock)

    @classmethod
    def over_frames(
        cls,
        frames: Mapping[str, CandleFrame],
        *,
        speed: float = 0.0,
        sleep: Sleep = asyncio.sleep,
        wait_at_end: bool = False,
        clock: ReplayMarketClock | None = None,
    ) -> ReplayCandleFeed:
        """Replay frames held in memory, one per symbol (``"BTC/USDT"``)."""
        held = dict(frames)

        def pick(symbol: str, tf: Timeframe, start: int | None, end: int | None) -> CandleFrame:
            frame = held.get(symbol)
            if frame is None:
                raise UnknownSymbolError(
                    f"the replay has no candles for {symbol}",
                    f"replay one of: {', '.join(sorted(held)) or 'nothing is loaded'}",
                )
            if frame.timeframe_ms != tf.ms:
                raise ConfigError(
                    f"the replay holds {timeframe_of_ms(frame.timeframe_ms)} candles of "
                    f"{symbol}, not {tf}",
                    f"ask for {timeframe_of_ms(frame.timeframe_ms)}, or load {tf} candles",
                )
            return frame.between(start, end)

        return cls(pick, speed=speed, sleep=sleep, wait_at_end=wait_at_end, clock=clock)

    async def history(
        self, symbol: str, timeframe: Timeframe, since_ms: int, until_ms: int
    ) -> list[Candle]:
        self._check_open()
        return list(self._source(symbol, timeframe, since_ms, until_ms).iter_candles())

    async def closed_candles(
        self, symbol: str, timeframe: Timeframe, since_ms: int
    ) -> AsyncIterator[Candle]:
        self._check_open()
        frame = self._source(symbol, timeframe, since_ms, None)
        previous_ms: int | None = None
        for candle in frame.iter_candles():
            if self._speed > 0.0 and previous_ms is not None:
                await self._sleep((candle.ts_ms - previous_ms) / 1000.0 / self._speed)
            elif previous_ms is not None:
                await asyncio.sleep(0)  # let the loop breathe: see the module
            previous_ms = candle.ts_ms
            if self._clock is not None:
                self._clock.candle_closed(candle.ts_ms + timeframe.ms)
            yield candle
            self._check_open()
        if self._wait_at_end:
            await asyncio.Event().wait()

    async def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigError(
                "the replay feed is closed", "create a new feed; a closed one cannot be reused"
            )
