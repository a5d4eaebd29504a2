"""The TA-Lib boundary (indicators/talib_backend.py): errors, inputs, fma, sole importer."""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.indicators import talib_backend
from xor_trading.indicators.talib_backend import MAX_PERIOD, fma, validate_period

SRC = Path(__file__).resolve().parents[3] / "src" / "xor_trading"


def _exact_fma(a: float, b: float, c: float) -> float:
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def test_talib_backend_is_the_only_module_importing_talib() -> None:
    pattern = re.compile(r"^\s*(import talib|from talib\b)", re.MULTILINE)
    importers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )
    assert importers == ["indicators/talib_backend.py"]


def test_talib_backend_refused_parameter_raises_config_error_with_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        talib_backend.ema(np.ones(5), 0)  # bypasses validate_period: TA-Lib itself refuses
    assert "TA_BAD_PARAM" in caught.value.message
    assert caught.value.hint


def test_talib_backend_columns_of_different_lengths_raise_data_error() -> None:
    with pytest.raises(DataError):
        talib_backend.atr(np.ones(5), np.ones(5), np.ones(4), 2)


def test_talib_backend_two_dimensional_input_raises_data_error() -> None:
    with pytest.raises(DataError):
        talib_backend.sma(np.ones((3, 3)), 2)


def test_talib_backend_accepts_lists_ints_and_strided_views() -> None:
    assert talib_backend.sma([1, 2, 3, 4], 2)[1:].tolist() == [1.5, 2.5, 3.5]
    strided = np.array([1.0, 99.0, 2.0, 99.0, 3.0, 99.0])[::2]
    out = talib_backend.ema(strided, 3)
    assert out.dtype == np.float64
    assert out[2] == 2.0


def test_talib_backend_empty_input_gives_empty_output() -> None:
    assert talib_backend.rsi(np.array([], dtype=np.float64), 14).shape == (0,)


@pytest.mark.parametrize("value", [1, 14, MAX_PERIOD, np.int64(5)])
def test_validate_period_in_range_returns_an_int(value) -> None:
    result = validate_period("period", value, 1)
    assert result == int(value)
    assert type(result) is int


@pytest.mark.parametrize("value", [0, -1, MAX_PERIOD + 1, 2.0, True, "3", None])
def test_validate_period_out_of_range_or_not_an_int_raises_config_error(value) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_period("period", value, 1)
    assert caught.value.hint


def test_validate_period_minimum_2_refuses_1() -> None:
    with pytest.raises(ConfigError, match="between 2 and"):
        validate_period("period", 1, 2)


def test_fma_random_operands_equal_the_exactly_rounded_value() -> None:
    rng = random.Random(20240611)
    for _ in range(20_000):
        a = rng.uniform(-1e4, 1e4) * 10.0 ** rng.randint(-20, 20)
        b = rng.uniform(-2.0, 2.0)
        c = rng.uniform(-1e5, 1e5) * 10.0 ** rng.randint(-20, 20)
        assert fma(a, b, c) == _exact_fma(a, b, c)


def test_fma_ema_like_operands_equal_the_exactly_rounded_value() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        previous = round(rng.uniform(100.0, 70_000.0), 2)
        value = round(previous + rng.gauss(0.0, 50.0), 2)
        k = 2.0 / (rng.randint(2, 200) + 1)
        assert fma(value - previous, k, previous) == _exact_fma(value - previous, k, previous)


def test_fma_differs_from_two_roundings_where_c_does() -> None:
    # a * b = 1 - 2**-54 exactly: two roundings give 0.0, one rounding gives -2**-54
    a = 1.0 + 2.0**-27
    b = 1.0 - 2.0**-27
    assert a * b - 1.0 == 0.0
    assert fma(a, b, -1.0) == -(2.0**-54)


def test_fma_exact_cancellation_gives_positive_zero() -> None:
    result = fma(3.0, 0.5, -1.5)
    assert result == 0.0
    assert math.copysign(1.0, result) == 1.0


def test_fma_non_finite_operands_follow_ieee() -> None:
    assert fma(math.inf, 2.0, 1.0) == math.inf
    assert math.isnan(fma(math.nan, 1.0, 1.0))
    assert math.isnan(fma(math.inf, 0.0, 1.0))
