"""Every table, one module per aggregate. :func:`load_all` imports them all (for Alembic)."""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData

from xor_trading.persistence.base import Base


def load_all() -> MetaData:
    """Import every module of this package so that ``Base.metadata`` knows every table."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return Base.metadata
