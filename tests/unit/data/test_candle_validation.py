"""validate_frame: every rule, with the exact one-line message and the hint."""

from __future__ import annotations

import numpy as np
import pytest
from candle_rows import DAY, T0, flat_rows, frame_of, minutes

from xor_trading.core.errors import DataError
from xor_trading.data.validation import validate_frame
from xor_trading.timeseries.candle_frame import CandleFrame

WEEK = 7 * DAY


def _error(frame: CandleFrame) -> DataError:
    with pytest.raises(DataError) as caught:
        validate_frame(frame, "f.parquet")
    return caught.value


def test_validate_frame_clean_candles_passes() -> None:
    validate_frame(frame_of(flat_rows(minutes(0, 1, 2, 5))), "f.parquet")


def test_validate_frame_empty_passes() -> None:
    validate_frame(frame_of([]), "f.parquet")


def test_validate_frame_zero_volume_passes() -> None:
    validate_frame(frame_of([(T0, 1.0, 1.0, 1.0, 1.0, 0.0)]), "f.parquet")


def test_validate_frame_nan_close_names_row() -> None:
    rows = flat_rows(minutes(0, 1, 2))
    rows[1] = (rows[1][0], 100.0, 101.0, 99.0, float("nan"), 1.0)
    error = _error(frame_of(rows))
    assert error.message == "f.parquet: row 1 (2024-01-01T00:01:00Z): close is nan"
    assert error.hint == "remove or repair rows with missing values; the store never invents prices"


def test_validate_frame_infinite_volume_names_row() -> None:
    rows = flat_rows(minutes(0, 1, 2))
    rows[2] = (rows[2][0], 100.0, 101.0, 99.0, 100.0, float("inf"))
    assert _error(frame_of(rows)).message == (
        "f.parquet: row 2 (2024-01-01T00:02:00Z): volume is inf"
    )


def test_validate_frame_time_going_back_names_row_and_previous() -> None:
    error = _error(frame_of(flat_rows(minutes(0, 2, 1))))
    assert error.message == (
        "f.parquet: row 2 (2024-01-01T00:01:00Z): timestamp goes back in time "
        "(row 1 is 2024-01-01T00:02:00Z)"
    )
    assert "xor data import" in error.hint


def test_validate_frame_duplicate_timestamp_names_row() -> None:
    error = _error(frame_of(flat_rows(minutes(0, 1, 1, 2))))
    assert error.message == (
        "f.parquet: row 2 (2024-01-01T00:01:00Z): duplicate timestamp "
        "(row 1 is 2024-01-01T00:01:00Z)"
    )


def test_validate_frame_off_grid_timestamp_names_row() -> None:
    rows = flat_rows([T0, T0 + 60_000, T0 + 90_000])
    error = _error(frame_of(rows))
    assert error.message == (
        "f.parquet: row 2 (2024-01-01T00:01:30Z): timestamp is not on the 1m UTC grid"
    )
    assert error.hint.startswith("check that the timeframe really is 1m")


def test_validate_frame_weekly_candles_open_on_monday() -> None:
    monday = T0
    validate_frame(frame_of(flat_rows([monday, monday + WEEK]), WEEK), "w")
    thursday = T0 + 3 * DAY  # 2024-01-04: on a 7-day grid counted from the epoch, not Binance's
    with pytest.raises(DataError, match="not on the 1w UTC grid"):
        validate_frame(frame_of(flat_rows([thursday]), WEEK), "w")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ((T0, 0.0, 1.0, 0.5, 0.7, 1.0), "open is 0.0 (prices must be > 0)"),
        ((T0, 1.0, 1.0, -0.5, 0.7, 1.0), "low is -0.5 (prices must be > 0)"),
        ((T0, 1.0, 1.0, 1.0, 1.0, -2.0), "volume is -2.0 (must be >= 0)"),
    ],
)
def test_validate_frame_bad_sign_names_column(
    row: tuple[int, float, float, float, float, float], problem: str
) -> None:
    frame = frame_of([*flat_rows(minutes(-1)), row])
    assert _error(frame).message == f"f.parquet: row 1 (2024-01-01T00:00:00Z): {problem}"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ((T0, 10.0, 12.0, 9.0, 12.5, 1.0), "high 12.0 is below max(open 10.0, close 12.5)"),
        ((T0, 10.0, 12.0, 10.5, 11.0, 1.0), "low 10.5 is above min(open 10.0, close 11.0)"),
        ((T0, 10.0, 9.0, 11.0, 10.0, 1.0), "high 9.0 is below low 11.0"),
    ],
)
def test_validate_frame_inconsistent_ohlc_names_problem(
    row: tuple[int, float, float, float, float, float], problem: str
) -> None:
    error = _error(frame_of([row]))
    assert error.message == f"f.parquet: row 0 (2024-01-01T00:00:00Z): {problem}"
    assert error.hint.startswith("the source is corrupt at that row")


def test_validate_frame_first_failing_check_wins() -> None:
    # Row 1 goes back in time, row 0 has NaN: the NaN check runs first.
    rows = [(T0 + 60_000, float("nan"), 1.0, 1.0, 1.0, 1.0), *flat_rows([T0])]
    assert "open is nan" in _error(frame_of(rows)).message


def test_validate_frame_error_past_the_first_block_reports_its_absolute_row() -> None:
    # Validation runs in blocks of 131,072 rows; rows are still numbered in the whole frame.
    n = 131_072 + 10
    ts = T0 + np.arange(n, dtype=np.int64) * 60_000
    ts[131_073] = ts[131_072]  # a duplicate right after the first block boundary
    price = np.full(n, 100.0)
    frame = CandleFrame(ts, price, price + 1.0, price - 1.0, price, np.ones(n), 60_000)
    error = _error(frame)
    assert error.message.startswith("f.parquet: row 131073 ")
    assert "duplicate timestamp (row 131072 is" in error.message


def test_validate_frame_order_break_on_the_block_boundary_is_caught() -> None:
    n = 131_072 + 5
    ts = T0 + np.arange(n, dtype=np.int64) * 60_000
    ts[131_072] = ts[131_071] - 60_000  # goes back exactly where the second block starts
    price = np.full(n, 100.0)
    frame = CandleFrame(ts, price, price + 1.0, price - 1.0, price, np.ones(n), 60_000)
    assert "row 131072 " in _error(frame).message
