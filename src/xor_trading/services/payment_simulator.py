"""The payment simulator: XOR's built-in, deterministic card payment provider.

It is a real part of the product, not a test double: self-hosted demos and test suites
top up client fee balances through it without a contract with a card processor or real
money. Like Stripe's test mode, the card number decides the outcome:

==================== =====================================================
card number          outcome
==================== =====================================================
4242424242424242     succeeds at once
4000000000000002     declined: ``card declined``
4000000000009995     declined: ``insufficient funds``
4000000000000259     pending; succeeds at the next :meth:`settle` call
any other valid card succeeds at once
==================== =====================================================

A number failing the Luhn check, or an amount outside ``[10, 100000]`` per deposit, is
refused before "contacting the provider" (:class:`~xor_trading.core.errors.InputError`,
nothing happens). Outcomes depend only on the inputs: the same charge gives the same
result and the same reference, which makes demos and tests reproducible. Card numbers are
never kept; callers store :func:`card_summary` only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from xor_trading.core.errors import InputError

MIN_DEPOSIT = Decimal(10)
MAX_DEPOSIT = Decimal(100_000)

CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_INSUFFICIENT_FUNDS = "4000000000009995"
CARD_DELAYED_SUCCESS = "4000000000000259"

REFERENCE_PREFIX = "simpay_"
_REFERENCE = re.compile(r"^simpay_[0-9a-f]{24}$")
_SEPARATORS = re.compile(r"[ -]")
MIN_CARD_DIGITS = 12
MAX_CARD_DIGITS = 19


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """What the provider answered: the status, its reference, why it failed (if it did)."""

    status: PaymentStatus
    reference: str
    failure_reason: str | None = None


_DECLINES = {
    CARD_DECLINED: "card declined",
    CARD_INSUFFICIENT_FUNDS: "insufficient funds",
}


def normalise_card_number(card_number: str) -> str:
    """The digits of ``card_number`` (spaces and dashes removed); :class:`InputError` otherwise."""
    digits = _SEPARATORS.sub("", card_number)
    if not digits.isascii() or not digits.isdigit():
        raise InputError(
            "the card number must contain digits only (spaces and dashes are allowed)",
            "use a test card such as 4242 4242 4242 4242",
        )
    if not MIN_CARD_DIGITS <= len(digits) <= MAX_CARD_DIGITS:
        raise InputError(
            f"the card number has {len(digits)} digits; cards have "
            f"{MIN_CARD_DIGITS} to {MAX_CARD_DIGITS}",
            "check the number; the test card 4242 4242 4242 4242 always succeeds",
        )
    return digits


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check every card number has."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_summary(card_number: str) -> str:
    """What may be stored and shown of a card: ``card ****4242``."""
    return f"card ****{normalise_card_number(card_number)[-4:]}"


class PaymentSimulator:
    """Charges test cards deterministically; stateless, so safe to share between threads."""

    def charge(self, *, card_number: str, amount: Decimal, request_key: str) -> PaymentResult:
        """Charge ``amount`` to the card; ``request_key`` names the request (idempotency).

        Raises :class:`InputError` (nothing charged) for a malformed or Luhn-invalid card
        number or an amount outside ``[MIN_DEPOSIT, MAX_DEPOSIT]``. Declines are not
        errors: they return ``FAILED`` with the reason.
        """
        digits = normalise_card_number(card_number)
        if not luhn_valid(digits):
            raise InputError(
                "the card number is invalid (it fails the Luhn check)",
                "check for a typing mistake; 4242 4242 4242 4242 is a valid test card",
            )
        if amount < MIN_DEPOSIT or amount > MAX_DEPOSIT:
            raise InputError(
                f"the amount {amount} is outside the provider's limits per deposit "
                f"({MIN_DEPOSIT} to {MAX_DEPOSIT})",
                f"deposit between {MIN_DEPOSIT} and {MAX_DEPOSIT}; split larger amounts",
            )
        reference = REFERENCE_PREFIX + hashlib.sha256(request_key.encode()).hexdigest()[:24]
        if digits in _DECLINES:
            return PaymentResult(PaymentStatus.FAILED, reference, _DECLINES[digits])
        if digits == CARD_DELAYED_SUCCESS:
            return PaymentResult(PaymentStatus.PENDING, reference)
        return PaymentResult(PaymentStatus.SUCCEEDED, reference)

    def settle(self, reference: str) -> PaymentResult:
        """The final outcome of a pending charge: the delayed test card always succeeds.

        Raises :class:`InputError` for a reference this provider did not issue.
        """
        if not _REFERENCE.fullmatch(reference):
            raise InputError(
                f"{reference!r} is not a payment simulator reference",
                "settle only deposits made through the payment simulator",
            )
        return PaymentResult(PaymentStatus.SUCCEEDED, reference)
