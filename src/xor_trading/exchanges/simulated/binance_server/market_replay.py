"""One market's replayed candles: the price at any market time, klines, 24h statistics.

Candle open times are shifted by ``shift_ms`` (the replay starts "now"). Inside a candle
the price walks the documented path (:func:`candle_path`): open, then the extreme met
first, then the other, then the close, one third of the candle per segment, linearly,
snapped to whole ticks. Between candles the open is a jump. After the last stored candle
the price stays at the last close; in a gap of the data it stays at the previous close.
Klines of coarser intervals are aggregated from the replayed timeframe and aligned to
UTC multiples of the interval, like Binance; the kline containing the market time is the
forming one (high/low/close/volume so far).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xor_trading.domain.instruments import Instrument
from xor_trading.exchanges.simulated.candle_path import candle_path
from xor_trading.timeseries.candle_frame import CandleFrame

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Kline:
    """One kline; prices in ticks, volume in the base asset (float, market data)."""

    open_ms: int
    close_ms: int  # open + interval - 1, as Binance
    open_t: int
    high_t: int
    low_t: int
    close_t: int
    volume: float
    trades: int
    closed: bool


class MarketReplay:
    """Replayed candles of one instrument; see the module docstring."""

    def __init__(self, instrument: Instrument, frame: CandleFrame, shift_ms: int) -> None:
        if frame.is_empty:
            raise ValueError(f"no candles to replay for {instrument.symbol}")
        self.instrument = instrument
        self.timeframe_ms = frame.timeframe_ms
        self._tick_f = float(instrument.tick_size)
        self._ts = (frame.ts_ms + shift_ms).astype(np.int64)
        self._ts_list: list[int] = self._ts.tolist()
        self._volume = frame.volume
        tick = self._tick_f
        self._o = np.rint(frame.open / tick).astype(np.int64)
        self._h = np.rint(frame.high / tick).astype(np.int64)
        self._l = np.rint(frame.low / tick).astype(np.int64)
        self._c = np.rint(frame.close / tick).astype(np.int64)

    @property
    def first_open_ms(self) -> int:
        return self._ts_list[0]

    def to_price(self, ticks: int) -> Decimal:
        return (Decimal(ticks) * self.instrument.tick_size).quantize(self.instrument.tick_size)

    def _index(self, t_ms: int) -> int:
        """Index of the candle whose open is the latest at or before ``t_ms`` (-1: none)."""
        return bisect.bisect_right(self._ts_list, t_ms) - 1

    def _path(self, i: int) -> tuple[int, int, int, int]:
        return candle_path(int(self._o[i]), int(self._h[i]), int(self._l[i]), int(self._c[i]))

    def _vertex_times(self, i: int) -> tuple[int, int, int, int]:
        t0, tf = self._ts_list[i], self.timeframe_ms
        return (t0, t0 + tf // 3, t0 + 2 * tf // 3, t0 + tf - 1)

    def price_ticks(self, t_ms: int) -> int:
        """The price at market time ``t_ms`` in whole ticks."""
        i = max(self._index(t_ms), 0)
        path = self._path(i)
        times = self._vertex_times(i)
        if t_ms >= times[3]:
            return path[3]
        if t_ms <= times[0]:
            return path[0]
        seg = 0 if t_ms < times[1] else (1 if t_ms < times[2] else 2)
        span = times[seg + 1] - times[seg]
        share = (t_ms - times[seg]) / span if span else 1.0
        return round(path[seg] + (path[seg + 1] - path[seg]) * share)

    def price(self, t_ms: int) -> Decimal:
        return self.to_price(self.price_ticks(t_ms))

    def path_between(self, start_ms: int, end_ms: int) -> list[int]:
        """Prices (ticks) met after ``start_ms`` up to ``end_ms``, starting at the price then.

        Consecutive points are continuous segments, except a candle's open (a jump), which
        still counts as "passing through" every price between, as a gap fill does.
        """
        points = [self.price_ticks(start_ms)]
        if end_ms <= start_ms:
            return points
        first = max(self._index(start_ms), 0)
        last = max(self._index(end_ms), 0)
        for i in range(first, last + 1):
            for vertex_t, vertex_p in zip(self._vertex_times(i), self._path(i), strict=True):
                if start_ms < vertex_t <= end_ms:
                    points.append(vertex_p)
        points.append(self.price_ticks(end_ms))
        return points

    def volume_between(self, start_ms: int, end_ms: int) -> float:
        """Base volume traded in ``(start_ms, end_ms]`` (pro rata inside candles)."""
        return self._volume_so_far(end_ms) - self._volume_so_far(start_ms)

    def _volume_so_far(self, t_ms: int) -> float:
        i = self._index(t_ms)
        if i < 0:
            return 0.0
        done = float(np.sum(self._volume[:i]))
        share = min(1.0, (t_ms - self._ts_list[i] + 1) / self.timeframe_ms)
        return done + float(self._volume[i]) * share

    def _partial(self, i: int, t_ms: int) -> tuple[int, int, int, int, float, bool]:
        """Candle ``i`` as seen at ``t_ms``: open, high, low, close (ticks), volume, closed."""
        times = self._vertex_times(i)
        if t_ms >= times[3]:
            return (
                int(self._o[i]),
                int(self._h[i]),
                int(self._l[i]),
                int(self._c[i]),
                float(self._volume[i]),
                True,
            )
        path = self._path(i)
        now = self.price_ticks(t_ms)
        seen = [p for p, vt in zip(path, times, strict=True) if vt <= t_ms] + [now]
        share = (t_ms - times[0] + 1) / self.timeframe_ms
        return path[0], max(seen), min(seen), now, float(self._volume[i]) * share, False

    def klines(
        self,
        interval_ms: int,
        now_ms: int,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[Kline]:
        """Klines as Binance's ``/api/v3/klines`` pages them (open times in ``[start, end]``).

        With ``start_ms``: the first ``limit`` from there; otherwise the last ``limit`` up
        to ``end_ms`` (default: now). Nothing after the market time ``now_ms`` exists yet.
        """
        if interval_ms % self.timeframe_ms:
            raise ValueError(f"interval {interval_ms} ms is not a multiple of the replay's")
        upper = now_ms if end_ms is None else min(end_ms, now_ms)
        last_bucket = upper // interval_ms * interval_ms
        if start_ms is not None:
            first_bucket = -(-start_ms // interval_ms) * interval_ms
            hi_ms = min(last_bucket, first_bucket + (limit - 1) * interval_ms)
            lo_ms = first_bucket
        else:
            hi_ms = last_bucket
            lo_ms = last_bucket - (limit - 1) * interval_ms
        lo = bisect.bisect_left(self._ts_list, lo_ms)
        hi = bisect.bisect_right(self._ts_list, min(hi_ms + interval_ms - 1, now_ms))
        result: list[Kline] = []
        bucket_start = -1
        parts: list[tuple[int, int, int, int, float, bool]] = []
        for i in range(lo, hi):
            bucket = self._ts_list[i] // interval_ms * interval_ms
            if bucket != bucket_start and parts:
                result.append(self._aggregate(bucket_start, interval_ms, parts, now_ms))
                parts = []
            bucket_start = bucket
            parts.append(self._partial(i, now_ms))
        if parts:
            result.append(self._aggregate(bucket_start, interval_ms, parts, now_ms))
        if start_ms is None and len(result) > limit:
            result = result[-limit:]
        return result[:limit]

    def _aggregate(
        self,
        bucket_ms: int,
        interval_ms: int,
        parts: list[tuple[int, int, int, int, float, bool]],
        now_ms: int,
    ) -> Kline:
        volume = sum(p[4] for p in parts)
        closed = now_ms >= bucket_ms + interval_ms - 1 and parts[-1][5]
        return Kline(
            open_ms=bucket_ms,
            close_ms=bucket_ms + interval_ms - 1,
            open_t=parts[0][0],
            high_t=max(p[1] for p in parts),
            low_t=min(p[2] for p in parts),
            close_t=parts[-1][3],
            volume=volume,
            trades=max(1, int(volume * 100)) if volume > 0 else 0,
            closed=closed,
        )

    def rolling_day(self, now_ms: int) -> Kline:
        """The 24 hours up to ``now_ms`` as one kline (for ``/api/v3/ticker/24hr``)."""
        lo = max(self._index(now_ms - DAY_MS), 0)
        hi = max(self._index(now_ms), 0)
        parts = [self._partial(i, now_ms) for i in range(lo, hi + 1)]
        kline = self._aggregate(now_ms - DAY_MS, DAY_MS, parts, now_ms)
        return kline
