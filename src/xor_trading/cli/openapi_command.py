"""``xor openapi export``: write the API's OpenAPI document to a file.

The document is built from the routes alone: the app is created over a throw-away
container (in-memory SQLite, random secrets, a temporary data directory, no Redis), so
exporting never reads or writes a database, secrets or data, and needs no server. The
output is stable: sorted keys, 2-space indent, a trailing newline, so that a committed
copy diffs cleanly and the TypeScript client can be generated from it.
"""

from __future__ import annotations

import base64
import json
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from xor_trading.api.app import create_app
from xor_trading.cli.errors import exit_on_xor_error
from xor_trading.core.errors import InputError
from xor_trading.runtime.settings import Settings
from xor_trading.services.container import build_container

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})

openapi_app = typer.Typer(
    help="The API description: [bold]xor openapi export[/] writes openapi.json.",
    rich_markup_mode="rich",
    no_args_is_help=True,
)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of every mounted route, built without any stored state."""
    with tempfile.TemporaryDirectory(prefix="xor-openapi-") as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            mode="development",
            database_url="sqlite+pysqlite:///:memory:",
            redis_url=None,
            jwt_secret=secrets.token_urlsafe(48),
            kek=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        )
        container = build_container(settings)
        try:
            return create_app(container).openapi()
        finally:
            container.close()


def render(document: dict[str, Any]) -> str:
    """The document as written to the file: sorted keys, indent 2, trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@openapi_app.command()
def export(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write (its directory must exist).")
    ] = Path("openapi.json"),
) -> None:
    """Write the OpenAPI 3 document of the XOR API (every route under /api/v1) to a file.

    Example: [bold]xor openapi export --output web/openapi.json[/]
    """
    with exit_on_xor_error():
        if not output.parent.is_dir():
            raise InputError(
                f"the directory {output.parent} does not exist",
                "create it first or choose another --output",
            )
        document = openapi_document()
        output.write_text(render(document), encoding="utf-8")
    paths: dict[str, dict[str, Any]] = document.get("paths", {})
    operations = sum(1 for item in paths.values() for key in item if key in HTTP_METHODS)
    typer.echo(f"wrote {output}: {len(paths)} paths, {operations} operations")
