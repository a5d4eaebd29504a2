"""Platform risk caps: the update body and the views (caps, history, update answer).

The body checks shapes; ranges (each cap within the range RiskConfig accepts) are checked
by the service, which answers 422 with a sentence naming the cap.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.services.platform_risk_service import REASON_MAX

_NO_CAP = "null: no platform cap."


class PlatformRiskLimitsUpdate(StrictInput):
    """The complete new caps: every field must be given (null removes a cap), so that a
    forgotten field never lifts a cap by accident. Raising any cap needs a fresh MFA."""

    max_position_pct: Decimal | None = Field(description=f"% of equity; {_NO_CAP}")
    max_risk_per_trade_pct: Decimal | None = Field(description=f"% of equity; {_NO_CAP}")
    max_leverage: Decimal | None = Field(description=f"Multiple of equity; {_NO_CAP}")
    daily_loss_limit_pct: Decimal | None = Field(description=f"% of equity; {_NO_CAP}")
    max_drawdown_pct: Decimal | None = Field(description=f"% of equity; {_NO_CAP}")
    max_open_positions: int | None = Field(description=f"Count; {_NO_CAP}")
    max_entries_per_day: int | None = Field(description=f"Count; {_NO_CAP}")
    max_order_notional: Decimal | None = Field(description=f"Quote currency; {_NO_CAP}")
    allow_risk_disabled: bool = Field(description="False refuses bots with risk limits off.")
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="Why the caps change.")


class PlatformRiskLimitsPublic(PublicModel):
    """The caps (null: no cap) and their version (0: never set, nothing capped)."""

    version: int
    max_position_pct: Decimal | None
    max_risk_per_trade_pct: Decimal | None
    max_leverage: Decimal | None
    daily_loss_limit_pct: Decimal | None
    max_drawdown_pct: Decimal | None
    max_open_positions: int | None
    max_entries_per_day: int | None
    max_order_notional: Decimal | None
    allow_risk_disabled: bool
    created_at: datetime | None
    created_by: str | None
    reason: str


class ExceedingBotPublic(PublicModel):
    """A bot whose configuration in force exceeds the new caps (not rewritten: the
    runtime clamps it at start; its owner must lower it at the next change)."""

    bot_id: str
    owner_id: str
    name: str
    state: str
    violations: list[str]


class PlatformRiskLimitsUpdated(PublicModel):
    """The new caps, the caps raised, and the bots above the new caps."""

    limits: PlatformRiskLimitsPublic
    raised: list[str] = Field(description="Caps loosened (why a step-up was needed).")
    exceeding_bots: list[ExceedingBotPublic] = Field(description="At most 200, by bot id.")
    exceeding_total: int
