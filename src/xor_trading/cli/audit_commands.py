"""``xor audit``: check the tamper-evident audit log, and pin its head (S16).

``xor audit verify`` re-computes the whole hash chain (in batches) and compares it with
the checkpoints stored in the database and any given with ``--checkpoint SEQ:HASH``
(the copies an operator keeps elsewhere: only those survive an attacker who can also
delete the stored ones). Exit status 0 when intact, 1 when broken (the first broken
entry is printed), 2 on an error such as an unreachable database.

``xor audit checkpoint`` stores the current head and prints ``SEQ:HASH``: copy it out of
the server (a ticket, a password manager, another machine).
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import ConfigError
from xor_trading.runtime.settings import load_settings
from xor_trading.security.audit_chain import Checkpoint
from xor_trading.services.audit import verify_audit_log, write_checkpoint
from xor_trading.services.container import build_container

audit_app = typer.Typer(help="Verify and checkpoint the audit log.", no_args_is_help=True)

BROKEN_EXIT_CODE = 1
_CHECKPOINT = re.compile(r"^([1-9][0-9]*):([0-9a-f]{64})$")


def parse_checkpoint(text: str) -> Checkpoint:
    """``"SEQ:HASH"`` (as printed by ``xor audit checkpoint``) to a checkpoint."""
    match = _CHECKPOINT.match(text.strip())
    if match is None:
        raise ConfigError(
            f"--checkpoint {text!r} is not SEQ:HASH",
            "pass it as printed by xor audit checkpoint, e.g. 42:9f86d0...",
        )
    return Checkpoint(int(match.group(1)), match.group(2))


@audit_app.command("verify")
def verify(
    checkpoint: Annotated[
        list[str] | None,
        typer.Option(
            "--checkpoint", help="A head kept outside the database, SEQ:HASH (repeatable)."
        ),
    ] = None,
) -> None:
    """Verify the whole audit chain; exit 0 when intact, 1 when broken."""
    with exit_on_xor_error():
        extra = [parse_checkpoint(text) for text in checkpoint or []]
        container = build_container(load_settings())
        try:
            result = verify_audit_log(container, extra)
        finally:
            container.close()
    if not result.ok:
        typer.echo(
            f"BROKEN at entry {result.first_broken_seq}: {result.reason} "
            f"({result.checked} entries read)"
        )
        raise typer.Exit(code=BROKEN_EXIT_CODE)
    head = f"; head {result.head.seq}:{result.head.hash}" if result.head else ""
    typer.echo(f"ok: {result.checked} entries verified{head}")


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Store the current head of the log and print it as SEQ:HASH (copy it elsewhere)."""
    with exit_on_xor_error():
        container = build_container(load_settings())
        try:
            point = write_checkpoint(container)
        finally:
            container.close()
    typer.echo(f"{point.seq}:{point.hash}")
