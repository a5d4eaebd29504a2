"""One database: the engine, sessions and the back-end switches (SQLite WAL or PostgreSQL).

The embedded default is a SQLite file in WAL mode (readers never block the writer);
``XOR_DATABASE_URL=postgresql+psycopg://...`` switches to PostgreSQL. Nothing else in
XOR knows which back end it runs on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from xor_trading.core.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (created on first connection)."""
    return f"sqlite+pysqlite:///{path}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def display_url(url: str) -> str:
    """The URL with its password hidden, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


DbSession = Session
"""The session type services pass to repositories (they never import SQLAlchemy)."""


class Database:
    """An engine plus session factories. Thread-safe; one per process.

    ``session()`` yields a session in a transaction that commits when the block ends and
    rolls back when it raises, so a failed request changes nothing. On SQLite it takes
    the write lock when it begins (``BEGIN IMMEDIATE``) so that two writers queue instead
    of failing with ``database is locked``; ``read_session()`` is for requests that only
    read and never takes it.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise ConfigError(
                f"database URL {display_url(url)!r} is not a valid SQLAlchemy URL",
                "use sqlite+pysqlite:///path/xor.db or postgresql://user@host:5432/db",
            ) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ConfigError(
                f"database back end {self.dialect!r} is not supported",
                "use SQLite (the default) or PostgreSQL",
            )
        self.engine: Engine = self._create_engine(parsed.database or "", echo)
        writer = self.engine.execution_options(xor_writer=True)
        self._sessions = sessionmaker(writer, expire_on_commit=False)
        # PostgreSQL reads run in autocommit: one round trip per query instead of BEGIN,
        # query, ROLLBACK. Each statement then sees its own snapshot (a page and its count
        # may differ by a row written in between), which lists can live with.
        reader = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._read_sessions = sessionmaker(reader, expire_on_commit=False)

    def _create_engine(self, database: str, echo: bool) -> Engine:
        if self.dialect == "sqlite":
            in_memory = database in ("", ":memory:")
            kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
            if in_memory:
                kwargs["poolclass"] = StaticPool  # one shared connection, or each sees its own DB
            else:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(self.url, echo=echo, **kwargs)
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        # No pre-ping: it costs a round trip on every checkout (a quarter of a simple read's
        # CPU). After a PostgreSQL restart, the first request on a stale connection fails
        # (500, "retry later") and SQLAlchemy then discards the whole pool (ADR 0011).
        return create_engine(self.url, echo=echo, pool_size=10, max_overflow=20)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-write transaction: commit at the end, roll back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only session (never blocks a writer). SQLite: one transaction, rolled
        back at the end; PostgreSQL: autocommit, each statement its own snapshot."""
        with self._read_sessions() as session, session.begin():
            yield session
            # Detach what was read before ending the transaction: a rollback would first
            # expire every loaded row (about a tenth of a 50-row page's time), and read
            # rows are only used as values once the session is gone.
            session.expunge_all()
            session.rollback()

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown and between tests)."""
        self.engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite recipe), so writers
    # can ask for BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers do not block the writer; NORMAL sync is durable in WAL mode except on
    # power loss of the last transaction, the documented SQLite trade-off.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("xor_writer", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
