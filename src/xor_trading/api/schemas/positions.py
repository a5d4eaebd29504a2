"""Positions as the API returns them (decimal strings, UTC times)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel
from xor_trading.api.schemas.orders import DecimalText


class PositionPublic(PublicModel):
    """A bot's net position in one symbol."""

    id: str
    bot_id: str
    symbol: str
    quantity: DecimalText = Field(description="Signed: positive long, negative short, 0 flat.")
    average_price: DecimalText = Field(description="Average entry price; 0 when flat.")
    realised_pnl: DecimalText = Field(description="Realised so far, fees excluded.")
    updated_at: datetime
