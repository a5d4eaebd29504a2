"""Fixtures shared by every test: databases on both back ends.

``database`` is parametrised over SQLite (a fresh file per test) and PostgreSQL (the
local server on 127.0.0.1:5432, one throw-away database per test session, emptied after
each test). PostgreSQL is required: set XOR_TEST_POSTGRES_URL to use another server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.schema import create_schema
from xor_trading.persistence.tables import load_all

POSTGRES_SERVER_URL = os.environ.get(
    "XOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database with the schema, dropped at the end of the session."""
    name = f"xor_test_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the message must say how to fix it, not just fail
        pytest.fail(
            f"PostgreSQL at {POSTGRES_SERVER_URL} is not usable ({exc}); start it with "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    url = POSTGRES_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    create_schema(database)
    database.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(database: Database) -> None:
    tables = [t.name for t in load_all().sorted_tables]
    if not tables:
        return
    quoted = ", ".join(f'"{name}"' for name in tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database with the current schema, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        db = Database(sqlite_url(tmp_path / "xor.db"))
        create_schema(db)
        yield db
        db.dispose()
        return
    url: str = request.getfixturevalue("postgres_database_url")
    db = Database(url)
    try:
        yield db
    finally:
        _empty_postgres(db)
        db.dispose()
