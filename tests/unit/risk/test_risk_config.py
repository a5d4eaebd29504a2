"""RiskConfig (risk/config.py): defaults, refused values with sentences, from_pairs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from xor_trading.core.errors import ConfigError
from xor_trading.risk.config import RiskConfig

KNOWN = (
    "enabled, max_position_pct, max_risk_per_trade_pct, max_open_positions, "
    "max_entries_per_day, max_leverage, max_order_notional, max_correlation, "
    "correlation_window, max_positions_per_cluster, daily_loss_limit_pct, max_drawdown_pct, "
    "stop_loss_streak, cooldown_minutes"
)


def test_risk_config_defaults_are_the_issue_numbers() -> None:
    c = RiskConfig()
    assert c.enabled is True
    assert c.max_position_pct == Decimal(5)
    assert c.max_risk_per_trade_pct == Decimal(2)
    assert c.max_open_positions == 5
    assert c.max_entries_per_day == 10
    assert c.max_leverage == Decimal(10)
    assert c.max_order_notional is None
    assert c.max_correlation == 0.7
    assert c.correlation_window == 100
    assert c.max_positions_per_cluster == 2
    assert c.daily_loss_limit_pct == Decimal(3)
    assert c.max_drawdown_pct == Decimal(10)
    assert c.stop_loss_streak == 3
    assert c.cooldown_minutes == 240


def test_risk_config_disabled_turns_off_with_default_values() -> None:
    c = RiskConfig.disabled()
    assert c.enabled is False
    assert c.model_dump(exclude={"enabled"}) == RiskConfig().model_dump(exclude={"enabled"})


def test_risk_config_is_frozen() -> None:
    with pytest.raises(ValidationError):
        RiskConfig().max_open_positions = 7  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"max_risk_per_trade_pct": 3, "max_position_pct": 2},
            "max_risk_per_trade_pct (3) cannot exceed max_position_pct (2): a trade cannot risk "
            "more than the position it opens",
        ),
        (
            {"max_position_pct": 150, "max_leverage": 1},
            "max_position_pct (150) cannot exceed max_leverage (1) x 100 %: one position that "
            "size would break the leverage limit on its own",
        ),
        (
            {"daily_loss_limit_pct": 12, "max_drawdown_pct": 10},
            "daily_loss_limit_pct (12) cannot exceed max_drawdown_pct (10): a day's loss is also "
            "a drawdown, so the drawdown breaker would always halt the bot before the daily "
            "limit trips",
        ),
    ],
)
def test_risk_config_contradiction_raises_config_error_naming_both_values(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.model_validate(values)
    assert err.value.message == message
    assert err.value.hint == "see docs/risk.md, section Configuration"


def test_risk_config_equal_limits_are_not_a_contradiction() -> None:
    c = RiskConfig(max_risk_per_trade_pct=Decimal(5), daily_loss_limit_pct=Decimal(10))
    assert c.max_risk_per_trade_pct == c.max_position_pct
    assert RiskConfig(max_position_pct=Decimal(100), max_leverage=Decimal(1)).max_leverage == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_position_pct", -1, "max_position_pct (-1) is out of range: it must be a percent of "
         "equity above 0"),
        ("max_risk_per_trade_pct", 0, "max_risk_per_trade_pct (0) is out of range: it must be a "
         "percent of equity above 0, at most 100"),
        ("max_open_positions", 0, "max_open_positions (0) is out of range: it must be a count "
         "from 1 to 10000"),
        ("max_entries_per_day", -3, "max_entries_per_day (-3) is out of range: it must be a "
         "count from 1 to 100000"),
        ("max_leverage", 500, "max_leverage (500) is out of range: it must be above 0 and at "
         "most 125 (no venue lends more)"),
        ("max_order_notional", 0, "max_order_notional (0) is out of range: it must be an amount "
         "of quote currency above 0"),
        ("max_correlation", 1.5, "max_correlation (1.5) is out of range: it must be a "
         "correlation above 0 and at most 1"),
        ("max_correlation", float("nan"), "max_correlation (nan) is out of range: it must be a "
         "correlation above 0 and at most 1"),
        ("correlation_window", 5, "correlation_window (5) is out of range: it must be from 10 "
         "to 10000 candles of returns"),
        ("max_positions_per_cluster", 0, "max_positions_per_cluster (0) is out of range: it "
         "must be a count from 1 to 10000"),
        ("max_drawdown_pct", 100, "max_drawdown_pct (100) is out of range: it must be a percent "
         "above 0 and below 100"),
        ("stop_loss_streak", 0, "stop_loss_streak (0) is out of range: it must be a count from "
         "1 to 1000"),
        ("cooldown_minutes", -1, "cooldown_minutes (-1) is out of range: it must be from 0 to "
         "43200 minutes (30 days)"),
    ],
)  # fmt: skip
def test_risk_config_absurd_value_raises_config_error_naming_it(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.model_validate({field: value})
    assert err.value.message == message


def test_risk_config_reports_every_absurd_value_at_once_and_skips_contradictions() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig(max_leverage=Decimal(-1), max_open_positions=0)
    assert err.value.message == (
        "max_open_positions (0) is out of range: it must be a count from 1 to 10000; "
        "max_leverage (-1) is out of range: it must be above 0 and at most 125 (no venue lends "
        "more)"
    )


def test_risk_config_wrong_type_raises_config_error_naming_key_and_value() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.model_validate({"max_open_positions": "many"})
    assert err.value.message == (
        "max_open_positions ('many') is not valid: input should be a valid integer, unable to "
        "parse string as an integer"
    )


def test_risk_config_unknown_keyword_raises_config_error_listing_known_keys() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.model_validate({"max_positions": 3})
    assert err.value.message == f"unknown risk setting 'max_positions' (known keys: {KNOWN})"


def test_risk_from_pairs_applies_values_with_their_types() -> None:
    c = RiskConfig.from_pairs(
        [
            "max_open_positions=3",
            "max_position_pct=2.5",
            "max_risk_per_trade_pct = 1",
            "max-correlation=0.8",
            "max_order_notional=250",
            "enabled=false",
        ]
    )
    assert c.max_open_positions == 3
    assert c.max_position_pct == Decimal("2.5")
    assert c.max_risk_per_trade_pct == Decimal(1)
    assert c.max_correlation == 0.8
    assert c.max_order_notional == Decimal(250)
    assert c.enabled is False
    assert c.max_leverage == Decimal(10)  # untouched keys keep the default


def test_risk_from_pairs_starts_from_base_and_none_removes_the_order_cap() -> None:
    base = RiskConfig(max_order_notional=Decimal(100), max_open_positions=2)
    c = RiskConfig.from_pairs(["max_order_notional=none"], base=base)
    assert c.max_order_notional is None
    assert c.max_open_positions == 2
    assert RiskConfig.from_pairs([], base=base) == base


def test_risk_from_pairs_unknown_key_suggests_and_lists_known_keys() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_pairs(["max_positions=3"])
    assert err.value.message == (
        "unknown risk setting 'max_positions' (did you mean 'max_open_positions'?)"
    )
    assert err.value.hint == f"known keys: {KNOWN}"


def test_risk_from_pairs_unknown_key_without_a_close_match() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_pairs(["zzz=1"])
    assert err.value.message == "unknown risk setting 'zzz'"
    assert err.value.hint == f"known keys: {KNOWN}"


@pytest.mark.parametrize("pair", ["max_open_positions", "=3", ""])
def test_risk_from_pairs_without_key_or_equals_sign_raises(pair: str) -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_pairs([pair])
    assert err.value.message == f"risk setting {pair!r} is not of the form key=value"
    assert err.value.hint == f"for example max_open_positions=3; known keys: {KNOWN}"


def test_risk_from_pairs_repeated_key_raises() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_pairs(["max_open_positions=3", "max-open-positions=4"])
    assert err.value.message == "risk setting 'max_open_positions' is given twice"


def test_risk_from_pairs_bad_value_raises_naming_key_and_value() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_pairs(["max_leverage=lots"])
    assert err.value.message == (
        "max_leverage ('lots') is not valid: input should be a valid decimal"
    )


def test_risk_from_pairs_contradiction_with_the_base_names_both_values() -> None:
    base = RiskConfig(max_position_pct=Decimal(2), max_risk_per_trade_pct=Decimal(1))
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_pairs(["max_risk_per_trade_pct=3"], base=base)
    assert err.value.message == (
        "max_risk_per_trade_pct (3) cannot exceed max_position_pct (2): a trade cannot risk "
        "more than the position it opens"
    )
