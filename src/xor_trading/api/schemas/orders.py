"""Orders and fills as the API returns them.

Quantities, prices and fees are decimal *strings* (``"0.015"``, ``"100.25"``): exact, never
a binary float, never an exponent. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

from xor_trading.api.schemas.common import PublicModel


def _plain(value: Decimal) -> str:
    return format(value, "f")


DecimalText = Annotated[Decimal, PlainSerializer(_plain, return_type=str, when_used="json")]
"""A Decimal serialised in JSON as a plain decimal string (exact; ``1E-7`` becomes
``0.0000001``). Shared by the trading-record schemas."""


class OrderPublic(PublicModel):
    """One order of one of the caller's bots."""

    id: str = Field(description="Order id (UUID).")
    bot_id: str
    client_order_id: str = Field(description="The id the venue knows the order by.")
    venue_order_id: str | None = Field(description="The venue's own id, once it accepted.")
    symbol: str = Field(examples=["BTC/USDT"])
    side: str = Field(description="buy or sell.")
    type: str = Field(description="market, limit, stop_market or stop_limit.")
    time_in_force: str = Field(description="gtc or ioc.")
    status: str = Field(
        description=(
            "pending_submit (recorded, about to be sent), submitted, accepted, triggered, "
            "partially_filled, pending_cancel, filled, canceled, rejected, expired, denied "
            "(refused by XOR's risk rules), unknown (the venue did not answer: never "
            "assumed failed until reconciled)."
        )
    )
    quantity: DecimalText = Field(description="Ordered quantity, base asset.")
    price: DecimalText | None = Field(description="Limit price, quote currency.")
    stop_price: DecimalText | None = Field(description="Stop trigger price.")
    filled_quantity: DecimalText
    average_price: DecimalText | None = Field(
        description="Volume-weighted fill price (18 decimals at most); null before a fill."
    )
    tag: str = Field(description="What the order is for: entry, stop_loss, take_profit...")
    reason: str = Field(description="Why it was denied, rejected or canceled, if it was.")
    created_at: datetime
    updated_at: datetime


class FillPublic(PublicModel):
    """One execution of an order; ``fee`` is in ``fee_currency``."""

    id: str
    order_id: str
    bot_id: str
    venue_trade_id: str
    symbol: str
    side: str
    quantity: DecimalText
    price: DecimalText
    fee: DecimalText
    fee_currency: str
    liquidity: str = Field(description="maker or taker.")
    at: datetime
