"""Create the schema of a database: Alembic's ``upgrade head`` (see persistence/migrate.py).

Until the first migration is generated this creates the tables from the metadata.
"""

from __future__ import annotations

from xor_trading.persistence.append_only import install_append_only
from xor_trading.persistence.database import Database
from xor_trading.persistence.tables import load_all


def create_schema(database: Database) -> None:
    """Bring an empty database to the current schema."""
    load_all().create_all(database.engine)
    install_append_only(database.engine)
