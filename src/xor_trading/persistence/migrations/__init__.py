"""Alembic migrations of the XOR schema; run them through :mod:`xor_trading.persistence.migrate`.

``env.py`` takes the database from the Alembic config's attributes (never from an
``alembic.ini``), ``autogen.py`` holds what autogenerate adds to a new revision, and
``versions/`` the revisions, oldest first by their ``down_revision`` chain. Create a
revision with ``python scripts/new_migration.py "what changed"``.
"""
