"""Exact decimal values: Price, Quantity and Money.

``Price`` and ``Quantity`` are ``Decimal`` at run time (zero cost on hot paths) and distinct
types for mypy. ``Money`` carries its currency and refuses to mix currencies. Floats never
enter these types: :func:`to_decimal` goes through ``str`` so ``0.1`` stays ``0.1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NewType

Price = NewType("Price", Decimal)
Quantity = NewType("Quantity", Decimal)

ZERO = Decimal(0)


def to_decimal(value: Decimal | int | str | float) -> Decimal:
    """Convert without binary artefacts; rejects NaN and infinities."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d


def price(value: Decimal | int | str | float) -> Price:
    """A strictly positive price."""
    d = to_decimal(value)
    if d <= 0:
        raise ValueError(f"a price must be positive, got {d}")
    return Price(d)


def quantity(value: Decimal | int | str | float) -> Quantity:
    """A non-negative quantity (of the base asset)."""
    d = to_decimal(value)
    if d < 0:
        raise ValueError(f"a quantity cannot be negative, got {d}")
    return Quantity(d)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency, e.g. ``Money(Decimal("12.5"), "USDT")``."""

    amount: Decimal
    currency: str

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(ZERO, currency)
