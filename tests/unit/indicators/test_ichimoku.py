"""Ichimoku (indicators/ichimoku.py): hand-built lines, alignment, lookahead, real data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.ichimoku import Ichimoku, IchimokuLines, ichimoku

CANDLES = Path("/work/shared/data/candles")
REAL_FILES = ["binance_BTC-USDT_1h.parquet", "binance_ETH-USDT_5m.parquet"]
NAN = math.nan

HIGH = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 1.0])
LOW = HIGH - 0.5
CLOSE = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
SMALL = {"tenkan": 2, "kijun": 3, "senkou_b": 4, "displacement": 2}


@pytest.fixture(scope="module", params=REAL_FILES)
def real(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    path = CANDLES / request.param
    if not path.exists():
        pytest.skip(f"real candles not available: {path}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(path, columns=["high", "low", "close"])
    return tuple(table.column(c).to_numpy() for c in ("high", "low", "close"))  # type: ignore[return-value]


def _same(actual: np.ndarray, expected: list[float]) -> bool:
    return np.array_equal(actual, np.array(expected), equal_nan=True)


def test_ichimoku_small_periods_give_hand_computed_lines() -> None:
    lines = ichimoku(HIGH, LOW, CLOSE, **SMALL)
    assert _same(lines.tenkan, [NAN, 1.75, 2.25, 3.25, 4.25, 4.75, 3.25])
    assert _same(lines.kijun, [NAN, NAN, 1.75, 3.25, 3.25, 4.75, 3.25])
    assert _same(lines.senkou_a_ahead, [NAN, NAN, 2.0, 3.25, 3.75, 4.75, 3.25])
    assert _same(lines.senkou_b_ahead, [NAN, NAN, NAN, 2.75, 3.25, 3.75, 3.25])
    assert _same(lines.senkou_a, [NAN, NAN, NAN, NAN, 2.0, 3.25, 3.75])
    assert _same(lines.senkou_b, [NAN, NAN, NAN, NAN, NAN, 2.75, 3.25])
    assert _same(lines.chikou, [3.0, 4.0, 5.0, 6.0, 7.0, NAN, NAN])


def test_ichimoku_keeps_the_input_length_and_names_its_lines() -> None:
    lines = ichimoku(HIGH, LOW, CLOSE)
    assert isinstance(lines, IchimokuLines)
    assert lines._fields[:5] == ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou")
    assert all(line.shape == (7,) for line in lines)
    assert np.isnan(lines.chikou).all()  # fewer candles than the displacement


def test_ichimoku_displacement_0_draws_everything_at_its_own_candle() -> None:
    lines = ichimoku(HIGH, LOW, CLOSE, 2, 3, 4, 0)
    assert _same(lines.senkou_a, lines.senkou_a_ahead.tolist())
    assert lines.chikou.tolist() == CLOSE.tolist()


def test_incremental_ichimoku_returns_the_lines_known_at_each_candle() -> None:
    ind = Ichimoku(**SMALL)
    out = [ind.update(*row) for row in zip(HIGH, LOW, CLOSE, strict=True)]
    assert _same(np.array([p.senkou_a for p in out]), [NAN, NAN, NAN, NAN, 2.0, 3.25, 3.75])
    assert [p.chikou for p in out] == CLOSE.tolist()  # drawn displacement candles back
    assert ind.warmup == 4 + 2
    assert not any(math.isnan(v) for v in out[ind.warmup - 1][:4])
    assert math.isnan(out[ind.warmup - 2].senkou_b)


def test_ichimoku_default_warmups_on_real_data(
    real: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    lines = ichimoku(*real)
    leading_nan = [int(np.argmax(~np.isnan(line))) for line in lines[:4]]
    assert leading_nan == [8, 25, 25 + 26, 51 + 26]
    assert np.isnan(lines.chikou[-26:]).all()
    assert not np.isnan(lines.chikou[:-26]).any()
    assert Ichimoku().warmup == 78


def test_ichimoku_spans_are_the_ahead_values_shifted_and_chikou_the_close_shifted_back(
    real: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    lines = ichimoku(*real)
    close = real[2]
    assert np.array_equal(lines.senkou_a[26:], lines.senkou_a_ahead[:-26], equal_nan=True)
    assert np.array_equal(lines.senkou_b[26:], lines.senkou_b_ahead[:-26], equal_nan=True)
    assert lines.chikou[:-26].tolist() == close[26:].tolist()


def test_ichimoku_lines_other_than_chikou_use_no_future_candle(
    real: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    whole = ichimoku(*real)
    part = ichimoku(*(a[:3_001] for a in real))
    for name in ("tenkan", "kijun", "senkou_a", "senkou_b", "senkou_a_ahead", "senkou_b_ahead"):
        assert np.array_equal(getattr(part, name), getattr(whole, name)[:3_001], equal_nan=True)
    assert not np.array_equal(part.chikou, whole.chikou[:3_001], equal_nan=True)  # lookahead


def test_ichimoku_batch_equals_incremental_bit_for_bit_on_real_data(
    real: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    batch = ichimoku(*real)
    ind = Ichimoku()
    rows = [ind.update(*row) for row in zip(*(a.tolist() for a in real), strict=True)]
    incremental = [np.array(line, dtype=np.float64) for line in zip(*rows, strict=True)]
    for k, name in enumerate(IchimokuLines._fields):
        if name == "chikou":
            continue
        assert np.array_equal(batch[k].view(np.uint64), incremental[k].view(np.uint64)), name
    # The incremental chikou is the close, which the batch draws 26 candles back.
    assert np.array_equal(batch.chikou[:-26], incremental[4][26:])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"tenkan": 0}, "tenkan"),
        ({"kijun": -2}, "kijun"),
        ({"senkou_b": 1.5}, "senkou_b"),
        ({"displacement": -1}, "displacement"),
        ({"displacement": 2.0}, "displacement"),
    ],
)
def test_ichimoku_bad_parameters_raise_config_error_with_hint(
    params: dict[str, object], name: str
) -> None:
    with pytest.raises(ConfigError, match=f"{name} must be a whole number") as info:
        ichimoku(HIGH, LOW, CLOSE, **params)  # type: ignore[arg-type]
    assert name in info.value.hint
    with pytest.raises(ConfigError):
        Ichimoku(**params)  # type: ignore[arg-type]
