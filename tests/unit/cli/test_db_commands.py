"""``xor db upgrade`` and ``xor db current`` on a SQLite data directory.

The shipped revisions are replaced by one hand-written revision in a temporary directory
(the migration tests cover the shipped ones), so the expected output is exact whatever
is shipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.persistence import migrate

REVISION_ID = "0000c1i0b0e1"
REVISION = f'''"""A probe table for the CLI tests."""

import sqlalchemy as sa
from alembic import op

revision = "{REVISION_ID}"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("cli_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("cli_probe")
'''
EMPTY = "empty (no migration applied)"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / f"{REVISION_ID}_probe.py").write_text(REVISION, encoding="utf-8")
    shipped_config = migrate.alembic_config

    def probe_config(database=None, *, version_locations=None):  # type: ignore[no-untyped-def]
        return shipped_config(database, version_locations=version_locations or [versions])

    monkeypatch.setattr(migrate, "alembic_config", probe_config)
    data = tmp_path / "data"
    monkeypatch.setenv("XOR_DATA_DIR", str(data))
    monkeypatch.delenv("XOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    return data


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_upgrade_applies_the_migrations_then_is_a_no_op(data_dir: Path) -> None:
    url = f"sqlite+pysqlite:///{data_dir / 'xor.db'}"
    code, out, _ = run("db", "upgrade")
    assert code == 0
    assert out.splitlines() == [f"database: {url}", f"upgraded: {EMPTY} -> {REVISION_ID}"]
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version", "cli_probe"}
    engine.dispose()

    code, out, _ = run("db", "upgrade")
    assert code == 0
    assert out.splitlines()[1] == f"already up to date: {REVISION_ID}"


def test_current_says_whether_the_database_is_behind(data_dir: Path) -> None:
    code, out, _ = run("db", "current")
    assert code == 0
    assert out.splitlines()[1:] == [
        f"current: {EMPTY}",
        f"newest:  {REVISION_ID}",
        "behind: run xor db upgrade",
    ]
    run("db", "upgrade")
    code, out, _ = run("db", "current")
    assert out.splitlines()[1:] == [
        f"current: {REVISION_ID}",
        f"newest:  {REVISION_ID}",
        "up to date",
    ]


def test_an_unreachable_database_is_one_line_without_the_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XOR_DATABASE_URL", "postgresql://xor:hunter2secret@127.0.0.1:1/xor")
    code, out, err = run("db", "upgrade")
    assert code == 2
    assert out.splitlines() == ["database: postgresql+psycopg://xor:***@127.0.0.1:1/xor"]
    assert err.startswith("error: the database postgresql+psycopg://xor:***@127.0.0.1:1/xor ")
    assert "check XOR_DATABASE_URL" in err
    assert "hunter2secret" not in out + err
    assert "Traceback" not in out + err
