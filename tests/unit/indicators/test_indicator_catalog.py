"""Indicator catalog (indicators/catalog.py): names, parameters, lazy loading, computing."""

from __future__ import annotations

import inspect
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.catalog import CATALOG, IndicatorParam, OutputShape, find
from xor_trading.indicators.donchian import donchian
from xor_trading.indicators.fibonacci import zigzag_levels
from xor_trading.indicators.ichimoku import ichimoku
from xor_trading.indicators.moving_average import sma
from xor_trading.indicators.volume_profile import volume_profile
from xor_trading.indicators.vwap import vwap
from xor_trading.indicators.zigzag import zigzag
from xor_trading.timeseries.candle_frame import CandleFrame

REAL = Path("/work/shared/data/candles/binance_BTC-USDT_1h.parquet")
OURS = ["sma", "vwap", "donchian", "ichimoku", "zigzag", "fibonacci", "volume_profile"]
TALIB_BACKED = ["ema", "wma", "rsi", "macd", "bollinger", "atr", "adx", "stochastic", "obv"]
COLUMNS = {"open", "high", "low", "close", "volume", "ts_ms"}


@pytest.fixture(scope="module")
def frame() -> CandleFrame:
    if not REAL.exists():
        pytest.skip(f"real candles not available: {REAL}")
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(REAL).slice(0, 5_000)
    col = {name: table.column(name).to_numpy() for name in table.column_names}
    return CandleFrame(
        col["timestamp"], col["open"], col["high"], col["low"], col["close"], col["volume"],
        3_600_000,
    )  # fmt: skip


def test_catalog_holds_our_indicators_and_the_talib_backed_ones() -> None:
    assert set(OURS + TALIB_BACKED) == set(CATALOG)
    for name, spec in CATALOG.items():
        assert spec.name == name
        assert spec.summary
        assert spec.outputs
        assert set(spec.inputs) <= COLUMNS
        assert all(p.description for p in spec.all_params)


@pytest.mark.parametrize("name", OURS + TALIB_BACKED)
def test_catalog_entry_matches_its_function_signature(name: str) -> None:
    spec = CATALOG[name]
    if not spec.available:
        pytest.skip(f"{spec.module} is not in this install yet")
    parameters = inspect.signature(spec.load()).parameters
    required = [n for n, p in parameters.items() if p.default is inspect.Parameter.empty]
    required_params = [p.name for p in spec.params if p.name in required]
    assert len(required) == len(spec.inputs) + len(required_params)  # inputs come first
    for param in spec.params:
        assert param.name in parameters
        default = parameters[param.name].default
        if default is not inspect.Parameter.empty:
            assert default == param.default, f"{name}.{param.name}"


def test_find_is_case_insensitive_and_refuses_unknown_names_with_the_list() -> None:
    assert find(" RSI ") is CATALOG["rsi"]
    with pytest.raises(ConfigError, match="unknown indicator 'nope'") as info:
        find("nope")
    assert "sma" in info.value.hint
    assert "volume_profile" in info.value.hint


def test_resolve_fills_defaults_and_coerces_cli_strings() -> None:
    assert CATALOG["sma"].resolve({}) == {"source": "close", "period": 20}
    assert CATALOG["sma"].resolve({"period": " 7 ", "source": "high"}) == {
        "source": "high",
        "period": 7,
    }
    assert CATALOG["zigzag"].resolve({"threshold_pct": "2"}) == {"threshold_pct": 2.0}
    assert CATALOG["volume_profile"].resolve({"start": "-500", "value_area": 0.5}) == {
        "start": -500,
        "bins": 50,
        "value_area": 0.5,
    }


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("sma", {"perod": "3"}, "unknown parameter 'perod' for indicator sma"),
        ("sma", {"period": "2.5"}, "must be a whole number; got '2.5'"),
        ("sma", {"period": "0"}, "must be at least 1; got 0"),
        ("sma", {"period": True}, "cannot be True"),
        ("sma", {"source": "vwap"}, "must be one of open, high, low, close, volume"),
        ("zigzag", {"threshold_pct": "nan"}, "must be a finite number"),
        ("zigzag", {"threshold_pct": "five"}, "must be a finite number"),
        ("vwap", {"session": "4h"}, "must be one of 1d, 1w, none"),
        ("obv", {"period": "3"}, "unknown parameter 'period' for indicator obv"),
    ],
)
def test_resolve_refuses_bad_parameters_with_a_hint(
    name: str, given: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        CATALOG[name].resolve(given)
    assert info.value.hint
    if name == "obv":
        assert info.value.hint == "its parameters are: none"


def test_param_example_and_coerce_of_numbers() -> None:
    param = IndicatorParam("deviations", 2.0, "width")
    assert param.example == "deviations=2.0"
    assert param.coerce(3, "bollinger") == 3.0
    assert param.coerce(np.float64(1.5), "bollinger") == 1.5
    assert IndicatorParam("period", 14, "look-back", 1).coerce(np.int64(9), "rsi") == 9


def test_missing_module_is_reported_as_not_available() -> None:
    ghost = replace(CATALOG["sma"], name="ghost", module="no_such_indicator")
    assert not ghost.available
    with pytest.raises(ConfigError, match="ghost is not available") as info:
        ghost.load()
    assert "xor indicators list" in info.value.hint


def test_compute_our_indicators_equals_calling_them_directly(frame: CandleFrame) -> None:
    f = frame
    lines = CATALOG["sma"].compute(f, {"period": "10", "source": "open"})
    assert isinstance(lines, dict)
    assert np.array_equal(lines["sma"], sma(f.open, 10), equal_nan=True)
    lines = CATALOG["vwap"].compute(f, {"session": "1w"})
    assert isinstance(lines, dict)
    assert np.array_equal(lines["vwap"], vwap(f.high, f.low, f.close, f.volume, f.ts_ms, "1w"))
    lines = CATALOG["donchian"].compute(f, {})
    assert isinstance(lines, dict)
    assert list(lines) == ["upper", "middle", "lower"]
    assert np.array_equal(lines["lower"], donchian(f.high, f.low).lower, equal_nan=True)
    lines = CATALOG["ichimoku"].compute(f, {"displacement": "25"})
    assert isinstance(lines, dict)
    expected = ichimoku(f.high, f.low, f.close, displacement=25)
    for name in CATALOG["ichimoku"].outputs:
        assert np.array_equal(lines[name], getattr(expected, name), equal_nan=True)
    assert CATALOG["zigzag"].compute(f, {"threshold_pct": 3}) == zigzag(f.high, f.low, 3.0)
    assert CATALOG["fibonacci"].compute(f, {}) == zigzag_levels(f.high, f.low)
    profile = CATALOG["volume_profile"].compute(f, {"start": -100, "bins": 10})
    assert profile[2:] == volume_profile(f.high, f.low, f.close, f.volume, -100, None, 10)[2:]


def test_shapes_of_table_indicators() -> None:
    assert CATALOG["zigzag"].shape is OutputShape.SWINGS
    assert CATALOG["fibonacci"].shape is OutputShape.LEVELS
    assert CATALOG["volume_profile"].shape is OutputShape.PROFILE
    assert {CATALOG[n].shape for n in TALIB_BACKED} == {OutputShape.LINES}


@pytest.mark.parametrize("name", TALIB_BACKED)
def test_compute_talib_backed_indicator_gives_one_array_per_output(
    frame: CandleFrame, name: str
) -> None:
    spec = CATALOG[name]
    if not spec.available:
        pytest.skip(f"{spec.module} is not in this install yet")
    lines = spec.compute(frame, {})
    assert isinstance(lines, dict)
    assert list(lines) == list(spec.outputs)
    for values in lines.values():
        assert values.shape == (len(frame),)
        assert not np.isnan(values[-100:]).any()
