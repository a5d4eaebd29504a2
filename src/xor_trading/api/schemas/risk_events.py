"""Risk events as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel


class RiskEventPublic(PublicModel):
    """A denial, a breaker tripped or reset, or a kill switch engaged or re-armed."""

    id: str
    bot_id: str | None
    at: datetime
    kind: str = Field(
        description=(
            "denial, breaker_tripped, breaker_reset, kill_switch_engaged or kill_switch_rearmed."
        )
    )
    rule: str = Field(description="Machine name of the rule: daily_loss, kill_switch...")
    sentence: str = Field(description="What happened, for people.")
    details: dict[str, Any] = Field(description="The event's other fields (scope, until...).")
