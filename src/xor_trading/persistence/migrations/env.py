"""Alembic's environment: migrate the :class:`Database` found in the config's attributes.

Run through :mod:`xor_trading.persistence.migrate` (``xor db upgrade``), which puts the
database in ``config.attributes["database"]``; the URL never comes from an alembic.ini.

* SQLite: ``render_as_batch`` (SQLite cannot ALTER most things, so Alembic copies the
  table), one transaction for the whole upgrade (``BEGIN IMMEDIATE``: it also keeps a
  second migrating process out), and foreign keys switched off for its duration (a
  batch copy drops and re-creates referenced tables) then checked with
  ``PRAGMA foreign_key_check`` before the commit.
* PostgreSQL: one transaction, serialised between processes by an advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection, text

from xor_trading.persistence.database import Database
from xor_trading.persistence.migrations.autogen import render_item, revision_directives_hook
from xor_trading.persistence.tables import load_all

# Any constant works; it only has to be the same for every XOR process.
MIGRATION_LOCK_ID = 0x584F52  # "XOR"

config = context.config
target_metadata = load_all()


def _database() -> Database:
    database = config.attributes.get("database")
    if not isinstance(database, Database):
        raise RuntimeError(
            "run migrations through xor_trading.persistence.migrate (xor db upgrade); "
            "the alembic command line and alembic.ini are not used"
        )
    return database


@contextmanager
def _connection(database: Database) -> Iterator[Connection]:
    if not database.is_sqlite:
        with database.engine.connect() as connection:
            yield connection
        return
    # xor_writer: the transaction begins with BEGIN IMMEDIATE (persistence/database.py).
    with database.engine.execution_options(xor_writer=True).connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        # PRAGMA foreign_keys is a no-op inside a transaction: set it before Alembic
        # begins one, on the DBAPI connection (autocommit mode, see database.py).
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            yield connection
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise RuntimeError(
            f"the migration left {len(violations)} rows violating foreign keys "
            f"(first: {tuple(violations[0])}); it was rolled back"
        )


def run_migrations_online() -> None:
    database = _database()
    with _connection(database) as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=database.is_sqlite,
            # SQLite's DDL is transactional once pysqlite stops managing transactions,
            # which database.py arranges: a failed upgrade leaves the schema untouched.
            transactional_ddl=True,
            compare_type=True,
            render_item=render_item,
            process_revision_directives=revision_directives_hook(
                autogenerate=bool(config.attributes.get("autogenerate", False))
            ),
        )
        with context.begin_transaction():
            if not database.is_sqlite:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID}
                )
            context.run_migrations()
            if database.is_sqlite:
                _check_foreign_keys(connection)


def run_migrations_offline() -> None:
    """``--sql`` mode: print the DDL for the database's dialect instead of running it."""
    database = _database()
    context.configure(
        url=database.url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=database.is_sqlite,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
