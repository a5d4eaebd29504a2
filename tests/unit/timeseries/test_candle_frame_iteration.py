"""CandleFrame.iter_candles (timeseries/candle_frame.py): every row once, in order, as Candle
tuples, whatever the chunk size."""

from __future__ import annotations

import numpy as np
import pytest

from xor_trading.domain.candles import Candle
from xor_trading.timeseries.candle_frame import CandleFrame


def _frame(n: int) -> CandleFrame:
    k = np.arange(n, dtype=np.float64)
    ts = 1_700_000_000_000 + 60_000 * np.arange(n, dtype=np.int64)
    return CandleFrame(ts, 100 + k, 101 + k, 99 + k, 100.5 + k, 10 + k, timeframe_ms=60_000)


@pytest.mark.parametrize(("n", "chunk"), [(10, 3), (9, 3), (10, 1), (10, 8_192), (1, 4)])
def test_iter_candles_yields_each_row_as_a_candle_across_chunk_boundaries(
    n: int, chunk: int
) -> None:
    frame = _frame(n)
    candles = list(frame.iter_candles(chunk=chunk))
    assert candles == [frame.candle(i) for i in range(n)]
    assert all(type(c) is Candle for c in candles)
    assert type(candles[-1].ts_ms) is int
    assert type(candles[-1].close) is float
    assert candles[-1].close_ms == int(frame.ts_ms[-1]) + 60_000


def test_iter_candles_of_an_empty_frame_yields_nothing() -> None:
    assert list(_frame(0).iter_candles()) == []


def test_iter_candles_is_lazy_and_single_pass() -> None:
    it = _frame(5).iter_candles(chunk=2)
    assert next(it) == _frame(5).candle(0)
    assert len(list(it)) == 4
    assert list(it) == []
