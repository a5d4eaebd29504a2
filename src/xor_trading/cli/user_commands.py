"""``xor users``: manage accounts from the server's shell (the first admin, above all).

``xor users create EMAIL [--admin | --role viewer|trader|admin] [--password-stdin]``
creates an active account and prints its id. The password is read from standard input
(``--password-stdin``, first line) or asked for twice without echo; it is never a command
line argument (those end up in shell history and ``ps``). The password policy applies.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import ConfigError, InputError
from xor_trading.domain.users import Role
from xor_trading.persistence.schema import create_schema
from xor_trading.runtime.settings import load_settings
from xor_trading.services.auth_service import create_user_record
from xor_trading.services.container import build_container

users_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise InputError("no password on standard input", "pipe it in: ... | xor users create")
        return password
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


@users_app.command("create", no_args_is_help=True)
def create(
    email: Annotated[str, typer.Argument(help="The new user's email (their login).")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin.")] = False,
    role: Annotated[
        Role | None,
        typer.Option("--role", case_sensitive=False, help="viewer, trader (default) or admin."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
) -> None:
    """Create an active user and print its id.

    The database is first brought to the current schema (a no-op when it already is), so
    this works on a fresh installation to create the first admin.
    """
    with exit_on_xor_error():
        if admin and role not in (None, Role.ADMIN):
            raise ConfigError(
                f"--admin contradicts --role {role.value if role else ''}",
                "pass one of them",
            )
        chosen = Role.ADMIN if admin else (role or Role.TRADER)
        password = _read_password(password_stdin)
        container = build_container(load_settings())
        try:
            create_schema(container.database)
            user_id = create_user_record(container, email=email, password=password, role=chosen)
        finally:
            container.close()
    typer.echo(user_id)
