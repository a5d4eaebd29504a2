"""``xor serve`` runs uvicorn with uvloop, httptools and no access log unless asked for one,
and the served app tunes its process (the test app never does)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from xor_trading.cli.main import app

pytest.importorskip("uvloop")
pytest.importorskip("httptools")


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """uvicorn.run replaced by a recorder, over a development data directory."""
    for name in [n for n in os.environ if n.startswith("XOR_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XOR_CONFIG_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("XOR_MODE", "development")
    recorded: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: recorded.append((target, kw)))
    return recorded


@pytest.mark.parametrize("workers", ["1", "2"])
def test_no_access_log_and_the_fast_loop_and_parser_by_default(
    calls: list[tuple[Any, dict[str, Any]]], workers: str
) -> None:
    result = CliRunner().invoke(app, ["serve", "--workers", workers])
    assert result.exit_code == 0, result.stderr
    ((target, options),) = calls
    assert (options["access_log"], options["loop"], options["http"]) == (
        False,
        "uvloop",
        "httptools",
    )
    if workers == "1":
        assert isinstance(target, FastAPI)
        assert target.state.server_process is True  # gc.freeze and the thread pool at startup


def test_access_log_on_request(calls: list[tuple[Any, dict[str, Any]]]) -> None:
    result = CliRunner().invoke(app, ["serve", "--access-log"])
    assert result.exit_code == 0, result.stderr
    assert calls[0][1]["access_log"] is True
