"""Fixtures of the live-bot tests: the simulated Binance server (a thread, 0.1 % fees), a
SQLite test database and a container pointing at the venue. Helpers live in the test
kit (``xor_trading.testing.live_bots``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    running_binance_server,
)
from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.schema import create_schema
from xor_trading.services.container import Container
from xor_trading.testing.live_bots import make_container, venue_config


@pytest.fixture
def venue() -> Iterator[BinanceServerHandle]:
    with running_binance_server(venue_config()) as handle:
        yield handle


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """SQLite only here (the parametrised fixture of tests/conftest.py would run every
    live scenario twice); the crash-recovery test covers PostgreSQL."""
    db = Database(sqlite_url(tmp_path / "xor.db"))
    create_schema(db)
    yield db
    db.dispose()


@pytest.fixture
def container(database: Database, tmp_path: Path, venue: BinanceServerHandle) -> Container:
    return make_container(database, tmp_path / "data", venue.url)
