"""Kill switches: the engage and re-arm bodies, the switch as the API shows it, the
trading status of a user or bot."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xor_trading.api.schemas.bots import ID_PATTERN
from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.services.kill_switch_service import REASON_MAX, KillSwitchScope


class KillSwitchEngage(StrictInput):
    """Stop trading now for one bot, one account, or (administrators) everyone."""

    scope: KillSwitchScope = Field(description="bot, account or global.")
    target: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description=(
            "The bot id (scope bot) or user id (scope account; default: your own account); "
            "none for global."
        ),
    )
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="Why trading stops.")
    flatten: bool = Field(
        default=False,
        description="Also close every open position of the scope at market (reduce-only).",
    )


class KillSwitchRearm(StrictInput):
    """Re-arm a switch (needs a fresh MFA verification). Halted bots stay halted."""

    reason: str = Field(
        min_length=1, max_length=REASON_MAX, description="Why it is safe to trade again."
    )


class KillSwitchPublic(PublicModel):
    """One engagement of a switch; ``engaged_by``/``rearmed_by`` null: the server console."""

    id: str
    scope: str = Field(description="bot, account or global.")
    target_id: str | None = Field(description="The bot or user id; null for global.")
    owner_id: str | None = Field(description="The account the switch covers; null for global.")
    engaged: bool = Field(description="True until re-armed.")
    engaged_at: datetime
    engaged_by: str | None
    reason: str
    flatten: bool
    halted_bots: int = Field(description="Bots the engagement(s) moved to halted.")
    rearmed_at: datetime | None
    rearmed_by: str | None
    rearm_reason: str | None


class KillSwitchEngaged(PublicModel):
    """What engaging did."""

    switch: KillSwitchPublic
    newly_engaged: bool = Field(description="False: the switch was engaged already.")
    halted_bot_ids: list[str] = Field(description="Bots this request moved to halted.")


class TradingStatusPublic(PublicModel):
    """Whether trading is allowed, and the engaged switches that forbid it."""

    trading_allowed: bool
    reason: str = Field(description="Empty when allowed; else names the broadest switch.")
    switches: list[KillSwitchPublic]
