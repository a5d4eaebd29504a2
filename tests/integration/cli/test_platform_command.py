"""``xor platform``: one process runs the API, the simulated venue and the demo paper bot;
the printed demo login works through the API, the bot reaches ``monitoring`` and trades,
and SIGINT stops everything with exit code 0 within 30 s. Bad starts (a port in use,
production mode) are refused with one sentence naming the cause, exit code 2."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from xor_trading.cli.main import app

XOR = Path(sys.executable).with_name("xor")
SPEED = 600  # one 1m candle every 0.1 s: the demo bot's first cross comes within seconds
BANNER_TIMEOUT_S = 40.0
TRADE_TIMEOUT_S = 30.0
SHUTDOWN_DEADLINE_S = 30.0
LOGIN = re.compile(r"demo login:\s+(\S+@\S+)\s+password: (\S+)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """XOR_* settings of a development platform on a temporary data directory."""
    values = {
        "XOR_DATA_DIR": str(tmp_path / "data"),
        "XOR_CONFIG_FILE": str(tmp_path / "absent.toml"),
        "XOR_MODE": "development",
        "XOR_PASSWORD_HASH_PROFILE": "test",
    }
    for name in [n for n in os.environ if n.startswith("XOR_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


class _Lines:
    """The process's output, line by line, read in a thread (never blocks the test)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self._stream = process.stdout
        self._queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self._stream:
            self._queue.put(line)

    def wait_for(self, pattern: re.Pattern[str], timeout_s: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if found := pattern.search(line):
                return found
        raise AssertionError(f"no line matching {pattern.pattern!r}:\n{''.join(self.seen)}")

    def rest(self, timeout_s: float = 2.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                self.seen.append(self._queue.get(timeout=0.1))
            except queue.Empty:
                continue
        return "".join(self.seen)


@pytest.fixture
def platform_process(environment: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port, venue_port = _free_port(), _free_port()
    command = [str(XOR), "platform", "--port", str(port), "--venue-port", str(venue_port)]
    process = subprocess.Popen(
        [*command, "--speed", str(SPEED)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **environment},
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _poll(get: Any, until: Any, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = get()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_platform_runs_the_api_venue_and_a_trading_demo_bot_then_stops_with_0_on_sigint(
    platform_process: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = platform_process
    lines = _Lines(process)
    login = lines.wait_for(LOGIN, BANNER_TIMEOUT_S)
    api = f"http://127.0.0.1:{port}/api/v1"
    with httpx.Client(base_url=api, timeout=5) as client:
        assert client.get("/health").status_code == 200
        answer = client.post("/auth/login", json={"email": login[1], "password": login[2]})
        assert answer.status_code == 200, answer.text
        token = answer.json()["tokens"]["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        bots = client.get("/bots").json()["items"]
        assert [(b["name"], b["mode"], b["strategy"]) for b in bots] == [
            ("demo sma_cross BTC/USDT 1m", "paper", "sma_cross")
        ]
        bot_id = bots[0]["id"]

        def reached() -> set[str]:
            history = client.get(f"/bots/{bot_id}/state-history", params={"limit": 200})
            return {change["to_state"] for change in history.json()["items"]}

        assert "monitoring" in _poll(reached, lambda s: "monitoring" in s, TRADE_TIMEOUT_S)
        orders = _poll(
            lambda: client.get("/orders", params={"bot_id": bot_id}).json(),
            lambda page: page["total"] >= 1,
            TRADE_TIMEOUT_S,
        )
        assert orders["total"] >= 1
        first = orders["items"][-1]
        assert (first["symbol"], first["side"], first["tag"]) == ("BTC/USDT", "buy", "entry")

    signalled = time.monotonic()
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=SHUTDOWN_DEADLINE_S)
    took = time.monotonic() - signalled
    output = lines.rest()
    assert code == 0, output
    assert took < SHUTDOWN_DEADLINE_S
    assert f"API:               {api}" in output
    assert f"interactive docs:  {api}/docs" in output
    assert f"replaying BTC/USDT, ETH/USDT 1m at {SPEED}x" in output
    assert output.rstrip().endswith("stopped")


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["platform", *args])


def test_platform_with_its_api_port_in_use_exits_2_naming_the_port(
    environment: dict[str, str],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("--port", str(port), "--venue-port", str(_free_port()))
    assert result.exit_code == 2
    assert result.output.startswith(
        f"error: port {port} on 127.0.0.1 is already in use, so the API cannot listen there"
    )
    assert "--port with a free port" in result.output
    assert not (Path(environment["XOR_DATA_DIR"]) / "xor.db").exists()  # refused first


def test_platform_with_its_venue_port_in_use_exits_2_naming_the_venue(
    environment: dict[str, str],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        venue_port = taken.getsockname()[1]
        result = _run("--port", str(_free_port()), "--venue-port", str(venue_port))
    assert result.exit_code == 2
    assert result.output.startswith(
        f"error: port {venue_port} on 127.0.0.1 is already in use, so the simulated venue "
        "cannot listen there"
    )
    assert "--venue-port with a free port" in result.output


def test_platform_with_one_port_for_both_exits_2(environment: dict[str, str]) -> None:
    port = str(_free_port())
    result = _run("--port", port, "--venue-port", port)
    assert result.exit_code == 2
    assert result.output.startswith(f"error: --port and --venue-port are both {port}")


def test_platform_in_production_mode_exits_2_before_anything_listens(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XOR_MODE", "production")
    result = _run("--port", str(_free_port()), "--venue-port", str(_free_port()))
    assert result.exit_code == 2
    assert result.output.startswith(
        "error: xor platform is a local demo and refuses production mode"
    )
    assert "xor serve" in result.output
