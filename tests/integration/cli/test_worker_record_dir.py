"""``xor worker --record-dir DIR``: a paper bot run by the worker process (replayed past
candles on the market clock, stopped by SIGTERM with --flatten-on-exit) is recorded to
``DIR/<bot_id>-<fencing token>.jsonl``, the path printed; ``xor replay`` of that file
exits 0 with the footer's hash: the run is reproduced exactly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.persistence.database import Database
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.testing.worker_setup import started_paper_bot

XOR = Path(sys.executable).with_name("xor")
REPLAY_FROM = "2024-04-01T00:00:00+00:00"
TRADE_TIMEOUT_S = 30.0
SHUTDOWN_DEADLINE_S = 30.0


def _started_paper_bot(data_dir: Path) -> tuple[Database, str]:
    """A started paper sma_cross (3/8) bot on BTC/USDT 1h, the shipped candles stored."""
    return started_paper_bot(
        data_dir,
        {
            "name": "recorded",
            "strategy": "sma_cross",
            "params": {"fast": 3, "slow": 8},
            "symbols": ["BTC/USDT"],
            "timeframe": "1h",
        },
    )


def _trades(database: Database, bot_id: str) -> int:
    with database.read_session() as session:
        count = session.scalar(
            select(func.count()).select_from(TradeRow).where(TradeRow.bot_id == bot_id)
        )
    return int(count or 0)


def test_worker_record_dir_run_stopped_by_sigterm_replays_with_the_same_hash(
    environment: dict[str, str], tmp_path: Path
) -> None:
    database, bot_id = _started_paper_bot(Path(environment["XOR_DATA_DIR"]))
    record_dir = tmp_path / "logs"
    process = subprocess.Popen(
        [
            str(XOR), "worker", "--feed", "replay", "--replay-speed", "0",
            "--replay-from", REPLAY_FROM, "--no-live", "--poll-ms", "100",
            "--flatten-on-exit", "--record-dir", str(record_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **environment},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + TRADE_TIMEOUT_S
        while not _trades(database, bot_id) and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=SHUTDOWN_DEADLINE_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read() if process.stdout else ""
    database.dispose()
    path = record_dir / f"{bot_id}-1.jsonl"
    footer = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])

    result = CliRunner().invoke(app, ["replay", str(path)])

    assert code == 0, output
    assert f"bot {bot_id}: recording its run to {path}" in output
    assert footer["type"] == "footer"
    assert footer["outputs"] > 0
    assert result.exit_code == 0, result.output
    assert f"sha256 {footer['sha256']}" in result.output
