"""Write a new Alembic revision from the difference between the migrations and the models.

Usage::

    python scripts/new_migration.py "add bot notes"
    python scripts/new_migration.py "add bot notes" --versions-dir /tmp/versions

It upgrades an empty scratch SQLite database (in a temporary directory, deleted after) to
the newest shipped revision, compares it with the SQLAlchemy models
(``persistence.tables.load_all()``) and writes what differs as a revision into
``src/xor_trading/persistence/migrations/versions`` (or ``--versions-dir``), then runs
``ruff check --fix`` and ``ruff format`` on it. A revision creating an append-only table
(``persistence/append_only.py``) gets its triggers installed in ``upgrade``.

Review the file before committing it: autogenerate does not see renamed columns (it
writes a drop and an add) nor data migrations. Exit codes: 0 written, 1 nothing to write
(the models match the migrations), 2 bad usage.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.migrate import VERSIONS_DIR, autogenerate_revision, upgrade_to_head

NOTHING_TO_WRITE_EXIT_CODE = 1


def _ruff(path: Path) -> None:
    beside_python = Path(sys.executable).with_name("ruff")
    ruff = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    if ruff is None:
        print(f"ruff not found; run ruff check --fix and ruff format on {path} yourself")
        return
    # Drop the template's unused imports and sort them, wrap long lines, then report
    # whatever is left for the reviewer.
    subprocess.run([ruff, "check", "--fix-only", "--quiet", str(path)], check=False)
    subprocess.run([ruff, "format", "--quiet", str(path)], check=True)
    subprocess.run([ruff, "check", "--quiet", str(path)], check=False)


def new_migration(message: str, versions_dir: Path) -> Path | None:
    """Write the revision for ``message`` into ``versions_dir``; ``None`` when nothing changed."""
    locations = None if versions_dir.resolve() == VERSIONS_DIR.resolve() else [versions_dir]
    with tempfile.TemporaryDirectory(prefix="xor-migration-") as scratch:
        database = Database(sqlite_url(Path(scratch) / "scratch.db"))
        try:
            upgrade_to_head(database, version_locations=locations)
            path = autogenerate_revision(database, message, version_locations=locations)
        finally:
            database.dispose()
    if path is not None:
        _ruff(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("message", help='What the revision changes, e.g. "add bot notes".')
    parser.add_argument(
        "--versions-dir",
        type=Path,
        default=VERSIONS_DIR,
        help="Where revisions live (default: the shipped migrations/versions).",
    )
    args = parser.parse_args(argv)
    if not args.message.strip():
        parser.error("the message must not be empty")
    if not args.versions_dir.is_dir():
        parser.error(f"{args.versions_dir} is not a directory")
    path = new_migration(args.message.strip(), args.versions_dir)
    if path is None:
        print("the models match the migrations: no revision written")
        return NOTHING_TO_WRITE_EXIT_CODE
    print(f"wrote {path}; review it, then run the migration tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
