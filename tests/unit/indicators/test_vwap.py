"""VWAP (indicators/vwap.py): hand-built sessions, resets, zero volume, batch == incremental."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.vwap import VWAP, vwap

CANDLES = Path("/work/shared/data/candles")
REAL_FILES = ["binance_BTC-USDT_1h.parquet", "binance_ETH-USDT_5m.parquet"]
HOUR_MS = 3_600_000


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture(scope="module", params=REAL_FILES)
def real(request: pytest.FixtureRequest) -> dict[str, np.ndarray]:
    path = CANDLES / request.param
    if not path.exists():
        pytest.skip(f"real candles not available: {path}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(path)
    return {name: table.column(name).to_numpy() for name in table.column_names}


def _incremental(c: dict[str, np.ndarray], session: str) -> np.ndarray:
    ind = VWAP(session)
    rows = zip(
        c["high"].tolist(),
        c["low"].tolist(),
        c["close"].tolist(),
        c["volume"].tolist(),
        c["timestamp"].tolist(),
        strict=True,
    )
    return np.array([ind.update(*row) for row in rows], dtype=np.float64)


# Typical prices 9, 3, 6 on day one, then 12 on day two.
HIGH = np.array([12.0, 4.0, 6.0, 13.0])
LOW = np.array([6.0, 2.0, 6.0, 11.0])
CLOSE = np.array([9.0, 3.0, 6.0, 12.0])
VOLUME = np.array([1.0, 2.0, 1.0, 4.0])
DAY_ONE = _ms(2024, 1, 3)  # a Wednesday
TS = np.array([DAY_ONE, DAY_ONE + HOUR_MS, DAY_ONE + 23 * HOUR_MS, DAY_ONE + 24 * HOUR_MS])


def test_vwap_daily_gives_hand_computed_values_and_resets_at_midnight_utc() -> None:
    out = vwap(HIGH, LOW, CLOSE, VOLUME, TS)
    # (9*1)/1, (9 + 3*2)/3, (9 + 6 + 6)/4, then a new day: 12.
    assert out.tolist() == [9.0, 5.0, 5.25, 12.0]


def test_vwap_session_none_is_cumulative() -> None:
    out = vwap(HIGH, LOW, CLOSE, VOLUME, TS, session="none")
    assert out.tolist() == [9.0, 5.0, 5.25, (21.0 + 48.0) / 8.0]


def test_vwap_weekly_resets_on_monday_midnight_utc_only() -> None:
    sunday_late, monday = _ms(2024, 1, 7, 23), _ms(2024, 1, 8)
    ts = np.array([_ms(2024, 1, 3), _ms(2024, 1, 4), sunday_late, monday])
    out = vwap(HIGH, LOW, CLOSE, VOLUME, ts, session="1w")
    assert out.tolist() == [9.0, 5.0, 5.25, 12.0]  # Wednesday -> Thursday: no reset


def test_vwap_is_nan_until_the_session_trades_volume() -> None:
    out = vwap(HIGH, LOW, CLOSE, np.array([0.0, 0.0, 2.0, 0.0]), TS)
    assert math.isnan(out[0])
    assert math.isnan(out[1])
    assert out[2] == 6.0
    assert math.isnan(out[3])  # a new day with no volume yet


def test_incremental_vwap_gives_the_same_hand_computed_values() -> None:
    ind = VWAP()
    rows = zip(
        HIGH.tolist(), LOW.tolist(), CLOSE.tolist(), VOLUME.tolist(), TS.tolist(), strict=True
    )
    assert [ind.update(*row) for row in rows] == [9.0, 5.0, 5.25, 12.0]
    assert ind.warmup == 1
    assert ind.session == "1d"


def test_vwap_of_empty_input_is_empty() -> None:
    empty = np.array([], dtype=np.float64)
    assert vwap(empty, empty, empty, empty, np.array([], dtype=np.int64)).shape == (0,)


@pytest.mark.parametrize("session", ["1d", "1w", "none"])
def test_vwap_batch_equals_incremental_bit_for_bit_on_real_data(
    real: dict[str, np.ndarray], session: str
) -> None:
    batch = vwap(
        real["high"], real["low"], real["close"], real["volume"], real["timestamp"], session
    )
    incremental = _incremental(real, session)
    assert np.array_equal(batch.view(np.uint64), incremental.view(np.uint64))


def test_vwap_on_real_data_stays_within_the_session_range_and_matches_a_direct_sum(
    real: dict[str, np.ndarray],
) -> None:
    ts = real["timestamp"]
    out = vwap(real["high"], real["low"], real["close"], real["volume"], ts)
    day = ts // 86_400_000
    last_of_day2 = np.flatnonzero(day == day[0] + 1)[-1]
    in_day = day == day[0] + 1
    tp = (real["high"][in_day] + real["low"][in_day] + real["close"][in_day]) / 3
    expected = (tp * real["volume"][in_day]).sum() / real["volume"][in_day].sum()
    assert out[last_of_day2] == pytest.approx(expected, rel=1e-12)
    assert real["low"][in_day].min() <= out[last_of_day2] <= real["high"][in_day].max()


@pytest.mark.parametrize("session", ["1h", "daily", ""])
def test_vwap_unknown_session_raises_config_error_with_hint(session: str) -> None:
    with pytest.raises(ConfigError, match="unknown VWAP session") as info:
        vwap(HIGH, LOW, CLOSE, VOLUME, TS, session)
    assert "1d" in info.value.hint
    with pytest.raises(ConfigError):
        VWAP(session)


def test_vwap_timestamps_of_another_length_raise_config_error() -> None:
    with pytest.raises(ConfigError, match="ts_ms has 3 values for 4 candles"):
        vwap(HIGH, LOW, CLOSE, VOLUME, TS[:3])
