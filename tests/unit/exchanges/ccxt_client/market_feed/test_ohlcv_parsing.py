"""CCXT rows -> candles: clean rows pass, every kind of broken row is rejected with a reason."""

from __future__ import annotations

import math

import pytest

from xor_trading.domain.candles import Candle
from xor_trading.exchanges.ccxt_client.ohlcv_parsing import parse_ohlcv_rows

MINUTE = 60_000
T0 = 1_704_067_200_000


def test_parse_clean_rows_returns_sorted_candles_without_rejections() -> None:
    parsed = parse_ohlcv_rows(
        [[T0 + MINUTE, 2.0, 3.0, 1.0, 2.5, 0.0], [T0, 1.0, 2.0, 0.5, 1.5, 7.0]], MINUTE
    )
    assert parsed.rejected == []
    assert parsed.candles == [
        Candle(T0, 1.0, 2.0, 0.5, 1.5, 7.0, MINUTE),
        Candle(T0 + MINUTE, 2.0, 3.0, 1.0, 2.5, 0.0, MINUTE),
    ]


def test_parse_repeated_open_time_keeps_the_later_row() -> None:
    parsed = parse_ohlcv_rows(
        [[T0, 1.0, 2.0, 0.5, 1.5, 7.0], [T0, 1.0, 2.5, 0.5, 2.2, 9.0]], MINUTE
    )
    assert parsed.candles == [Candle(T0, 1.0, 2.5, 0.5, 2.2, 9.0, MINUTE)]


def test_parse_float_open_time_that_is_whole_is_accepted() -> None:
    parsed = parse_ohlcv_rows([[float(T0), 1.0, 2.0, 0.5, 1.5, 7.0]], MINUTE)
    assert parsed.candles[0].ts_ms == T0
    assert isinstance(parsed.candles[0].ts_ms, int)


@pytest.mark.parametrize(
    ("bad_row", "reason_part"),
    [
        ([T0, 1.0, 2.0, 0.5, 1.5], "5 fields"),
        ([T0 + 1, 1.0, 2.0, 0.5, 1.5, 1.0], "not on the 60000 ms grid"),
        ([T0 + 0.5, 1.0, 2.0, 0.5, 1.5, 1.0], "not a whole number"),
        (["x", 1.0, 2.0, 0.5, 1.5, 1.0], "not a whole number"),
        ([T0, math.nan, 2.0, 0.5, 1.5, 1.0], "open is nan"),
        ([T0, 1.0, math.inf, 0.5, 1.5, 1.0], "high is inf"),
        ([T0, 1.0, 2.0, None, 1.5, 1.0], "low is None"),
        ([T0, 1.0, 2.0, 0.5, 1.5, None], "volume is None"),
        ([T0, 1.0, 2.0, 0.5, 1.5, -1.0], "volume -1.0 is negative"),
        ([T0, 0.0, 2.0, 0.5, 1.5, 1.0], "not positive"),
        ([T0, 1.0, 0.4, 0.5, 0.45, 1.0], "high 0.4 is below low 0.5"),
        ([T0, 1.0, 2.0, 0.5, 2.5, 1.0], "outside low 0.5 .. high 2.0"),
        ([T0, 1.0, 2.0, 1.2, 1.5, 1.0], "outside low 1.2 .. high 2.0"),
        ([T0, "1.0", 2.0, 0.5, 1.5, 1.0], "open is '1.0'"),
    ],
)
def test_parse_broken_row_is_rejected_with_reason(bad_row: list[object], reason_part: str) -> None:
    good = [T0 + 5 * MINUTE, 1.0, 2.0, 0.5, 1.5, 1.0]
    parsed = parse_ohlcv_rows([bad_row, good], MINUTE)
    assert [c.ts_ms for c in parsed.candles] == [T0 + 5 * MINUTE]
    assert len(parsed.rejected) == 1
    assert reason_part in parsed.rejected[0].reason
    assert parsed.rejected[0].row == tuple(bad_row)
