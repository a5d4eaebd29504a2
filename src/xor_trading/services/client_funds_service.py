"""Client funds: the prepaid fee balance, deposits through the payment simulator, fees.

A fund or a platform operator charges its clients a share of their realised profit from a
balance the clients top up in advance. The ledger invariant holds after every
transaction: ``balance == sum(succeeded deposits) - sum(fee charges)``. The balance never
goes below zero: a fee larger than the balance takes what is left (``amount`` < ``amount_due``),
and :meth:`ClientFundsService.can_open_positions` then tells the bots to stop opening
positions until the client tops up.

Amounts are :class:`~decimal.Decimal` in the account's currency (USDT). Deposits have at
most 2 decimals; fees are rounded down to the cent, so a client is never charged more
than ``rate * profit``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal

from xor_trading.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from xor_trading.domain.users import Role
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import client_funds as repo
from xor_trading.persistence.tables.client_funds import (
    DEFAULT_CURRENCY,
    DEFAULT_FEE_KIND,
    DEFAULT_FEE_RATE,
    ClientAccountRow,
    DepositRow,
    FeeChargeRow,
)
from xor_trading.services.audit import record_audit
from xor_trading.services.container import Container
from xor_trading.services.payment_simulator import (
    PaymentSimulator,
    PaymentStatus,
    card_summary,
)
from xor_trading.services.principal import Principal

CENT = Decimal("0.01")
MAX_FEE_RATE = Decimal("0.5")
FEE_RATE_DECIMALS = 4
MAX_DEPOSIT_DECIMALS = 2
FEE_KINDS = frozenset({DEFAULT_FEE_KIND})
DEPOSIT_STATUSES = frozenset(status.value for status in PaymentStatus)
DECIMAL_TEXT = re.compile(r"^[0-9]{1,20}(\.[0-9]+)?$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_TRADE_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class AccountView:
    """A client account as its owner (or an admin) sees it."""

    owner_id: str
    currency: str
    balance: Decimal
    fee_kind: str
    fee_rate: Decimal
    can_open_positions: bool
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class DepositView:
    """One deposit; ``payment_method`` is a masked summary (``card ****4242``)."""

    id: str
    amount: Decimal
    currency: str
    status: str
    payment_method: str
    provider_reference: str | None
    failure_reason: str | None
    created_at: datetime
    settled_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeeCharge:
    """The fee of one closed trade: due ``realised_profit * rate``, charged ``amount``."""

    id: str
    owner_id: str
    trade_id: str
    realised_profit: Decimal
    rate: Decimal
    amount_due: Decimal
    amount: Decimal
    balance_after: Decimal
    at: datetime


@dataclass(frozen=True, slots=True)
class PositionPermission:
    """Whether a client's bots may open new positions, and a sentence saying why (not)."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True, slots=True)
class DepositOutcome:
    """A deposit and whether this call created it (``False``: an idempotent replay)."""

    deposit: DepositView
    created: bool


def parse_amount(raw: str | Decimal) -> Decimal:
    """A deposit amount: a positive decimal with at most 2 decimals; :class:`InputError` otherwise.

    Strings must be plain decimals (``"100"``, ``"100.5"``, ``"100.25"``): no exponent,
    sign, separators, ``NaN`` or ``Infinity``.
    """
    text = format(raw, "f") if isinstance(raw, Decimal) and raw.is_finite() else str(raw)
    text = text.strip()
    if not DECIMAL_TEXT.fullmatch(text):
        raise InputError(
            f"the amount {text!r} is not a plain positive decimal number",
            'send the amount as a decimal string, e.g. "100.00"',
        )
    if "." in text and len(text.split(".", 1)[1]) > MAX_DEPOSIT_DECIMALS:
        raise InputError(
            f"the amount {text} has more than {MAX_DEPOSIT_DECIMALS} decimals",
            'amounts are in whole cents, e.g. "100.25"',
        )
    amount = Decimal(text)
    if amount <= 0:
        raise InputError(f"the amount {text} is not positive", "deposit more than 0")
    return amount.quantize(CENT)


def parse_fee_rate(raw: str | Decimal) -> Decimal:
    """A fee rate: a fraction in ``[0, 0.5]`` with at most 4 decimals, normalised.

    Raises :class:`InputError` otherwise.
    """
    try:
        rate = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except ArithmeticError:
        rate = Decimal("NaN")
    if not rate.is_finite() or rate < 0 or rate > MAX_FEE_RATE:
        raise InputError(
            f"the fee rate {raw!s} is outside 0 to {MAX_FEE_RATE}",
            "give the rate as a fraction of realised profit: 0.10 is 10 %, at most 0.5",
        )
    quantum = Decimal(1).scaleb(-FEE_RATE_DECIMALS)
    if rate != rate.quantize(quantum):
        raise InputError(
            f"the fee rate {raw!s} has more than {FEE_RATE_DECIMALS} decimals",
            "round it, e.g. 0.1250 for 12.5 %",
        )
    # Normalised (0.25, not 0.2500): the value then reads the same as after a round trip
    # through either back end.
    return rate.normalize() if rate != 0 else Decimal(0)


def fee_due(realised_profit: Decimal, rate: Decimal) -> Decimal:
    """``realised_profit * rate`` rounded down to the cent (never more than the share)."""
    return (realised_profit * rate).quantize(CENT, rounding=ROUND_DOWN)


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _account_view(row: ClientAccountRow) -> AccountView:
    return AccountView(
        owner_id=row.owner_id,
        currency=row.currency,
        balance=row.balance,
        fee_kind=row.fee_kind,
        fee_rate=row.fee_rate,
        can_open_positions=_permission(row.balance, row.fee_rate, row.currency).allowed,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _deposit_view(row: DepositRow) -> DepositView:
    return DepositView(
        id=row.id,
        amount=row.amount,
        currency=row.currency,
        status=row.status,
        payment_method=row.payment_method,
        provider_reference=row.provider_reference,
        failure_reason=row.failure_reason,
        created_at=row.created_at,
        settled_at=row.settled_at,
    )


def _fee_view(row: FeeChargeRow) -> FeeCharge:
    return FeeCharge(
        id=row.id,
        owner_id=row.owner_id,
        trade_id=row.trade_id,
        realised_profit=row.realised_profit,
        rate=row.rate,
        amount_due=row.amount_due,
        amount=row.amount,
        balance_after=row.balance_after,
        at=row.at,
    )


def _permission(balance: Decimal, rate: Decimal, currency: str) -> PositionPermission:
    if rate == 0:
        return PositionPermission(True, "no platform fee is charged on this account")
    if balance > 0:
        return PositionPermission(True, f"the prepaid fee balance is {balance} {currency}")
    return PositionPermission(
        False,
        f"the prepaid fee balance is exhausted ({balance} {currency}); bots may not open "
        "new positions until it is topped up (POST /api/v1/funds/deposits)",
    )


def _fingerprint(amount: Decimal, payment_method: str) -> str:
    # What makes two deposit requests "the same" for an idempotent replay. The card
    # number itself never enters it (nor anything stored), only its masked summary.
    return hashlib.sha256(f"{amount}|{payment_method}".encode()).hexdigest()


class ClientFundsService:
    """Use cases of client funds. Construct per call: ``ClientFundsService(container)``."""

    def __init__(self, container: Container, simulator: PaymentSimulator | None = None) -> None:
        self._container = container
        self._simulator = simulator or PaymentSimulator()

    def _now(self) -> datetime:
        return _utc(self._container.clock.now_ms())

    def get_balance(self, principal: Principal) -> AccountView:
        """The caller's account, created (empty, default fee plan) on first access."""
        with self._container.database.read_session() as session:
            row = repo.find_account(session, principal.user_id)
            if row is not None:
                return _account_view(row)
        with self._container.database.session() as session:
            return _account_view(repo.lock_account(session, principal.user_id, self._now()))

    def deposit(
        self,
        principal: Principal,
        *,
        amount: str | Decimal,
        card_number: str,
        idempotency_key: str,
    ) -> DepositOutcome:
        """Top up the caller's balance by charging a card through the payment simulator.

        The same ``idempotency_key`` returns the first deposit and never credits twice,
        also when the requests race; reusing a key for a different amount or card is a
        :class:`ConflictError`. A declined card is recorded as a ``failed`` deposit; a
        malformed request (bad amount, Luhn-invalid card, outside the provider's limits)
        raises :class:`InputError` and records nothing.
        """
        if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
            raise InputError(
                "the Idempotency-Key must be 1 to 64 letters, digits or _ . : -",
                "send a fresh random key per deposit, e.g. a UUID, and reuse it only to retry",
            )
        value = parse_amount(amount)
        method = card_summary(card_number)
        fingerprint = _fingerprint(value, method)
        owner_id = principal.user_id
        with self._container.database.session() as session:
            now = self._now()
            # The account lock serialises one owner's deposits, so a concurrent duplicate
            # waits here and then finds the first request's deposit.
            account = repo.lock_account(session, owner_id, now)
            existing = repo.find_deposit_by_key(session, owner_id, idempotency_key)
            if existing is not None:
                if existing.request_fingerprint != fingerprint:
                    raise ConflictError(
                        f"the Idempotency-Key {idempotency_key!r} was already used for a "
                        "different deposit",
                        "use a new key for a new deposit; reuse a key only to retry the same one",
                    )
                return DepositOutcome(_deposit_view(existing), created=False)
            result = self._simulator.charge(
                card_number=card_number, amount=value, request_key=f"{owner_id}:{idempotency_key}"
            )
            row = DepositRow(
                account_id=account.id,
                owner_id=owner_id,
                amount=value,
                currency=account.currency,
                status=result.status.value,
                payment_method=method,
                provider_reference=result.reference,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                failure_reason=result.failure_reason,
                created_at=now,
                settled_at=None if result.status is PaymentStatus.PENDING else now,
            )
            session.add(row)
            if result.status is PaymentStatus.SUCCEEDED:
                account.balance += value
                account.updated_at = now
            session.flush()
            record_audit(
                session,
                self._container,
                actor_id=owner_id,
                action="funds.deposit.create",
                target_type="deposit",
                target_id=row.id,
                details={
                    "amount": str(value),
                    "currency": account.currency,
                    "status": row.status,
                    "payment_method": method,
                },
            )
            return DepositOutcome(_deposit_view(row), created=True)

    def settle_pending(self, principal: Principal) -> list[DepositView]:
        """Ask the provider for the outcome of the caller's pending deposits; credit successes.

        Returns the deposits settled by this call (empty when none was pending).
        """
        owner_id = principal.user_id
        with self._container.database.session() as session:
            now = self._now()
            account = repo.lock_account(session, owner_id, now)
            settled: list[DepositView] = []
            for row in repo.pending_deposits(session, owner_id):
                assert row.provider_reference is not None  # pending rows always have one
                result = self._simulator.settle(row.provider_reference)
                row.status = result.status.value
                row.failure_reason = result.failure_reason
                row.settled_at = now
                if result.status is PaymentStatus.SUCCEEDED:
                    account.balance += row.amount
                    account.updated_at = now
                record_audit(
                    session,
                    self._container,
                    actor_id=owner_id,
                    action="funds.deposit.settle",
                    target_type="deposit",
                    target_id=row.id,
                    details={"amount": str(row.amount), "status": row.status},
                )
                settled.append(_deposit_view(row))
            return settled

    def list_deposits(
        self,
        principal: Principal,
        *,
        limit: int,
        offset: int,
        status: str | None = None,
    ) -> tuple[list[DepositView], int]:
        """One page of the caller's deposits, newest first, and how many match."""
        if status is not None and status not in DEPOSIT_STATUSES:
            raise InputError(
                f"unknown deposit status {status!r}",
                f"use one of {', '.join(sorted(DEPOSIT_STATUSES))}",
            )
        with self._container.database.read_session() as session:
            rows, total = repo.list_deposits(
                session, principal.user_id, limit=limit, offset=offset, status=status
            )
            return [_deposit_view(row) for row in rows], total

    def list_fee_charges(
        self, principal: Principal, *, limit: int, offset: int
    ) -> tuple[list[FeeCharge], int]:
        """One page of the fees charged to the caller, newest first, and how many there are."""
        with self._container.database.read_session() as session:
            rows, total = repo.list_fee_charges(
                session, principal.user_id, limit=limit, offset=offset
            )
            return [_fee_view(row) for row in rows], total

    def charge_fee(
        self, session: DbSession, owner_id: str, trade_id: str, realised_profit: Decimal
    ) -> FeeCharge | None:
        """Charge the platform fee of a closed trade in the caller's transaction ``session``.

        No fee (``None``) on a loss or break-even. A trade is charged once: charging the
        same ``trade_id`` again returns the first charge (a different profit or owner for
        it is a :class:`ConflictError`: a bug in the caller). The fee is
        ``realised_profit * rate`` rounded down to the cent; when the balance cannot cover
        it, the balance goes to zero and the charge records what was due.

        Locks the client's account until ``session`` ends. Lock order: call it before
        ``record_audit`` in the same transaction (deposits take the account lock, then
        the audit log's), or two such transactions can deadlock on PostgreSQL.
        """
        if not 0 < len(trade_id) <= MAX_TRADE_ID_LENGTH:
            raise InputError(
                f"a trade id has 1 to {MAX_TRADE_ID_LENGTH} characters", "pass the trade's id"
            )
        if not realised_profit.is_finite():
            raise InputError(
                f"the realised profit {realised_profit} is not a number",
                "pass the trade's realised profit as a finite Decimal",
            )
        if realised_profit <= 0:
            return None
        now = self._now()
        account = repo.lock_account(session, owner_id, now)
        existing = repo.find_fee_charge(session, trade_id)
        if existing is not None:
            if existing.owner_id != owner_id or existing.realised_profit != realised_profit:
                raise ConflictError(
                    f"trade {trade_id} was already charged with a different owner or profit",
                    "a trade is charged once, when it closes; check the caller",
                )
            return _fee_view(existing)
        due = fee_due(realised_profit, account.fee_rate)
        charged = min(due, max(account.balance, Decimal(0)))
        account.balance -= charged
        account.updated_at = now
        row = FeeChargeRow(
            account_id=account.id,
            owner_id=owner_id,
            trade_id=trade_id,
            realised_profit=realised_profit,
            rate=account.fee_rate,
            amount_due=due,
            amount=charged,
            balance_after=account.balance,
            at=now,
        )
        session.add(row)
        session.flush()
        return _fee_view(row)

    def can_open_positions(self, owner_id: str) -> PositionPermission:
        """May ``owner_id``'s bots open new positions? Not when fees are due and the balance is 0.

        An account that does not exist yet has the default plan and an empty balance.
        """
        with self._container.database.read_session() as session:
            row = repo.find_account(session, owner_id)
            if row is None:
                return _permission(Decimal(0), DEFAULT_FEE_RATE, DEFAULT_CURRENCY)
            return _permission(row.balance, row.fee_rate, row.currency)

    def set_fee_plan(
        self, principal: Principal, user_id: str, *, kind: str, rate: str | Decimal
    ) -> AccountView:
        """Admin: set the fee plan of ``user_id``'s account (created if needed); audited."""
        if not principal.allows(Role.ADMIN):
            raise PermissionDeniedError(
                "only an administrator may change fee plans", "ask an administrator"
            )
        if kind not in FEE_KINDS:
            raise InputError(
                f"unknown fee plan kind {kind!r}", f"use one of {', '.join(sorted(FEE_KINDS))}"
            )
        value = parse_fee_rate(rate)
        with self._container.database.session() as session:
            if not repo.user_exists(session, user_id):
                raise NotFoundError(f"user {user_id} not found", "check the user id")
            now = self._now()
            account = repo.lock_account(session, user_id, now)
            previous = account.fee_rate
            account.fee_kind = kind
            account.fee_rate = value
            account.updated_at = now
            session.flush()
            record_audit(
                session,
                self._container,
                actor_id=principal.user_id,
                action="funds.fee_plan.set",
                target_type="client_account",
                target_id=account.id,
                details={
                    "user_id": user_id,
                    "kind": kind,
                    "previous_rate": format(previous, "f"),
                    "rate": format(value, "f"),
                },
            )
            return _account_view(account)
