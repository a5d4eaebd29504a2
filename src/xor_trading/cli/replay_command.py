"""``xor replay FILE``: run a recorded bot again from its event log and check it did the same.

Exit codes: 0 the replay produced exactly the recorded outputs (the output stream's SHA-256
is printed); 1 it diverged (the file's line, the expected and the actual output are
printed); 2 the file cannot be replayed at all (bad header, version or JSON; see
:mod:`xor_trading.cli.errors`). The format and what is compared: docs/replay.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.runtime.event_codec import canonical_json
from xor_trading.runtime.event_log_reader import read_event_log
from xor_trading.runtime.event_replay import ReplayResult, replay_event_log

DIVERGED_EXIT_CODE = 1


def _shown(output: dict[str, Any] | None) -> str:
    return "nothing" if output is None else canonical_json(output)


def _report(result: ReplayResult, has_footer: bool) -> None:
    divergence = result.divergence
    if divergence is not None:
        typer.echo(f"diverged at line {divergence.line}: {divergence.reason}", err=True)
        typer.echo(f"  expected: {_shown(divergence.expected)}", err=True)
        typer.echo(f"  actual:   {_shown(divergence.actual)}", err=True)
        typer.echo(f"  ({result.outputs} outputs matched before it)", err=True)
        raise typer.Exit(code=DIVERGED_EXIT_CODE)
    typer.echo(f"identical: {result.outputs} outputs from {result.inputs} inputs")
    if not has_footer:
        typer.echo(
            "note: the log has no footer (the recording did not end cleanly); "
            "it matched as far as it goes"
        )
    typer.echo(f"sha256 {result.sha256}")


def replay(
    file: Annotated[Path, typer.Argument(help="An event log written by a bot's recorder.")],
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print every output as it is matched.")
    ] = False,
) -> None:
    """Replay a bot's recorded event log and check it reproduces the same outputs."""
    with exit_on_xor_error():
        log = read_event_log(file)
        spec = log.spec
        if verbose:
            symbols = ", ".join(str(s) for s in spec.get("symbols", []))
            typer.echo(
                f"bot {spec.get('bot_id')}: {spec.get('strategy')} on {symbols} "
                f"{spec.get('timeframe')}, {len(log.lines)} lines"
            )
        on_match = (
            (lambda line, output: typer.echo(f"line {line}: {canonical_json(output)}"))
            if verbose
            else None
        )
        result = replay_event_log(log, on_match=on_match)
    _report(result, has_footer=log.footer is not None)
