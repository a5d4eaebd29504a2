"""``xor serve``: upgrades the database, binds loopback by default, stops cleanly on SIGTERM,
and refuses weak secrets in production before binding anything (S12)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.cli.serve_command import SERVER_OPTIONS

XOR = Path(sys.executable).with_name("xor")
STARTUP_TIMEOUT_S = 40
STOP_TIMEOUT_S = 10


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """XOR_* settings of a development server on a temporary data directory."""
    values = {
        "XOR_DATA_DIR": str(tmp_path / "data"),
        "XOR_CONFIG_FILE": str(tmp_path / "absent.toml"),
        "XOR_MODE": "development",
    }
    for name in [n for n in os.environ if n.startswith("XOR_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_serve_answers_health_and_exits_0_on_sigterm(environment: dict[str, str]) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [str(XOR), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **environment},
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200, f"no answer within {STARTUP_TIMEOUT_S} s (exit {process.poll()})"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOP_TIMEOUT_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stdout is not None
    output = process.stdout.read()
    data_dir = Path(environment["XOR_DATA_DIR"])
    assert f"database: sqlite+pysqlite:///{data_dir / 'xor.db'}" in output
    assert "upgrading the database schema to the newest migration..." in output
    assert f"XOR API at http://127.0.0.1:{port}/api/v1" in output
    assert output.rstrip().endswith("stopped")
    assert (data_dir / "xor.db").exists()


def test_serve_binds_loopback_by_default_after_upgrading(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: calls.append((target, kw)))
    before = signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
    assert (calls[0][1]["host"], calls[0][1]["port"]) == ("127.0.0.1", 8000)
    assert "XOR API at http://127.0.0.1:8000/api/v1" in result.stdout
    assert result.stderr == ""  # no "reachable from other machines" warning
    assert signal.getsignal(signal.SIGTERM) == before  # handlers restored


def test_serve_with_workers_uses_the_factory(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: calls.append((target, kw)))
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--workers", "2"])
    assert result.exit_code == 0, result.stderr
    assert calls == [
        (
            "xor_trading.api.asgi:create_app_from_environment",
            {"factory": True, "host": "0.0.0.0", "port": 8000, "workers": 2, **SERVER_OPTIONS},
        )
    ]
    assert "reachable from other machines" in result.stderr
    assert "warning: 2 workers without XOR_REDIS_URL: each keeps its own rate-limit" in (
        result.stderr
    )


def test_serve_with_workers_and_redis_does_not_warn_about_sharing(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XOR_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: None)
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_production_with_a_weak_secret_refuses_before_binding(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XOR_MODE", "production")
    monkeypatch.setenv("XOR_JWT_SECRET", "changeme")
    monkeypatch.setenv("XOR_KEK", "Y2hhbmdlbWVjaGFuZ2VtZWNoYW5nZW1lY2hhbmdlbWU=")

    def must_not_bind(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("uvicorn.run was called")

    monkeypatch.setattr("uvicorn.run", must_not_bind)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the JWT secret from XOR_JWT_SECRET is weak")
    assert result.stdout == ""
    assert not (Path(environment["XOR_DATA_DIR"]) / "xor.db").exists()
