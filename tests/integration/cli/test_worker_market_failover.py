"""Market-data failover in the worker (``XOR_MARKET_DATA_FAILOVER``): a paper bot on
binance whose binance URL is a dead port still gets its candles, from the second exchange
(binanceus, pointed at the simulated Binance server), and reaches ``monitoring``; the
switch is a risk event of the bot (rule ``market_data_failover``). Also: the feed factory
builds the failover feed only for a mapped exchange, and refuses an exchange mapped to
itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from xor_trading.cli.worker_commands import FeedKind, _feed_factory
from xor_trading.core.errors import ConfigError
from xor_trading.data.failover_feed import FailoverCandleFeed
from xor_trading.exchanges.ccxt_client.market_feed import CcxtCandleFeed
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    running_binance_server,
)
from xor_trading.persistence.database import Database
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.persistence.tables.risk_events import RiskEventRow
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.settings import Settings
from xor_trading.testing.worker_setup import started_paper_bot

XOR = Path(sys.executable).with_name("xor")
MONITORING_TIMEOUT_S = 45.0
SHUTDOWN_DEADLINE_S = 30.0
SPEC = BotSpec("bot-1", "owner-1", "sma_cross", ("BTC/USDT",), "1m")


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A loopback port that refuses connections (bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def _started_paper_bot(data_dir: Path) -> tuple[Database, str]:
    """A started paper bot in the data directory's database."""
    return started_paper_bot(
        data_dir,
        {
            "name": "failover",
            "strategy": "sma_cross",
            "params": {"fast": 3, "slow": 8},
            "symbols": ["BTC/USDT"],
            "timeframe": "1m",
        },
        with_candles=False,
    )


def _state(database: Database, bot_id: str) -> str:
    with database.read_session() as session:
        return str(session.scalar(select(BotRow.state).where(BotRow.id == bot_id)))


def _failover_events(database: Database, bot_id: str) -> list[tuple[str, str]]:
    with database.read_session() as session:
        rows = session.execute(
            select(RiskEventRow.kind, RiskEventRow.sentence).where(
                RiskEventRow.bot_id == bot_id, RiskEventRow.rule == "market_data_failover"
            )
        ).all()
    return [(kind, sentence) for kind, sentence in rows]


def test_worker_with_dead_primary_feed_gets_candles_from_the_failover_and_monitors(
    environment: dict[str, str], dead_url: str
) -> None:
    database, bot_id = _started_paper_bot(Path(environment["XOR_DATA_DIR"]))
    with running_binance_server(BinanceServerConfig()) as venue:
        env = {
            **os.environ,
            **environment,
            "XOR_EXCHANGE_URL_OVERRIDES": json.dumps({"binance": dead_url, "binanceus": venue.url}),
            "XOR_MARKET_DATA_FAILOVER": json.dumps({"binance": "binanceus"}),
        }
        process = subprocess.Popen(
            [str(XOR), "worker", "--feed", "market", "--no-live", "--poll-ms", "100"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            deadline = time.monotonic() + MONITORING_TIMEOUT_S
            while _state(database, bot_id) != "monitoring" and time.monotonic() < deadline:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.2)
            state = _state(database, bot_id)
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=SHUTDOWN_DEADLINE_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        klines = len(venue.requests(endpoint="GET /api/v3/klines"))
    output = process.stdout.read() if process.stdout else ""
    events = _failover_events(database, bot_id)
    database.dispose()

    assert state == "monitoring", output
    assert code == 0, output
    assert klines >= 1
    assert len(events) >= 1, output
    kind, sentence = events[0]
    assert kind == "breaker_tripped"
    assert sentence.startswith(f"candles of bot {bot_id} now come from binanceus: ")
    assert "candles of bot" in output  # the switch is logged too


def test_market_feed_factory_with_failover_wraps_mapped_exchange_only(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        password_hash_profile="test",
        exchange_url_overrides={"binance": "http://127.0.0.1:9", "okx": "http://127.0.0.1:9"},
        market_data_failover={"binance": "okx"},
    )
    factory = _feed_factory(FeedKind.MARKET, settings, 60.0)
    other = BotSpec("bot-2", "owner-1", "sma_cross", ("BTC/USDT",), "1m", exchange="okx")

    mapped = factory(SPEC)
    unmapped = factory(other)

    assert isinstance(mapped, FailoverCandleFeed)
    assert mapped.active == "binance"
    assert isinstance(unmapped, CcxtCandleFeed)


def test_market_feed_factory_with_exchange_failing_over_to_itself_raises_config_error(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path, password_hash_profile="test", market_data_failover={"okx": "okx"}
    )

    with pytest.raises(ConfigError, match="market_data_failover sends okx to itself"):
        _feed_factory(FeedKind.MARKET, settings, 60.0)
