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

import pytest
from sqlalchemy import select

from xor_trading.core.clock import LiveClock
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import sample_series
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.migrate import upgrade_to_head
from xor_trading.persistence.tables.bot_leases import BotLeaseRow
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.runtime.settings import Settings
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import build_container
from xor_trading.services.principal import Principal
from xor_trading.testing.seed_records import seed_user

XOR = Path(sys.executable).with_name("xor")
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_DEADLINE_S = 30.0


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
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


def _started_paper_bot(data_dir: Path) -> tuple[Database, str]:
    """A started paper sma_cross bot in the data directory's database, and BTC/USDT 1h
    candles in its store (all in the past: the bot warms up and then waits)."""
    database = Database(sqlite_url(data_dir / "xor.db"))
    upgrade_to_head(database)
    settings = Settings(data_dir=data_dir, password_hash_profile="test")
    container = build_container(settings, database=database)
    sample = next(
        s for s in sample_series() if str(s.symbol) == "BTC/USDT" and s.timeframe.text == "1h"
    )
    ParquetCandleStore(settings.candles_dir).write(
        "binance",
        sample.symbol,
        sample.timeframe,
        read_candle_parquet(sample.path, sample.timeframe.ms),
    )
    now = datetime.fromtimestamp(LiveClock().now_ms() // 1000, UTC)
    owner = Principal(seed_user(database, email="t@example.test", now=now), Role.TRADER)
    service = BotService(container)
    bot = service.create(
        owner,
        {"name": "p", "strategy": "sma_cross", "symbols": ["BTC/USDT"], "timeframe": "1h"},
    )
    service.command(owner, bot.id, BotCommand.START)
    return database, bot.id


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
