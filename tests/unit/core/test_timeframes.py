"""Timeframes (core/timeframes.py): CCXT spellings, milliseconds, periods per year."""

from __future__ import annotations

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import MS_PER_YEAR, Timeframe


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1s", 1_000),
        ("30s", 30_000),
        ("1m", 60_000),
        ("5m", 300_000),
        ("15m", 900_000),
        ("1h", 3_600_000),
        ("4h", 14_400_000),
        ("1d", 86_400_000),
        ("1w", 604_800_000),
    ],
)
def test_timeframe_parse_valid_spelling_gives_ms(text: str, ms: int) -> None:
    tf = Timeframe.parse(text)
    assert tf.ms == ms
    assert tf.text == text
    assert str(tf) == text


@pytest.mark.parametrize(("text", "canonical"), [(" 5m ", "5m"), ("05m", "5m"), ("001h", "1h")])
def test_timeframe_parse_padded_spelling_is_normalised(text: str, canonical: str) -> None:
    tf = Timeframe.parse(text)
    assert tf.text == canonical
    assert tf == Timeframe.parse(canonical)


@pytest.mark.parametrize(
    "text",
    ["", "m", "5", "0m", "00h", "-1m", "+5m", "1.5h", "5 m", "5M", "1y", "1mo", "m5", "abc", "5mm"],
)
def test_timeframe_parse_invalid_spelling_raises_config_error(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        Timeframe.parse(text)
    assert info.value.message == f"unknown timeframe {text!r}"
    assert "1m, 5m, 15m, 1h, 4h or 1d" in info.value.hint


def test_timeframe_parse_superscript_digit_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        Timeframe.parse("\u00b2m")


def test_ms_per_year_is_365_days() -> None:
    assert MS_PER_YEAR == 365 * 24 * 3_600_000


@pytest.mark.parametrize(
    ("text", "periods"),
    [("1m", 525_600.0), ("5m", 105_120.0), ("1h", 8_760.0), ("4h", 2_190.0), ("1d", 365.0)],
)
def test_timeframe_periods_per_year_counts_every_day(text: str, periods: float) -> None:
    assert Timeframe.parse(text).periods_per_year == periods


def test_timeframe_periods_per_year_weekly_is_fractional() -> None:
    assert Timeframe.parse("1w").periods_per_year == 365 / 7


def test_timeframe_is_frozen_and_hashable() -> None:
    tf = Timeframe.parse("1h")
    with pytest.raises(AttributeError):
        tf.ms = 1  # type: ignore[misc]
    assert hash(tf) == hash(Timeframe.parse("1h"))
    assert Timeframe.parse("60m") != tf  # same duration, different spelling
