"""Client funds: balance, deposits through the payment simulator, fee charges, fee plans.

Money is a decimal *string* in both directions (``"100.25"``): JSON numbers are binary
floats in most clients and would round amounts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer

from xor_trading.api.schemas.common import PublicModel, StrictInput


def _money_text(value: Decimal) -> str:
    # Normalised, so that a value reads the same whichever back end stored it: "100",
    # "0.1", "12.5" (never "1E+2", never a float).
    return format(value.normalize(), "f") if value != 0 else "0"


Money = Annotated[Decimal, PlainSerializer(_money_text, return_type=str, when_used="json")]
"""A Decimal serialised as a plain, normalised decimal string."""


class DepositCreate(StrictInput):
    """A deposit request; send it with an ``Idempotency-Key`` header."""

    amount: str = Field(
        pattern=r"^[0-9]{1,20}(\.[0-9]{1,2})?$",
        description=(
            "Amount in the account currency as a decimal string with at most 2 decimals; "
            "the payment simulator accepts 10 to 100000 per deposit."
        ),
        examples=["100.00"],
    )
    card_number: str = Field(
        min_length=12,
        max_length=23,
        description=(
            "Card number (spaces allowed). Payment simulator test cards: 4242424242424242 "
            "succeeds, 4000000000000002 is declined, 4000000000009995 has insufficient "
            "funds, 4000000000000259 settles later. Never stored: only ****last4 is kept."
        ),
        examples=["4242424242424242"],
    )


class FeePlanUpdate(StrictInput):
    """An account's new fee plan (admin only)."""

    kind: Literal["profit_share"] = Field(
        default="profit_share", description="profit_share: a share of each trade's realised profit."
    )
    rate: str = Field(
        pattern=r"^[0-9](\.[0-9]{1,4})?$",
        description="Fraction of realised profit charged, 0 to 0.5 (0.10 = 10 %).",
        examples=["0.10"],
    )


class AccountPublic(PublicModel):
    """A client account: prepaid fee balance and fee plan."""

    owner_id: str
    currency: str
    balance: Money
    fee_kind: str
    fee_rate: Money
    can_open_positions: bool = Field(
        description="False when fees are due and the balance is exhausted: bots stop opening."
    )
    created_at: datetime | None
    updated_at: datetime | None


class DepositPublic(PublicModel):
    """One deposit attempt and its outcome."""

    id: str
    amount: Money
    currency: str
    status: Literal["pending", "succeeded", "failed"]
    payment_method: str = Field(description="Masked, e.g. card ****4242.")
    provider_reference: str | None
    failure_reason: str | None
    created_at: datetime
    settled_at: datetime | None


class FeeChargePublic(PublicModel):
    """The platform fee of one closed trade."""

    id: str
    trade_id: str
    realised_profit: Money
    rate: Money
    amount_due: Money = Field(description="realised_profit * rate, rounded down to the cent.")
    amount: Money = Field(description="What the balance covered (less when it ran out).")
    balance_after: Money
    at: datetime
