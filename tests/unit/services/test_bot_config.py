"""Bot configuration rules that need no database (services/bot_config.py): what counts as
loosening a risk limit, how a change merges, what the stored form holds."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from xor_trading.core.errors import InputError
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.exchanges.simulated.fill_models import FeeSchedule
from xor_trading.risk.config import RiskConfig
from xor_trading.services.bot_config import (
    config_to_json,
    merge_changes,
    parse_bot_config,
    risk_profile,
    risk_raises,
    step_up_reasons,
)

BASE: dict[str, Any] = {
    "name": "b",
    "strategy": "sma_cross",
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
}


def test_risk_raises_names_each_loosened_limit() -> None:
    old = RiskConfig()
    new = RiskConfig(max_leverage=Decimal(20), cooldown_minutes=10, max_position_pct=Decimal(4))
    assert risk_raises(old, new) == ["max_leverage 10 -> 20", "cooldown_minutes 240 -> 10"]


def test_tighter_equal_or_unrelated_changes_are_not_raises() -> None:
    old = RiskConfig()
    assert risk_raises(old, RiskConfig()) == []
    assert risk_raises(old, RiskConfig(max_leverage=Decimal("10.0"))) == []  # same value
    assert risk_raises(old, RiskConfig(correlation_window=500)) == []  # a measurement
    assert risk_raises(old, RiskConfig(max_order_notional=Decimal(500))) == []  # a new cap


@pytest.mark.parametrize(
    ("old_cap", "new_cap", "expected"),
    [
        (Decimal(500), None, ["max_order_notional 500 -> none"]),
        (Decimal(500), Decimal(800), ["max_order_notional 500 -> 800"]),
        (Decimal(500), Decimal(100), []),
        (None, None, []),
    ],
)
def test_order_notional_cap(
    old_cap: Decimal | None, new_cap: Decimal | None, expected: list[str]
) -> None:
    old = RiskConfig(max_order_notional=old_cap)
    assert risk_raises(old, RiskConfig(max_order_notional=new_cap)) == expected


def test_turning_limits_off_is_a_raise_and_back_on_is_not() -> None:
    assert risk_raises(RiskConfig(), RiskConfig.disabled()) == ["risk limits turned off"]
    loose = RiskConfig(max_leverage=Decimal(100), max_position_pct=Decimal(50))
    assert risk_raises(RiskConfig.disabled(), loose) == []


def test_step_up_reasons() -> None:
    paper = parse_bot_config(BASE)
    stored = json.loads(config_to_json(paper))
    assert step_up_reasons(None, paper) == []
    live = parse_bot_config({**BASE, "mode": "live", "exchange_credential_id": "k"})
    assert step_up_reasons(None, live) == ["the bot goes live"]
    assert step_up_reasons(stored, live) == ["the bot goes live"]
    assert step_up_reasons(json.loads(config_to_json(live)), live) == []
    looser = parse_bot_config({**BASE, "risk": {"max_open_positions": 9}})
    assert step_up_reasons(stored, looser) == ["max_open_positions 5 -> 9"]


def test_merge_changes_merges_sections_and_replaces_the_rest() -> None:
    current = json.loads(config_to_json(parse_bot_config(BASE)))
    merged = merge_changes(current, {"params": {"fast": 3}, "symbols": ["ETH/USDT"]})
    assert merged["params"] == {"fast": 3, "slow": 30}
    assert merged["symbols"] == ["ETH/USDT"]
    assert merged["risk"] == current["risk"]
    # Another strategy: its parameters start from nothing (defaults after validation).
    assert merge_changes(current, {"strategy": "grid"})["params"] == {}
    assert merge_changes(current, {"strategy": "grid", "params": {"x": 1}})["params"] == {"x": 1}
    # The same strategy named again keeps merging.
    assert merge_changes(current, {"strategy": "sma_cross", "params": {"slow": 40}})["params"] == {
        "fast": 10,
        "slow": 40,
    }


def test_stored_form_is_complete_exact_and_round_trips() -> None:
    config = parse_bot_config({**BASE, "risk": {"max_order_notional": "1234.50"}})
    stored = json.loads(config_to_json(config))
    assert list(stored) == [
        "name",
        "strategy",
        "params",
        "exchange",
        "symbols",
        "timeframe",
        "mode",
        "paper_fee_asset",
        "exchange_credential_id",
        "risk",
        "sizing",
        "exits",
    ]
    assert stored["risk"]["max_order_notional"] == "1234.50"  # exact, not a float
    assert parse_bot_config(stored) == config
    assert config_to_json(parse_bot_config(stored)) == config_to_json(config)
    assert risk_profile(config.risk) == "custom"
    assert risk_profile(parse_bot_config(BASE).risk) == "default"
    assert risk_profile(RiskConfig.disabled()) == "disabled"


def test_parse_reports_missing_and_unknown_fields() -> None:
    with pytest.raises(InputError, match=r"^symbols is required$"):
        parse_bot_config({k: v for k, v in BASE.items() if k != "symbols"})
    with pytest.raises(InputError, match=r"^unknown field 'owner_id' in the bot configuration$"):
        parse_bot_config({**BASE, "owner_id": "x"})
    with pytest.raises(InputError, match=r"^strategy is required$"):
        parse_bot_config({k: v for k, v in BASE.items() if k != "strategy"})


def test_paper_fee_asset_defaults_to_the_exchanges_convention_written_out() -> None:
    # Binance charges a spot buy's commission in the base asset (markets/binance.json).
    config = parse_bot_config(BASE)
    assert config.paper_fee_asset is FeeAsset.RECEIVED
    assert json.loads(config_to_json(config))["paper_fee_asset"] == "received"
    assert parse_bot_config({**BASE, "paper_fee_asset": None}).paper_fee_asset is FeeAsset.RECEIVED
    quote = parse_bot_config({**BASE, "paper_fee_asset": "quote"})
    assert quote.paper_fee_asset is FeeAsset.QUOTE
    assert quote.paper_venue_config().fees == FeeSchedule(
        maker_bps=Decimal(10), taker_bps=Decimal(10), asset=FeeAsset.QUOTE
    )
    assert config.paper_venue_config().fees.asset is FeeAsset.RECEIVED
    with pytest.raises(InputError, match=r"^paper_fee_asset: Input should be 'quote' or"):
        parse_bot_config({**BASE, "paper_fee_asset": "base"})


def test_merge_changes_of_exchange_takes_the_new_exchanges_fee_asset() -> None:
    current = json.loads(config_to_json(parse_bot_config({**BASE, "paper_fee_asset": "quote"})))
    assert merge_changes(current, {"symbols": ["ETH/USDT"]})["paper_fee_asset"] == "quote"
    assert merge_changes(current, {"exchange": "binance"})["paper_fee_asset"] == "quote"
    assert "paper_fee_asset" not in merge_changes(current, {"exchange": "other"})
    changed = merge_changes(current, {"exchange": "other", "paper_fee_asset": "quote"})
    assert changed["paper_fee_asset"] == "quote"
