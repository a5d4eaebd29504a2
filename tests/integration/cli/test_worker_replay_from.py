"""``xor worker --feed replay --replay-from``: a paper bot trades stored (past) candles on
the replay's market clock, so its trades carry the candles' times; on the wall clock it
would warm up on nothing and wait forever. The worker still stops on SIGTERM while the
replay runs at speed 0 (the replay yields to the event loop)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.persistence.database import Database
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.testing.worker_setup import started_paper_bot

XOR = Path(sys.executable).with_name("xor")
REPLAY_FROM = datetime(2024, 4, 1, tzinfo=UTC)  # ~500 1h candles before the sample's end
SAMPLE_END = datetime(2024, 4, 21, 15, tzinfo=UTC)  # close of the last shipped 1h candle
TRADE_TIMEOUT_S = 30.0
SHUTDOWN_DEADLINE_S = 30.0


def _started_paper_bot(data_dir: Path) -> tuple[Database, str]:
    """A started paper sma_cross (3/8) bot on BTC/USDT 1h, the shipped candles stored."""
    return started_paper_bot(
        data_dir,
        {
            "name": "replayed",
            "strategy": "sma_cross",
            "params": {"fast": 3, "slow": 8},
            "symbols": ["BTC/USDT"],
            "timeframe": "1h",
        },
    )


def _trade_times(database: Database, bot_id: str) -> list[tuple[datetime, datetime]]:
    """(entry, exit) of each closed trade of the bot, as aware UTC datetimes."""
    with database.read_session() as session:
        rows = session.execute(
            select(TradeRow.entry_at, TradeRow.exit_at).where(TradeRow.bot_id == bot_id)
        ).all()
    return [(_utc(entry), _utc(exit_)) for entry, exit_ in rows]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def test_worker_replay_from_past_time_bot_trades_at_market_times_then_stops_on_sigterm(
    environment: dict[str, str],
) -> None:
    database, bot_id = _started_paper_bot(Path(environment["XOR_DATA_DIR"]))
    process = subprocess.Popen(
        [
            str(XOR), "worker", "--feed", "replay", "--replay-speed", "0",
            "--replay-from", REPLAY_FROM.isoformat(), "--no-live", "--poll-ms", "100",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **environment},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + TRADE_TIMEOUT_S
        while not _trade_times(database, bot_id) and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.1)
        trades = _trade_times(database, bot_id)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=SHUTDOWN_DEADLINE_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read() if process.stdout else ""
    assert code == 0, output
    assert trades, output
    for entry, exit_ in trades:
        assert REPLAY_FROM <= entry < exit_ <= SAMPLE_END
    database.dispose()


def test_worker_replay_from_with_market_feed_exits_2_naming_the_option(
    environment: dict[str, str],
) -> None:
    result = CliRunner().invoke(app, ["worker", "--replay-from", "2024-04-01"])

    assert result.exit_code == 2
    assert "--replay-from only applies to --feed replay" in result.output


def test_worker_replay_from_not_a_time_exits_2_naming_the_option(
    environment: dict[str, str],
) -> None:
    result = CliRunner().invoke(app, ["worker", "--feed", "replay", "--replay-from", "April"])

    assert result.exit_code == 2
    assert "--replay-from 'April' is not an ISO 8601 date or time" in result.output
