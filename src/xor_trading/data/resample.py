"""Resampling candles to a higher timeframe (1m -> 5m, 1h, 1d ...), vectorised.

Target candles sit on the UTC grid of :mod:`xor_trading.data.candle_grid`: 1h candles
open at :00, 1d candles at 00:00 UTC, 1w candles on Monday 00:00 UTC. Each target candle
takes open = first, high = max, low = min, close = last and volume = sum of the source
candles inside it.

Edge rules, stated once:

* **Trailing bucket:** the last target candle is dropped unless its last source candle
  (open time ``bucket_start + target - source``) is present, because a still-forming
  candle would change when more data arrives. So 1m data ending at 10:58 resampled to
  1h ends with the 09:00 candle.
* **Interior holes:** a target candle with missing source candles inside the data is
  kept, built from the candles that exist, as exchanges do after an outage.
* **Leading bucket:** the first target candle is dropped too unless its first source
  candle (open time ``bucket_start``) is present. Data that starts inside a bucket has
  usually been cut by a download range, and a candle built from part of it would have
  the wrong open; losing one candle is the lesser harm. (After a listing an exchange
  does publish such a partial first candle; import the higher timeframe itself to keep it.)
"""

from __future__ import annotations

import numpy as np

from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_grid import bucket_start_ms, nests_into, timeframe_of_ms
from xor_trading.timeseries.candle_frame import CandleFrame


def resample(frame: CandleFrame, timeframe: Timeframe) -> CandleFrame:
    """``frame`` (validated: sorted, unique, on its grid) resampled to ``timeframe``.

    Returns ``frame`` itself when the timeframes are equal. Raises ``ConfigError`` when
    ``timeframe`` is lower than the frame's, or not made of whole source candles.
    """
    source_ms = frame.timeframe_ms
    target_ms = timeframe.ms
    if target_ms == source_ms:
        return frame
    source_tf = timeframe_of_ms(source_ms)
    if not nests_into(source_tf, timeframe):
        raise ConfigError(
            f"cannot resample {source_tf} candles to {timeframe}: the target must be a "
            f"higher timeframe made of whole {source_tf} candles",
            f"choose a timeframe above {source_tf} that is a whole multiple of it",
        )
    if frame.is_empty:
        return _empty(target_ms)

    bucket = bucket_start_ms(frame.ts_ms, target_ms)
    starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
    first, stop = 0, len(frame)
    if int(frame.ts_ms[0]) != int(bucket[0]):
        first = int(starts[1]) if len(starts) > 1 else stop  # leading bucket cut: drop it
    if int(frame.ts_ms[-1]) < int(bucket[-1]) + target_ms - source_ms:
        stop = int(starts[-1])  # trailing bucket still forming: drop it
    if first >= stop:
        return _empty(target_ms)
    frame, bucket = frame.slice(first, stop), bucket[first:stop]
    starts = starts[(starts >= first) & (starts < stop)] - first
    ends = np.concatenate((starts[1:], [len(frame)])) - 1
    return CandleFrame(
        ts_ms=bucket[starts],
        open=frame.open[starts],
        high=np.maximum.reduceat(frame.high, starts),
        low=np.minimum.reduceat(frame.low, starts),
        close=frame.close[ends],
        volume=np.add.reduceat(frame.volume, starts),
        timeframe_ms=target_ms,
    )


def _empty(timeframe_ms: int) -> CandleFrame:
    no_prices = np.empty(0, dtype=np.float64)
    return CandleFrame(
        np.empty(0, dtype=np.int64),
        no_prices,
        no_prices,
        no_prices,
        no_prices,
        no_prices,
        timeframe_ms,
    )
