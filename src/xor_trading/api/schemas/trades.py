"""Closed round trips as the API returns them (decimal strings, UTC times)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel
from xor_trading.api.schemas.orders import DecimalText


class TradePublic(PublicModel):
    """A closed round trip: PnL in the quote currency, ``net_pnl = gross_pnl - fees``."""

    id: str
    bot_id: str
    strategy: str
    symbol: str
    side: str = Field(description="long or short.")
    quantity: DecimalText = Field(description="Quantity entered, base asset.")
    entry_price: DecimalText = Field(description="Average entry price.")
    exit_price: DecimalText = Field(description="Average exit price.")
    entry_at: datetime
    exit_at: datetime
    gross_pnl: DecimalText
    fees: DecimalText
    net_pnl: DecimalText
    exit_reason: str = Field(description="signal, stop_loss, take_profit, kill_switch...")
