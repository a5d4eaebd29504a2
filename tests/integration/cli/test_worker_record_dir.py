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
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.core.clock import LiveClock
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import sample_series
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.migrate import upgrade_to_head
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.runtime.settings import Settings
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import build_container
from xor_trading.services.principal import Principal
from xor_trading.testing.seed_records import seed_user

XOR = Path(sys.executable).with_name("xor")
REPLAY_FROM = "2024-04-01T00:00:00+00:00"
TRADE_TIMEOUT_S = 30.0
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
    """A started paper sma_cross (3/8) bot on BTC/USDT 1h, the shipped candles stored."""
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
        {
            "name": "recorded",
            "strategy": "sma_cross",
            "params": {"fast": 3, "slow": 8},
            "symbols": ["BTC/USDT"],
            "timeframe": "1h",
        },
    )
    service.command(owner, bot.id, BotCommand.START)
    return database, bot.id


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
