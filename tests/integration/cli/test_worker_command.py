"""``xor worker`` as a process: it runs a paper bot from the database and, on SIGTERM,
stops within the 30 s deadline with exit code 0, its bot still in its recorded state and
its lease released (another worker may take the bot at once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from xor_trading.core.clock import LiveClock
from xor_trading.persistence.database import Database
from xor_trading.persistence.tables.bot_leases import BotLeaseRow
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.testing.worker_setup import started_paper_bot

XOR = Path(sys.executable).with_name("xor")
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_DEADLINE_S = 30.0


def _started_paper_bot(data_dir: Path) -> tuple[Database, str]:
    """A started paper sma_cross bot in the data directory's database, and BTC/USDT 1h
    candles in its store (all in the past: the bot warms up and then waits)."""
    return started_paper_bot(
        data_dir,
        {"name": "p", "strategy": "sma_cross", "symbols": ["BTC/USDT"], "timeframe": "1h"},
    )


def _state(database: Database, bot_id: str) -> str:
    with database.read_session() as session:
        return str(session.scalar(select(BotRow.state).where(BotRow.id == bot_id)))


def test_worker_runs_a_paper_bot_and_stops_within_30_s_on_sigterm(
    environment: dict[str, str],
) -> None:
    data_dir = Path(environment["XOR_DATA_DIR"])
    database, bot_id = _started_paper_bot(data_dir)
    process = subprocess.Popen(
        [str(XOR), "worker", "--feed", "replay", "--replay-speed", "0", "--poll-ms", "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **environment},
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while _state(database, bot_id) != "monitoring" and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.1)
        assert _state(database, bot_id) == "monitoring"
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=SHUTDOWN_DEADLINE_S)
        took = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stdout is not None
    output = process.stdout.read()
    assert code == 0, output
    assert took < SHUTDOWN_DEADLINE_S
    assert output.rstrip().endswith("worker stopped")
    assert _state(database, bot_id) == "monitoring"  # the recorded state is kept
    with database.read_session() as session:
        lease = session.scalar(select(BotLeaseRow).where(BotLeaseRow.bot_id == bot_id))
        assert lease is not None
        assert lease.expires_at <= datetime.fromtimestamp(LiveClock().now_ms() / 1000, UTC)
    database.dispose()
