"""Column types shared by every table: exact decimals, UTC datetimes, UUID ids.

* :class:`ExactDecimal` keeps money exact on both back ends: ``NUMERIC(38, 18)`` on
  PostgreSQL, the canonical decimal string on SQLite (whose ``NUMERIC`` is a float).
* :class:`UtcDateTime` stores aware UTC datetimes and always returns them aware (SQLite
  drops the zone; we put it back).
* Ids are random UUID4 strings (:func:`new_id`): not guessable, not sequential (S1).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

ID_LENGTH = 36


def new_id() -> str:
    """A fresh random UUID4 as its 36-character string."""
    return str(uuid.uuid4())


class ExactDecimal(TypeDecorator[Decimal]):
    """A :class:`~decimal.Decimal` stored exactly (up to 20 integer and 18 fraction digits)."""

    impl = Numeric(38, 18)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(48))
        return dialect.type_descriptor(Numeric(38, 18, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"ExactDecimal needs a Decimal, got {type(value).__name__}")
        if not value.is_finite():
            raise ValueError(f"ExactDecimal cannot store {value}")
        if dialect.name == "sqlite":
            return format(value.normalize(), "f") if value != 0 else "0"
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
        # PostgreSQL returns NUMERIC(38,18) padded with zeros; normalise so that both back
        # ends return the same value and the same string.
        return Decimal(format(result.normalize(), "f")) if result != 0 else Decimal(0)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC :class:`~datetime.datetime`; naive values are refused on write."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime (use datetime.now(UTC))")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UtcDateTime read a {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
