"""Publishing a strategy's extra series during an event-path backtest, without lookahead.

Each extra series (a higher timeframe of the traded symbol, or another symbol) is a frame of
closed candles. :meth:`SeriesFeed.publish_until` publishes, in close-time order, every candle
that has closed by a given time; the driver calls it just before publishing each primary
candle, so a 1h candle reaches the strategy when the last 5m candle inside it closes, before
that 5m candle, and never earlier.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping

from xor_trading.domain.candles import Candle
from xor_trading.domain.events import CandleClosed
from xor_trading.strategy.series import SeriesSpec
from xor_trading.timeseries.candle_frame import CandleFrame


class SeriesFeed:
    def __init__(
        self,
        series: Mapping[SeriesSpec, CandleFrame],
        own_symbol: str,
        publish: Callable[[object], None],
    ) -> None:
        self._publish = publish
        streams = [
            self._stream(spec.symbol or own_symbol, order, frame)
            for order, (spec, frame) in enumerate(series.items())
        ]
        # Ordered by close time, then by declaration order for candles closing together.
        self._merged: Iterator[tuple[int, int, str, Candle]] = heapq.merge(*streams)
        self._next: tuple[int, int, str, Candle] | None = next(self._merged, None)

    @staticmethod
    def _stream(
        symbol: str, order: int, frame: CandleFrame
    ) -> Iterator[tuple[int, int, str, Candle]]:
        for candle in frame.iter_candles():
            yield candle.ts_ms + candle.timeframe_ms, order, symbol, candle

    def publish_until(self, close_ms: int) -> None:
        """Publish every extra candle that closed at or before ``close_ms``."""
        nxt = self._next
        while nxt is not None and nxt[0] <= close_ms:
            self._publish(CandleClosed(nxt[2], nxt[3]))  # type: ignore[arg-type]
            nxt = next(self._merged, None)
        self._next = nxt
