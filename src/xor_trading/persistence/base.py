"""The declarative base of every table, with constraint names Alembic can diff."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase

from xor_trading.persistence.types import ID_LENGTH, ExactDecimal, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of all tables: ``Mapped[Decimal]`` is exact, ``Mapped[datetime]`` is aware UTC."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        Decimal: ExactDecimal(),
        datetime: UtcDateTime(),
        str: String(255),
    }


IdColumn = String(ID_LENGTH)
"""The column type of every primary and foreign key (UUID4 strings)."""
