"""A bot's configuration: validated as a whole, stored complete, compared for step-up.

:func:`parse_bot_config` turns what a user sends into a :class:`BotConfig` or raises
:class:`~xor_trading.core.errors.InputError` (422) with one sentence: the strategy's own
parameter check, the venue catalog for symbols, the risk engine's sentence for
contradictory limits. The stored form (:func:`config_to_json`) is complete: every default
is written out, so a bot's behaviour never changes because a default changed later, and a
rollback restores exactly what ran.

:func:`step_up_reasons` says why a change needs a fresh MFA verification (S9): the bot goes
live, or a risk limit becomes looser (:func:`risk_raises`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from xor_trading.core.errors import InputError, NotFoundError
from xor_trading.core.timeframes import Timeframe
from xor_trading.exchanges.simulated.catalog import (
    available_exchanges,
    exchange_fee_asset,
    list_instruments,
)
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.exchanges.simulated.fill_models import FeeSchedule, VenueConfig
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import bots as bots_repo
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exit_manager import ExitConfig
from xor_trading.risk.position_sizer import SizingConfig
from xor_trading.strategy.registry import get_strategy

__all__ = [
    "MAX_SYMBOLS",
    "MAX_SYMBOL_LENGTH",
    "SUPPORTED_TIMEFRAMES",
    "BotConfig",
    "BotMode",
    "config_to_json",
    "merge_changes",
    "parse_bot_config",
    "risk_profile",
    "risk_raises",
    "step_up_reasons",
    "verify_credential",
]

MAX_SYMBOLS = 50
"""Symbols one bot may trade (each one is a candle stream for the runtime)."""

MAX_SYMBOL_LENGTH = 32
"""Longer than any listed symbol; longer input is refused before it is looked up or quoted."""

SUPPORTED_TIMEFRAMES = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h",
                        "1d", "3d", "1w")  # fmt: skip
"""Candle intervals a bot may run on: Binance's kline intervals (CCXT spelling), minus the
calendar month that :class:`~xor_trading.core.timeframes.Timeframe` cannot express."""

_SECTIONS = ("params", "risk", "sizing", "exits")  # nested objects a change merges into


class BotMode(StrEnum):
    """Paper trades against simulated fills and never loads keys; live sends real orders."""

    PAPER = "paper"
    LIVE = "live"


class BotConfig(BaseModel):
    """Everything a bot needs to run, validated together; unknown keys are refused.

    Field order matters: each check may use the fields above it (``params`` needs
    ``strategy``, ``symbols`` needs ``exchange``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64, description="Unique among your bots.")
    strategy: str = Field(min_length=1, max_length=64, description="A name from GET /strategies.")
    params: dict[str, Any] = Field(
        default_factory=dict,
        validate_default=True,  # no params at all still means "every default, written out"
        description="The strategy's parameters (its JSON Schema); missing ones take defaults.",
    )
    exchange: str = Field(default="binance", description="Venue whose market catalog applies.")
    symbols: tuple[Annotated[str, Field(max_length=MAX_SYMBOL_LENGTH)], ...] = Field(
        min_length=1, max_length=MAX_SYMBOLS, description="CCXT symbols, e.g. BTC/USDT."
    )
    timeframe: str = Field(
        description=f"Candle interval, one of {', '.join(SUPPORTED_TIMEFRAMES)}."
    )
    mode: BotMode = Field(default=BotMode.PAPER, description="paper or live (live needs a key).")
    paper_fee_asset: FeeAsset = Field(
        default=FeeAsset.QUOTE,  # replaced by the exchange's convention when not given
        description="Paper mode: asset the simulated fills charge fees in, quote or received "
        "(base on a buy, quote on a sell); default: the exchange's, so paper pays what live "
        "pays (Binance: received). Live bots pay what the exchange charges.",
    )
    exchange_credential_id: str | None = Field(
        default=None, description="Your exchange key for live mode (GET /exchange-keys)."
    )
    risk: RiskConfig = Field(default_factory=RiskConfig, description="Risk limits.")
    sizing: SizingConfig = Field(default_factory=SizingConfig, description="Entry sizing.")
    exits: ExitConfig = Field(default_factory=ExitConfig, description="Protective exits.")

    @model_validator(mode="before")
    @classmethod
    def _exchange_fee_asset_by_default(cls, data: Any) -> Any:
        """No ``paper_fee_asset`` (or null): the exchange's convention, written out, so the
        stored form says what runs (ADR 0024). An unknown exchange is refused below."""
        if not isinstance(data, Mapping) or data.get("paper_fee_asset") is not None:
            return data
        exchange = data.get("exchange", cls.model_fields["exchange"].default)
        if not isinstance(exchange, str) or exchange.strip().lower() not in available_exchanges():
            return data
        return {**data, "paper_fee_asset": exchange_fee_asset(exchange.strip().lower()).value}

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        if not value.isprintable():
            raise InputError(
                "bot name contains control characters",
                "use letters, digits, spaces and punctuation",
            )
        return value

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        get_strategy(value)  # ConfigError (422) naming the known strategies
        return value

    @field_validator("params")
    @classmethod
    def _strategy_params(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        strategy = info.data.get("strategy")
        if strategy is None:  # missing: pydantic reports that; an unknown one raised above
            return value
        config = get_strategy(strategy).config_class.parse_params(value, strategy)
        # Complete and in JSON form, so that the stored version is exactly what will run.
        return config.model_dump(mode="json")

    @field_validator("exchange")
    @classmethod
    def _known_exchange(cls, value: str) -> str:
        value = value.lower()
        known = available_exchanges()
        if value not in known:
            raise InputError(
                f"unknown exchange {value!r}: no market catalog for it",
                f"use one of: {', '.join(known)}",
            )
        return value

    @field_validator("symbols")
    @classmethod
    def _listed_symbols(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        exchange = info.data.get("exchange")
        if exchange is None:  # not a string: pydantic reports that
            return value
        listed = [str(i.symbol) for i in list_instruments(exchange)]
        known = set(listed)
        seen: set[str] = set()
        for raw in value:
            symbol = raw.strip().upper()
            if symbol not in known:
                examples = ", ".join(listed[:5])
                raise InputError(
                    f"symbol {raw!r} is not listed on {exchange}",
                    f"use CCXT spelling BASE/QUOTE; listed symbols include {examples} "
                    f"({len(listed)} in all)",
                )
            if symbol in seen:
                raise InputError(f"symbol {symbol} is given twice", "list each symbol once")
            seen.add(symbol)
        return tuple(s.strip().upper() for s in value)

    @field_validator("timeframe")
    @classmethod
    def _supported_timeframe(cls, value: str) -> str:
        text = Timeframe.parse(value).text  # ConfigError (422) for what is not a timeframe
        if text not in SUPPORTED_TIMEFRAMES:
            raise InputError(
                f"timeframe {value!r} is not offered by the exchange",
                f"use one of: {', '.join(SUPPORTED_TIMEFRAMES)}",
            )
        return text

    def paper_venue_config(self) -> VenueConfig:
        """The fill model of this bot's paper venue: the default fees (10 bps maker and
        taker), charged in :attr:`paper_fee_asset`."""
        return VenueConfig(fees=FeeSchedule(asset=self.paper_fee_asset))

    @model_validator(mode="after")
    def _live_needs_key(self) -> BotConfig:
        if self.mode is BotMode.LIVE and self.exchange_credential_id is None:
            raise InputError(
                "a live bot needs exchange_credential_id: the key it trades with",
                "add a key (POST /api/v1/exchange-keys) and give its id, or use mode paper",
            )
        return self


def _pydantic_sentence(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "configuration"
    if err["type"] == "extra_forbidden":
        return f"unknown field {where!r} in the bot configuration"
    if err["type"] == "missing":
        return f"{where} is required"
    return f"{where}: {err['msg']}"


def parse_bot_config(data: Mapping[str, Any]) -> BotConfig:
    """``data`` validated as a bot configuration; raises :class:`InputError` (422) with one
    sentence naming the field and what is wrong with it.

    Strategy parameters, symbols, timeframe and risk limits raise their own sentences
    (the strategy's parameter check, the venue catalog, the risk engine); anything else
    pydantic refuses is reported as ``<field path>: <pydantic's message>``.
    """
    try:
        return BotConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(
            _pydantic_sentence(exc), "see the JSON Schema of the strategy (GET /api/v1/strategies)"
        ) from None


def config_to_json(config: BotConfig) -> str:
    """The stored form: complete, Decimals as exact strings, keys in field order."""
    return json.dumps(config.model_dump(mode="json"), separators=(",", ":"))


def merge_changes(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration ``current`` (stored form) with ``changes`` applied.

    Top-level keys replace; ``risk``, ``sizing``, ``exits`` and ``params`` merge key by key,
    so a change names only what changes. A change of strategy starts ``params`` afresh
    (the old parameters belong to the old strategy); a change of exchange takes the new
    exchange's ``paper_fee_asset`` unless the change names one. The result still has to be
    validated.
    """
    merged = dict(current)
    strategy_changes = "strategy" in changes and changes["strategy"] != current.get("strategy")
    for key, value in changes.items():
        if key in _SECTIONS and isinstance(value, Mapping):
            if key == "params" and strategy_changes:
                merged[key] = dict(value)
            else:
                merged[key] = {**dict(current.get(key) or {}), **dict(value)}
        else:
            merged[key] = value
    if strategy_changes and "params" not in changes:
        merged["params"] = {}
    exchange_changes = "exchange" in changes and changes["exchange"] != current.get("exchange")
    if exchange_changes and changes.get("paper_fee_asset") is None:
        merged.pop("paper_fee_asset", None)  # the new exchange's convention
    return merged


def verify_credential(session: DbSession, owner_id: str, config: BotConfig) -> None:
    """Check that ``config``'s exchange key is ``owner_id``'s and for its exchange.

    Someone else's key is reported as not found, exactly like a key that does not exist (S1).
    """
    credential_id = config.exchange_credential_id
    if credential_id is None:
        return
    exchange = bots_repo.credential_exchange(session, owner_id, credential_id)
    if exchange is None:
        raise NotFoundError(
            f"exchange key {credential_id} not found",
            "list your keys with GET /api/v1/exchange-keys",
        )
    if exchange != config.exchange:
        raise InputError(
            f"exchange key {credential_id} is for {exchange}, but the bot trades on "
            f"{config.exchange}",
            "choose a key of the bot's exchange",
        )


def risk_profile(risk: RiskConfig) -> str:
    """``disabled``, ``default`` (every limit at its default) or ``custom``."""
    if not risk.enabled:
        return "disabled"
    return "default" if risk == RiskConfig() else "custom"


# Limits where a larger value lets the bot lose more (or trade more); cooldown_minutes is
# the one where a smaller value does. correlation_window is a measurement, not a limit.
_LARGER_IS_LOOSER = (
    "max_position_pct",
    "max_risk_per_trade_pct",
    "max_open_positions",
    "max_entries_per_day",
    "max_leverage",
    "max_correlation",
    "max_positions_per_cluster",
    "daily_loss_limit_pct",
    "max_drawdown_pct",
    "stop_loss_streak",
)


def risk_raises(old: RiskConfig, new: RiskConfig) -> list[str]:
    """Each limit that ``new`` loosens compared with ``old``, as ``"name old -> new"``.

    Turning the limits off, removing or raising ``max_order_notional``, any larger value
    of the limits above and a shorter cooldown are raises. Going from disabled limits to
    enabled ones is never a raise, whatever the values.
    """
    if not old.enabled:
        return []
    if not new.enabled:
        return ["risk limits turned off"]
    raises = [
        f"{name} {getattr(old, name)} -> {getattr(new, name)}"
        for name in _LARGER_IS_LOOSER
        if getattr(new, name) > getattr(old, name)
    ]
    old_cap, new_cap = old.max_order_notional, new.max_order_notional
    if old_cap is not None and (new_cap is None or new_cap > old_cap):
        raises.append(
            f"max_order_notional {old_cap} -> {new_cap if new_cap is not None else 'none'}"
        )
    if new.cooldown_minutes < old.cooldown_minutes:
        raises.append(f"cooldown_minutes {old.cooldown_minutes} -> {new.cooldown_minutes}")
    return raises


def step_up_reasons(previous: Mapping[str, Any] | None, new: BotConfig) -> list[str]:
    """Why saving ``new`` over ``previous`` (the stored form in force; None for a new bot)
    needs a fresh MFA verification; empty when it does not.

    A new bot needs it only when it is live: a paper bot risks no money, and switching it
    to live later needs the step-up anyway.
    """
    reasons = []
    previous_mode = BotMode(previous["mode"]) if previous is not None else None
    if new.mode is BotMode.LIVE and previous_mode is not BotMode.LIVE:
        reasons.append("the bot goes live")
    if previous is not None:
        reasons.extend(risk_raises(RiskConfig.model_validate(previous["risk"]), new.risk))
    return reasons
