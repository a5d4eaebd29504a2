"""``xor openapi export`` writes the whole, stable OpenAPI document without a database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xor_trading.cli.main import app

OPERATION_ID = re.compile(r"^[a-z0-9-]+-[a-z0-9-]+$")
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir that must stay untouched and a database URL that cannot be reached."""
    data = tmp_path / "data"
    monkeypatch.setenv("XOR_DATA_DIR", str(data))
    monkeypatch.setenv("XOR_DATABASE_URL", "postgresql://xor:pw@127.0.0.1:1/unreachable")
    monkeypatch.setenv("XOR_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    return data


def export(output: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["openapi", "export", "--output", str(output)])
    return result.exit_code, result.stdout, result.stderr


def test_export_writes_a_sorted_document_of_every_route(environment: Path, tmp_path: Path) -> None:
    output = tmp_path / "openapi.json"
    code, out, err = export(output)
    assert code == 0, err
    text = output.read_text(encoding="utf-8")
    document = json.loads(text)
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert document["openapi"].startswith("3.")

    paths = document["paths"]
    assert [p for p in paths if not p.startswith("/api/v1/")] == []
    operations = [
        op for item in paths.values() for method, op in item.items() if method in HTTP_METHODS
    ]
    ids = [op["operationId"] for op in operations]
    assert [i for i in ids if not OPERATION_ID.fullmatch(i)] == []
    assert len(ids) == len(set(ids))
    assert {"health-live", "funds-deposit", "funds-set-fee-plan"} <= set(ids)
    assert out.strip() == f"wrote {output}: {len(paths)} paths, {len(operations)} operations"
    assert not environment.exists()  # no secrets, no database file, nothing written


def test_export_is_byte_for_byte_stable(environment: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert export(first)[0] == 0
    assert export(second)[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_export_into_a_missing_directory_is_refused(environment: Path, tmp_path: Path) -> None:
    code, _, err = export(tmp_path / "missing" / "openapi.json")
    assert code == 2
    assert err.startswith(f"error: the directory {tmp_path / 'missing'} does not exist")
