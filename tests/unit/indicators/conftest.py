"""Fixtures for the TA-Lib indicator tests: the real candle files and a series comparison.

The real files live in /work/shared (outside the repository); tests that need them are
skipped with the reason when it is absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

CANDLES_DIR = Path("/work/shared/data/candles")
REAL_FILES = ("binance_BTC-USDT_1h", "binance_ETH-USDT_5m")
TOLERANCE = 1e-9  # |incremental - batch| <= TOLERANCE * max(1, |batch|)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RealCandles:
    """One real candle file as float64 arrays, plus plain lists for the incremental loops."""

    name: str
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def rows(self) -> list[tuple[float, float, float]]:
        """(high, low, close) per candle, as Python floats."""
        return list(zip(self.high.tolist(), self.low.tolist(), self.close.tolist(), strict=True))


def _load(name: str) -> RealCandles:
    path = CANDLES_DIR / f"{name}.parquet"
    if not path.exists():
        pytest.skip(f"real candles not available: {path} (the shared data directory is absent)")
    import pyarrow.parquet as pq  # noqa: PLC0415 - only when the file exists

    table = pq.read_table(path, columns=["high", "low", "close", "volume"])
    columns = {
        name: np.ascontiguousarray(table.column(name).to_numpy(), dtype=np.float64)
        for name in table.column_names
    }
    return RealCandles(name, columns["high"], columns["low"], columns["close"], columns["volume"])


_CACHE: dict[str, RealCandles] = {}


@pytest.fixture(scope="session", params=REAL_FILES)
def real_candles(request: pytest.FixtureRequest) -> RealCandles:
    """Each real file in turn: BTC/USDT 1h (58,419 candles), ETH/USDT 5m (119,752)."""
    name: str = request.param
    if name not in _CACHE:
        _CACHE[name] = _load(name)
    return _CACHE[name]


def assert_series_match(incremental: Sequence[float] | FloatArray, batch: FloatArray) -> None:
    """The incremental series equals the batch one: same NaN positions, values within
    ``TOLERANCE`` (relative above 1, absolute below) and, beyond that contract, to the bit."""
    got = np.asarray(incremental, dtype=np.float64)
    assert got.shape == batch.shape
    got_nan = np.isnan(got)
    want_nan = np.isnan(batch)
    assert np.array_equal(got_nan, want_nan), (
        f"NaN positions differ, first at {int(np.argmax(got_nan != want_nan))}"
    )
    valid = ~want_nan
    error = np.abs(got[valid] - batch[valid]) / np.maximum(1.0, np.abs(batch[valid]))
    assert error.size == 0 or float(error.max()) <= TOLERANCE, f"max error {error.max():.3g}"
    differing = int(np.count_nonzero(got[valid] != batch[valid]))
    assert differing == 0, f"within {TOLERANCE} but {differing} values differ in their last bits"


@pytest.fixture
def series_match() -> Callable[[Sequence[float] | FloatArray, FloatArray], None]:
    """:func:`assert_series_match`, as a fixture so that test modules need no import."""
    return assert_series_match


def leading_nans(values: FloatArray) -> int:
    """How many NaN precede the first value (the whole length if there is none)."""
    valid = np.flatnonzero(~np.isnan(values))
    return int(valid[0]) if valid.size else len(values)


@pytest.fixture
def count_leading_nans() -> Callable[[FloatArray], int]:
    return leading_nans
