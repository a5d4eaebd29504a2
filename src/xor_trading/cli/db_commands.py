"""``xor db``: the database schema. ``upgrade`` applies the missing migrations, ``current``
says where the database stands.

The database is XOR_DATABASE_URL (PostgreSQL or SQLite) or the SQLite file ``xor.db`` in
XOR_DATA_DIR; messages show its URL without the password. Exit code 2 on errors (see
:mod:`xor_trading.cli.errors`).
"""

from __future__ import annotations

import typer

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.persistence.database import Database, display_url
from xor_trading.persistence.migrate import current_revision, head_revision, upgrade_to_head
from xor_trading.runtime.settings import load_settings

db_app = typer.Typer(
    help=(
        "The database schema: [bold]xor db upgrade[/] brings it to the newest migration "
        "(xor serve also does it at start), [bold]xor db current[/] shows its revision."
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
)

EMPTY = "empty (no migration applied)"


def _database() -> Database:
    return Database(load_settings().effective_database_url)


@db_app.command()
def upgrade() -> None:
    """Apply every migration the database lacks, in one transaction; safe to run again.

    Prints the database URL (password hidden) and the revision before and after.
    """
    with exit_on_xor_error():
        database = _database()
        try:
            typer.echo(f"database: {display_url(database.url)}")
            result = upgrade_to_head(database)
        finally:
            database.dispose()
    before = result.from_revision or EMPTY
    after = result.to_revision or EMPTY
    if result.changed:
        typer.echo(f"upgraded: {before} -> {after}")
    else:
        typer.echo(f"already up to date: {after}")


@db_app.command()
def current() -> None:
    """Show the database's revision and the newest one shipped with this XOR."""
    with exit_on_xor_error():
        database = _database()
        try:
            typer.echo(f"database: {display_url(database.url)}")
            at = current_revision(database)
        finally:
            database.dispose()
    head = head_revision()
    typer.echo(f"current: {at or EMPTY}")
    typer.echo(f"newest:  {head or EMPTY}")
    if at == head:
        typer.echo("up to date")
    else:
        typer.echo("behind: run xor db upgrade")
