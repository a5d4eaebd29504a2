"""Turning XOR errors into one line on stderr and exit code 2, for every ``xor`` command.

Use it as a decorator on a Typer command, or as a context manager around a block::

    @data_app.command()
    @exit_on_xor_error()
    def seed() -> None: ...

    with exit_on_xor_error():
        ...

An :class:`~xor_trading.core.errors.XorError` prints ``error: <message> (<hint>)`` to
stderr and exits with status 2. Any other exception is a bug and propagates with its
traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from xor_trading.core.errors import XorError

XOR_ERROR_EXIT_CODE = 2


@contextmanager
def exit_on_xor_error() -> Iterator[None]:
    """Print an ``XorError`` as one line on stderr and exit with code 2."""
    try:
        yield
    except XorError as exc:
        one_line = " ".join(exc.one_line().split())
        typer.echo(f"error: {one_line}", err=True)
        raise typer.Exit(code=XOR_ERROR_EXIT_CODE) from None
