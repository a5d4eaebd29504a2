"""Append-only tables at the database layer (S16): the audit log cannot be edited in place.

Two independent guards, so that neither a bug in XOR nor a stolen application login can
rewrite history:

* triggers that abort every UPDATE and DELETE on :data:`APPEND_ONLY_TABLES`, on SQLite
  and PostgreSQL (:func:`append_only_ddl`, installed by the schema creation; the Alembic
  migration runs the same statements);
* on PostgreSQL, an application role that may only INSERT and SELECT on those tables
  (:func:`grant_app_role`); only the owner (the migration role) could drop the triggers.

TRUNCATE is not blocked by a trigger (test fixtures empty every table between tests);
the application role has no TRUNCATE privilege, which is what protects production.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text

__all__ = [
    "APPEND_ONLY_TABLES",
    "append_only_ddl",
    "drop_append_only_ddl",
    "grant_app_role",
    "install_append_only",
]

APPEND_ONLY_TABLES = ("audit_log", "audit_checkpoints")
_PG_FUNCTION = "xor_refuse_append_only_change"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _trigger_name(table: str, operation: str) -> str:
    return f"{table}_no_{operation.lower()}"


def append_only_ddl(dialect: str) -> list[str]:
    """The statements that make :data:`APPEND_ONLY_TABLES` refuse UPDATE and DELETE.

    Idempotent (safe to run twice). ``dialect`` is ``"sqlite"`` or ``"postgresql"``.
    """
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {_trigger_name(table, op)} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} is not allowed'); END"
            for table in APPEND_ONLY_TABLES
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        function = (
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        return [function] + [
            f"CREATE OR REPLACE TRIGGER {_trigger_name(table, op)} BEFORE {op} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()"
            for table in APPEND_ONLY_TABLES
            for op in ("UPDATE", "DELETE")
        ]
    raise ValueError(f"no append-only DDL for the {dialect!r} back end")


def drop_append_only_ddl(dialect: str) -> list[str]:
    """The statements undoing :func:`append_only_ddl` (an Alembic downgrade)."""
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"no append-only DDL for the {dialect!r} back end")
    on = " ON {table}" if dialect == "postgresql" else ""
    statements = [
        f"DROP TRIGGER IF EXISTS {_trigger_name(table, op)}{on.format(table=table)}"
        for table in APPEND_ONLY_TABLES
        for op in ("UPDATE", "DELETE")
    ]
    if dialect == "postgresql":
        statements.append(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
    return statements


def install_append_only(bind: Engine | Connection) -> None:
    """Run :func:`append_only_ddl` on ``bind`` (a connection: in its transaction)."""
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            install_append_only(connection)
        return
    for statement in append_only_ddl(bind.dialect.name):
        bind.execute(text(statement))


def grant_app_role(engine: Engine, role_name: str) -> None:
    """Create (if absent) the PostgreSQL login role the application runs as, and grant it
    full access to every table except :data:`APPEND_ONLY_TABLES`, where it may only
    INSERT and SELECT. Run by the owner of the tables (the migration role) after each
    migration; idempotent. Set the role's password separately (``ALTER ROLE ... PASSWORD``).
    """
    if engine.dialect.name != "postgresql":
        raise ValueError("database roles exist on PostgreSQL only")
    if not _ROLE_NAME.match(role_name):
        raise ValueError(f"role name {role_name!r} must match {_ROLE_NAME.pattern}")
    protected = ", ".join(APPEND_ONLY_TABLES)
    with engine.begin() as connection:
        connection.execute(
            text(
                "DO $$ BEGIN "
                f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role_name}') THEN "
                f"CREATE ROLE {role_name} LOGIN; END IF; END $$"
            )
        )
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {role_name}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role_name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role_name}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {protected} FROM {role_name}",
        ):
            connection.execute(text(statement))
