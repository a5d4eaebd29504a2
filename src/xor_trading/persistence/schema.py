"""Create or upgrade the schema of a database: Alembic's ``upgrade head``.

The revisions live in persistence/migrations/versions; the first one creates every table
and the audit log's append-only triggers. ``scripts/new_migration.py`` writes the next.
"""

from __future__ import annotations

from xor_trading.persistence.database import Database
from xor_trading.persistence.migrate import upgrade_to_head


def create_schema(database: Database) -> None:
    """Bring a database (empty or older) to the current schema."""
    upgrade_to_head(database)
