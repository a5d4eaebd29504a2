"""``xor kill-switch``: stop trading from the server's console, without the API.

``xor kill-switch engage --global | --user EMAIL | --bot ID --reason TEXT [--flatten]``
engages a switch and halts every affected running bot; ``xor kill-switch rearm ID
[--reason TEXT]`` re-arms one (halted bots stay halted until their owners stop and start
them); ``xor kill-switch list [--all]`` prints the engaged switches (``--all``: the history).

The console acts as the *system* actor: administrator powers, no step-up (whoever runs
this already controls the server), audited with no user and ``actor=system``. It works
when the API is down, which is when an operator may need it most.
"""

from __future__ import annotations

from typing import Annotated

import typer

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import ConfigError, NotFoundError
from xor_trading.persistence.repositories import platform_controls as controls_repo
from xor_trading.runtime.settings import load_settings
from xor_trading.services.container import build_container
from xor_trading.services.kill_switch_service import (
    KillSwitchScope,
    KillSwitchService,
    KillSwitchView,
)

kill_switch_app = typer.Typer(
    help="Engage and re-arm kill switches (bot, account, global).", no_args_is_help=True
)

LIST_LIMIT = 500


def _line(view: KillSwitchView) -> str:
    target = f" {view.target_id}" if view.target_id else ""
    state = "engaged" if view.engaged else f"re-armed {view.rearmed_at:%Y-%m-%dT%H:%M:%SZ}"
    flatten = " flatten" if view.flatten else ""
    return (
        f"{view.id} {view.scope}{target} {state} since {view.engaged_at:%Y-%m-%dT%H:%M:%SZ}"
        f"{flatten}: {view.reason}"
    )


@kill_switch_app.command("engage", no_args_is_help=True)
def engage(
    reason: Annotated[str, typer.Option("--reason", help="Why trading stops (required).")],
    everyone: Annotated[bool, typer.Option("--global", help="Every bot of every account.")] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="Every bot of this account (its email).")
    ] = None,
    bot: Annotated[str | None, typer.Option("--bot", help="This bot (its id).")] = None,
    flatten: Annotated[
        bool, typer.Option("--flatten", help="Also close open positions at market.")
    ] = False,
) -> None:
    """Engage a kill switch now; print the switch and the bots halted."""
    with exit_on_xor_error():
        chosen = [name for name, given in (("--global", everyone), ("--user", user), ("--bot", bot))
                  if given]  # fmt: skip
        if len(chosen) != 1:
            raise ConfigError(
                "give exactly one of --global, --user EMAIL, --bot ID"
                + (f" (got {', '.join(chosen)})" if chosen else ""),
                "for example: xor kill-switch engage --global --reason 'exchange outage'",
            )
        container = build_container(load_settings())
        try:
            service = KillSwitchService(container)
            if everyone:
                scope, target = KillSwitchScope.GLOBAL, None
            elif user is not None:
                with container.database.read_session() as session:
                    target = controls_repo.user_id_by_email(session, user)
                if target is None:
                    raise NotFoundError(f"no user has the email {user!r}", "check the address")
                scope = KillSwitchScope.ACCOUNT
            else:
                scope, target = KillSwitchScope.BOT, bot
            result = service.engage_as_system(scope, target, reason=reason, flatten=flatten)
        finally:
            container.close()
    verb = "engaged" if result.newly_engaged else "engaged again"
    typer.echo(f"{verb}: {_line(result.switch)}")
    typer.echo(f"halted {len(result.halted_bot_ids)} bot(s)")
    for bot_id in result.halted_bot_ids:
        typer.echo(f"  {bot_id}")


@kill_switch_app.command("rearm", no_args_is_help=True)
def rearm(
    switch_id: Annotated[str, typer.Argument(help="The switch's id (xor kill-switch list).")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it is safe to trade again.")
    ] = "re-armed at the server console",
) -> None:
    """Re-arm a switch. Halted bots stay halted: their owners stop and start them."""
    with exit_on_xor_error():
        container = build_container(load_settings())
        try:
            view = KillSwitchService(container).rearm_as_system(switch_id, reason=reason)
        finally:
            container.close()
    typer.echo(f"re-armed: {_line(view)}")


@kill_switch_app.command("list")
def list_switches(
    everything: Annotated[
        bool, typer.Option("--all", help="Re-armed switches too (newest first).")
    ] = False,
) -> None:
    """Print the engaged switches (with --all: every switch), newest first."""
    with exit_on_xor_error():
        container = build_container(load_settings())
        try:
            views, total = KillSwitchService(container).list_switches(
                None, engaged=None if everything else True, limit=LIST_LIMIT, offset=0
            )
        finally:
            container.close()
    for view in views:
        typer.echo(_line(view))
    shown = f" (newest {len(views)} shown)" if total > len(views) else ""
    typer.echo(f"{total} switch(es){shown}")
