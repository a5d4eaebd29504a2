"""Client funds: a prepaid fee balance per user, its deposits and the fees charged from it.

A fund or a platform operator charges its clients a share of their realised profit. The
ledger invariant, kept by ``services/client_funds_service.py`` and checked by a property
test: ``balance == sum(amount of succeeded deposits) - sum(amount of fee charges)``.
Amounts are in the account's currency (``USDT`` by default).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id

DEFAULT_CURRENCY = "USDT"
DEFAULT_FEE_KIND = "profit_share"
DEFAULT_FEE_RATE = Decimal("0.10")


class ClientAccountRow(Base):
    """One user's prepaid fee balance and fee plan (at most one account per user).

    ``fee_kind`` is ``profit_share``: each closed trade with a realised profit is charged
    ``fee_rate`` (a fraction: 0.10 = 10 %) of that profit.
    """

    __tablename__ = "client_accounts"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), unique=True, index=True)
    currency: Mapped[str] = mapped_column(String(8), default=DEFAULT_CURRENCY)
    balance: Mapped[Decimal]
    fee_kind: Mapped[str] = mapped_column(String(16), default=DEFAULT_FEE_KIND)
    fee_rate: Mapped[Decimal]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DepositRow(Base):
    """One attempt to top up a balance through the payment provider.

    ``status`` is ``pending``, ``succeeded`` or ``failed``; only ``succeeded`` deposits
    count in the balance. ``payment_method`` is a summary such as ``card ****4242``: card
    numbers are never stored. ``request_fingerprint`` lets a replay with the same
    ``idempotency_key`` but a different request be refused.
    """

    __tablename__ = "deposits"
    __table_args__ = (
        UniqueConstraint(
            "owner_id", "idempotency_key", name="uq_deposits_owner_id_idempotency_key"
        ),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("client_accounts.id"), index=True)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    payment_method: Mapped[str] = mapped_column(String(32))
    provider_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None] = mapped_column(nullable=True)


class FeeChargeRow(Base):
    """The fee of one closed trade (a trade is charged at most once: ``trade_id`` is unique).

    ``amount_due`` is ``realised_profit * rate``; ``amount`` is what the balance covered
    (less than due when the balance ran out, since it never goes below zero);
    ``balance_after`` is the balance once charged.
    """

    __tablename__ = "fee_charges"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("client_accounts.id"), index=True)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    # Not a foreign key: trades are recorded by the trading engine (issue 6), possibly in
    # another transaction; uniqueness alone guarantees "charged once".
    trade_id: Mapped[str] = mapped_column(String(64), unique=True)
    realised_profit: Mapped[Decimal]
    rate: Mapped[Decimal]
    amount_due: Mapped[Decimal]
    amount: Mapped[Decimal]
    balance_after: Mapped[Decimal]
    at: Mapped[datetime]
