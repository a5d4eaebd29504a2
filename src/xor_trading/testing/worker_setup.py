"""Set up a data directory for a ``xor worker`` subprocess test: the schema, a trader and a
started paper bot, optionally the shipped BTC/USDT 1h candles in the store.

The worker process opens the same SQLite file (``XOR_DATA_DIR/xor.db``) and runs the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xor_trading.core.clock import LiveClock
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.data.samples import sample_series
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.migrate import upgrade_to_head
from xor_trading.runtime.settings import Settings
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import build_container
from xor_trading.services.principal import Principal
from xor_trading.testing.seed_records import seed_user

__all__ = ["started_paper_bot", "store_shipped_candles"]


def store_shipped_candles(
    settings: Settings, symbol: str = "BTC/USDT", timeframe: str = "1h"
) -> None:
    """Write the shipped sample series of ``symbol``/``timeframe`` into the candle store."""
    sample = next(
        s for s in sample_series() if str(s.symbol) == symbol and s.timeframe.text == timeframe
    )
    ParquetCandleStore(settings.candles_dir).write(
        "binance",
        sample.symbol,
        sample.timeframe,
        read_candle_parquet(sample.path, sample.timeframe.ms),
    )


def started_paper_bot(
    data_dir: Path, config: Mapping[str, Any], *, with_candles: bool = True
) -> tuple[Database, str]:
    """A trader's paper bot with ``config`` (as the API takes it), started, in the data
    directory's database (schema upgraded); with ``with_candles`` the shipped BTC/USDT 1h
    candles are stored too. Returns the database and the bot id."""
    database = Database(sqlite_url(data_dir / "xor.db"))
    upgrade_to_head(database)
    settings = Settings(data_dir=data_dir, password_hash_profile="test")
    container = build_container(settings, database=database)
    if with_candles:
        store_shipped_candles(settings)
    now = datetime.fromtimestamp(LiveClock().now_ms() // 1000, UTC)
    owner = Principal(seed_user(database, email="t@example.test", now=now), Role.TRADER)
    service = BotService(container)
    bot = service.create(owner, dict(config))
    service.command(owner, bot.id, BotCommand.START)
    return database, bot.id
