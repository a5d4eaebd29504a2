"""Bots: create and update bodies (configuration only), public views, versions, history.

The bodies check shapes and sizes; what a value means (the strategy's parameters, the
venue's symbols, coherent risk limits) is checked by the bot service, which answers 422
with the sentence of the component that knows (see services/bot_config.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.domain.bot_lifecycle import BotState
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.services.bot_config import (
    MAX_SYMBOL_LENGTH,
    MAX_SYMBOLS,
    SUPPORTED_TIMEFRAMES,
    BotMode,
)
from xor_trading.services.private_stream_status import BotStreamState

Symbol = Annotated[str, Field(min_length=1, max_length=MAX_SYMBOL_LENGTH)]

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""What a row id may look like (ids are UUID4 strings); anything else is refused early."""

_SECTION = "Only the keys to change; the others keep their current values (on creation: defaults)."


class _Reason(StrictInput):
    reason: str | None = Field(
        default=None,
        max_length=255,
        description="Why: kept with the new version or state change (default: the action).",
    )


class BotCreate(StrictInput):
    """A new bot. Only the fields below; ids, owner and state are set by the server."""

    name: str = Field(min_length=1, max_length=64, description="Unique among your bots.")
    strategy: str = Field(
        min_length=1, max_length=64, description="A strategy name from GET /api/v1/strategies."
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Strategy parameters, as its JSON Schema describes; missing: defaults.",
    )
    symbols: list[Symbol] = Field(
        min_length=1,
        max_length=MAX_SYMBOLS,
        description="CCXT symbols listed by the exchange, e.g. BTC/USDT.",
    )
    timeframe: str = Field(
        max_length=8, description=f"Candle interval: {', '.join(SUPPORTED_TIMEFRAMES)}."
    )
    mode: BotMode = Field(
        default=BotMode.PAPER, description="paper, or live (needs a key and a fresh MFA)."
    )
    exchange: str = Field(default="binance", max_length=32, description="The venue.")
    paper_fee_asset: FeeAsset | None = Field(
        default=None,
        description="Paper mode: fees in the quote, or in the asset received (base on a buy, "
        "quote on a sell); null: the exchange's convention (Binance: received).",
    )
    exchange_credential_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="Your exchange key, required for live."
    )
    risk: dict[str, Any] = Field(
        default_factory=dict, description="Risk limits differing from the defaults."
    )
    sizing: dict[str, Any] = Field(
        default_factory=dict, description="Entry sizing differing from the defaults."
    )
    exits: dict[str, Any] = Field(
        default_factory=dict, description="Protective exits differing from the defaults."
    )


class BotUpdate(_Reason):
    """A change of configuration: give only what changes. Saved as a new version.

    Going live or loosening a risk limit needs a fresh MFA verification (403 mfa_required).
    """

    name: str | None = Field(default=None, min_length=1, max_length=64)
    strategy: str | None = Field(
        default=None, min_length=1, max_length=64, description="Changing it resets params."
    )
    params: dict[str, Any] | None = Field(default=None, description=_SECTION)
    symbols: list[Symbol] | None = Field(default=None, min_length=1, max_length=MAX_SYMBOLS)
    timeframe: str | None = Field(default=None, max_length=8)
    mode: BotMode | None = None
    exchange: str | None = Field(default=None, max_length=32)
    paper_fee_asset: FeeAsset | None = Field(
        default=None, description="null: the exchange's convention."
    )
    exchange_credential_id: str | None = Field(default=None, pattern=ID_PATTERN)
    risk: dict[str, Any] | None = Field(default=None, description=_SECTION)
    sizing: dict[str, Any] | None = Field(default=None, description=_SECTION)
    exits: dict[str, Any] | None = Field(default=None, description=_SECTION)


class BotCommandInput(_Reason):
    """Optional body of start, stop, pause and resume."""


class BotRollbackInput(_Reason):
    """Optional body of a rollback."""


class PrivateStreamPublic(PublicModel):
    """A bot's private stream of orders and fills (its exchange connection).

    ``connected``: connected and resynced. ``reconnecting``: down (dropped, or not connected
    yet), or back and resyncing. ``stalled``: the same after a stall (connected, but no
    longer delivering the exchange's events). ``not_applicable``: a paper bot.
    """

    state: BotStreamState
    orders_held: bool = Field(
        description="New orders are held until the bot has resynced with the exchange."
    )
    drops: int = Field(description="Outages since this run started (stalls included).")
    stalls: int = Field(description="Outages found as stalls since this run started.")
    changed_at_ms: int | None = Field(
        description="When the state last changed (epoch ms); null for a paper bot."
    )


class BotPublic(PublicModel):
    """A bot and the configuration in force (``config``: complete, defaults filled in)."""

    id: str
    name: str
    strategy: str
    mode: BotMode
    state: BotState
    exchange: str
    symbols: list[str]
    timeframe: str
    risk_profile: str = Field(description="default, custom or disabled.")
    config_version: int = Field(description="The version in force (1 at creation).")
    exchange_credential_id: str | None
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    private_stream: PrivateStreamPublic | None = Field(
        description="Paper bots: not_applicable. Live bots: the state its worker reported, "
        "or null when no worker runs the bot now."
    )


class BotVersionPublic(PublicModel):
    """One saved configuration of a bot."""

    bot_id: str
    version: int
    config: dict[str, Any]
    created_at: datetime
    created_by: str = Field(description="The user who saved it.")
    reason: str


class BotStateChangePublic(PublicModel):
    """One lifecycle transition; ``actor_id`` null means the runtime moved the bot."""

    sequence: int = Field(description="1 for the bot's first transition, then 2, 3...")
    from_state: BotState
    to_state: BotState
    reason: str
    actor_id: str | None
    at: datetime


class ConfigChangePublic(PublicModel):
    """One value that differs; ``key`` is a dotted path such as ``risk.max_leverage``."""

    key: str
    old: Any = Field(description="The value in the version compared against (null: absent).")
    new: Any = Field(description="The value in the version asked for (null: absent).")


class BotVersionDiffPublic(PublicModel):
    """What changed from version ``against`` to version ``version``."""

    bot_id: str
    version: int
    against: int
    changes: list[ConfigChangePublic]
