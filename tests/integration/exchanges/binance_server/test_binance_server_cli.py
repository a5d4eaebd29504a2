"""``xor venue serve``: starts, answers, stops cleanly on Ctrl-C; refuses bad options."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from xor_trading.cli.main import app


def test_venue_serve_prints_url_answers_ping_and_stops_on_sigint(tmp_path: Path):
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("xor")),
            "venue",
            "serve",
            "--port",
            "0",
            "--seed",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"XOR_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", lines[0])
        assert url is not None, lines
        assert "fault seed 5" in lines[2]
        assert "XOR_EXCHANGE_URL_OVERRIDES" in lines[4]
        with urllib.request.urlopen(f"{url[1]}/api/v3/ping", timeout=5) as response:
            assert response.read() == b"{}"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
        assert process.returncode == 0
        assert "venue stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_venue_serve_bad_fault_spec_exits_2_with_hint(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["venue", "serve", "--faults", "explode=0.5"])
    assert result.exit_code == 2
    assert "unknown fault or parameter 'explode'" in result.output


def test_venue_serve_symbol_without_candles_exits_2(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["venue", "serve", "--symbols", "SOL/USDT"])
    assert result.exit_code == 2
    assert "no binance 1m candles for SOL/USDT" in result.output
