"""Strategy parameters (strategy/config.py), with sma_cross's config as the real example."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from xor_trading.core.errors import ConfigError
from xor_trading.strategies.sma_cross import SmaCrossConfig
from xor_trading.strategy.config import StrategyConfig

KNOWN = "known parameters: fast (default 10), slow (default 30)"


class _Cfg(StrategyConfig):
    period: int = Field(default=14, ge=1, le=500, description="Lookback.")
    threshold: float = Field(default=0.5, description="Trigger level.")


def test_parse_params_empty_gives_defaults() -> None:
    cfg = SmaCrossConfig.parse_params({}, "sma_cross")
    assert isinstance(cfg, SmaCrossConfig)
    assert (cfg.fast, cfg.slow) == (10, 30)


def test_parse_params_valid_values_are_used() -> None:
    cfg = SmaCrossConfig.parse_params({"fast": 5, "slow": 20}, "sma_cross")
    assert (cfg.fast, cfg.slow) == (5, 20)  # type: ignore[attr-defined]


def test_parse_params_cli_strings_are_coerced() -> None:
    cfg = SmaCrossConfig.parse_params({"fast": "5", "slow": "50"}, "sma_cross")
    assert (cfg.fast, cfg.slow) == (5, 50)  # type: ignore[attr-defined]


def test_parse_params_unknown_key_raises_config_error_listing_known_parameters() -> None:
    with pytest.raises(ConfigError) as info:
        SmaCrossConfig.parse_params({"fats": 5}, "sma_cross")
    assert info.value.message == "unknown parameter 'fats' for strategy sma_cross"
    assert info.value.hint == KNOWN


def test_parse_params_unknown_key_on_custom_config_lists_its_fields() -> None:
    with pytest.raises(ConfigError) as info:
        _Cfg.parse_params({"perod": 3}, "mine")
    assert info.value.message == "unknown parameter 'perod' for strategy mine"
    assert info.value.hint == "known parameters: period (default 14), threshold (default 0.5)"


def test_parse_params_unparsable_value_raises_config_error_naming_key() -> None:
    with pytest.raises(ConfigError) as info:
        SmaCrossConfig.parse_params({"fast": "ten"}, "sma_cross")
    assert info.value.message.startswith("invalid parameter 'fast' for strategy sma_cross: ")
    assert "valid integer" in info.value.message
    assert info.value.hint == KNOWN


@pytest.mark.parametrize(
    ("params", "key", "fragment"),
    [
        ({"fast": 0}, "fast", "greater than or equal to 1"),
        ({"slow": 1}, "slow", "greater than or equal to 2"),
        ({"slow": 10_001}, "slow", "less than or equal to 10000"),
        ({"fast": 2.5}, "fast", "integer"),
    ],
)
def test_parse_params_out_of_range_value_raises_config_error(
    params: dict[str, object], key: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as info:
        SmaCrossConfig.parse_params(params, "sma_cross")
    assert info.value.message.startswith(f"invalid parameter {key!r} for strategy sma_cross: ")
    assert fragment in info.value.message


@pytest.mark.parametrize(("fast", "slow"), [(30, 30), (31, 30), (50, 20)])
def test_parse_params_sma_cross_fast_not_below_slow_is_refused(fast: int, slow: int) -> None:
    with pytest.raises(ConfigError) as info:
        SmaCrossConfig.parse_params({"fast": fast, "slow": slow}, "sma_cross")
    assert f"fast ({fast}) must be smaller than slow ({slow})" in info.value.message
    assert info.value.message.startswith("invalid parameter 'parameters' for strategy sma_cross")
    assert info.value.hint == KNOWN


def test_parse_params_sma_cross_fast_just_below_slow_is_accepted() -> None:
    cfg = SmaCrossConfig.parse_params({"fast": 29, "slow": 30}, "sma_cross")
    assert (cfg.fast, cfg.slow) == (29, 30)  # type: ignore[attr-defined]


def test_parse_params_errors_do_not_chain_the_validation_error() -> None:
    with pytest.raises(ConfigError) as info:
        SmaCrossConfig.parse_params({"fast": "x"}, "sma_cross")
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


def test_strategy_config_is_frozen() -> None:
    cfg = SmaCrossConfig()
    with pytest.raises(ValidationError):
        cfg.fast = 3  # type: ignore[misc]


def test_strategy_config_json_schema_exposes_bounds_and_descriptions() -> None:
    props = SmaCrossConfig.model_json_schema()["properties"]
    assert props["fast"]["minimum"] == 1
    assert props["fast"]["maximum"] == 10_000
    assert props["fast"]["default"] == 10
    assert props["slow"]["minimum"] == 2
    assert props["slow"]["description"] == "Slow SMA period, in candles."
    assert SmaCrossConfig.model_json_schema()["additionalProperties"] is False
