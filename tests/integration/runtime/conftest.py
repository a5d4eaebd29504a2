"""Fixtures of the bot runtime's integration tests: a container over the test database,
shipped BTC/USDT 1h candles, a paper sma_cross bot created and started through the bot
service, and a worker whose bots run on a replay of those candles with a test clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.event_path import run_event_path
from xor_trading.core.clock import Clock, TestClock
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.users import Role
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.persistence.database import Database
from xor_trading.risk.config import RiskConfig
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.settings import Settings
from xor_trading.services.bot_service import BotService
from xor_trading.services.bot_worker import BotWorker, WorkerOptions
from xor_trading.services.container import Container, build_container
from xor_trading.services.principal import Principal
from xor_trading.strategies.sma_cross import SmaCross, SmaCrossConfig
from xor_trading.testing.seed_records import seed_user
from xor_trading.timeseries.candle_frame import CandleFrame

WALL_START_MS = 1_767_225_600_000  # 2026-01-01, the container's (lease) clock
WARMUP = 8  # = slow: sma_cross cannot signal before its slow average exists
PARAMS = {"fast": 3, "slow": 8}
CANDLES = 90
STAKE = Decimal(1_000)


def sample_frame(n: int = CANDLES) -> CandleFrame:
    """The first ``n`` shipped BTC/USDT 1h candles (real Binance data, no gap there)."""
    frame = ParquetCandleStore(SAMPLES_DIR).read("binance", "BTC/USDT", "1h").frame
    return frame.between(int(frame.ts_ms[0]), int(frame.ts_ms[n]))


@pytest.fixture
def container(database: Database, tmp_path: Path) -> Container:
    settings = Settings(data_dir=tmp_path / "data", password_hash_profile="test")
    return build_container(settings, clock=TestClock(WALL_START_MS), database=database)


@dataclass
class BotFixture:
    container: Container
    owner: Principal
    bot_id: str
    frame: CandleFrame
    warmup: int = WARMUP
    params: dict[str, int] = field(default_factory=lambda: dict(PARAMS))
    stake: Decimal = STAKE

    @property
    def live_candles(self) -> int:
        """Candles fed after the warm-up."""
        return len(self.frame) - self.warmup

    def service(self) -> BotService:
        return BotService(self.container)

    def start(self) -> None:
        self.service().command(self.owner, self.bot_id, BotCommand.START)

    def worker(self, frame: CandleFrame | None = None, **options: Any) -> BotWorker:
        return make_worker(self.container, self.frame if frame is None else frame, **options)

    def candles_until_open_position(self) -> int:
        """How many candles end with the first position open and no exit sent yet."""
        result = run_event_path(
            self.frame,
            load_instrument("binance", "BTC/USDT"),
            SmaCross,
            SmaCrossConfig(**self.params),
            BacktestConfig(capital=Decimal(10_000), stake=self.stake, risk=RiskConfig.disabled()),
        )
        entry, exit_ = [o for o in result.orders if o.filled_qty > 0][:2]
        tf = self.frame.timeframe_ms
        signal = (entry.created_ms - int(self.frame.ts_ms[0])) // tf - 1  # candle that closed
        assert (exit_.created_ms - entry.created_ms) // tf >= 2  # held for more than a candle
        return signal + 2


def make_worker(
    container: Container, frame: CandleFrame, start_at: int = WARMUP, **options: Any
) -> BotWorker:
    """A worker whose bots replay ``frame`` on a test clock at candle ``start_at``'s open
    (the ``WARMUP`` candles before it are the warm-up)."""
    feed = ReplayCandleFeed.over_frames({"BTC/USDT": frame}, wait_at_end=True)
    start = int(frame.ts_ms[start_at])
    clock_of: Callable[[BotSpec], Clock] = lambda _spec: TestClock(start)  # noqa: E731
    opts = WorkerOptions(stake=STAKE, warmup_candles=WARMUP, **options)
    return BotWorker(container, lambda _spec: feed, options=opts, bot_clock=clock_of)


def create_bot(container: Container, *, email: str = "trader@example.test") -> BotFixture:
    now = datetime.fromtimestamp(WALL_START_MS / 1000, UTC)
    user_id = seed_user(container.database, email=email, now=now)
    owner = Principal(user_id, Role.TRADER)
    view = BotService(container).create(
        owner,
        {
            "name": "paper sma",
            "strategy": "sma_cross",
            "params": PARAMS,
            "symbols": ["BTC/USDT"],
            "timeframe": "1h",
            "mode": "paper",
            "risk": {"enabled": False},
        },
    )
    return BotFixture(container, owner, view.id, sample_frame())


@pytest.fixture
def paper_bot(container: Container) -> BotFixture:
    return create_bot(container)


@pytest.fixture
def new_bot(container: Container) -> Callable[[str], BotFixture]:
    """Another paper bot (of another user) on the same database."""
    return lambda email: create_bot(container, email=email)


@pytest.fixture
def worker_for(container: Container) -> Callable[..., BotWorker]:
    """``worker_for(frame, worker_id=..., timing=...)``: another worker process."""
    return lambda frame, **options: make_worker(container, frame, **options)
