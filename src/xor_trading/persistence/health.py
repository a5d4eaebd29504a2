"""Is the database there? (readiness probes)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from xor_trading.persistence.database import Database


def database_is_reachable(database: Database) -> bool:
    """True when a trivial query succeeds within the pool's timeout."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
