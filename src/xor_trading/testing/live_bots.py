"""Live bots for tests: a live bot seeded on a sealed key, candles on the wall clock, a
worker running live bots against the simulated Binance server.

* :func:`venue_config`: the simulated Binance server charging Binance's 0.1 % taker and
  maker fee (:data:`BINANCE_FEES`) in the asset received, as Binance does without BNB (a
  buy's commission in the base asset), and two keys (:data:`KEY`, :data:`OTHER_KEY`).
* :func:`make_container`: a container on a database with ``exchange_url_overrides``
  pointing at the venue.
* :func:`seed_live_bot`: a user with MFA and a prepaid fee balance, the venue key sealed
  as ``ExchangeKeyService`` seals it, and a ``sma_cross`` (fast 1, slow 2) bot created
  (and started) through the bot service; ``mode="paper"`` gives the same bot in paper.
* :func:`zigzag_frame`: 1m candles on the wall clock around the venue's price, two up,
  two down: a cross up every fourth candle and a cross down two candles later.
* :func:`make_worker` / :func:`running_worker`: a worker's supervisor running in the
  caller's loop, bots on the wall clock (``LiveClock``: the venue stamps trades with it,
  and the trade cursors compare the two).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import update

from xor_trading.core.clock import LiveClock
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.users import Role
from xor_trading.exchanges.ccxt_client.live_port import LivePortConfig
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    KeySpec,
)
from xor_trading.exchanges.simulated.fill_models import FeeSchedule, VenueConfig
from xor_trading.execution.unknown_resolution import UnknownResolutionConfig
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import client_funds as funds_repo
from xor_trading.persistence.tables.exchange_credentials import ExchangeCredentialRow
from xor_trading.persistence.tables.users import UserRow
from xor_trading.persistence.types import new_id
from xor_trading.runtime.settings import Settings
from xor_trading.runtime.supervisor import Supervisor
from xor_trading.services.bot_service import BotService
from xor_trading.services.bot_worker import BotWorker, WorkerOptions
from xor_trading.services.container import Container, build_container
from xor_trading.services.exchange_key_service import credential_aad
from xor_trading.services.live_venue import CcxtLiveVenueFactory, LiveOptions
from xor_trading.services.principal import Principal
from xor_trading.testing.seed_records import seed_user
from xor_trading.timeseries.candle_frame import CandleFrame

KEY = "live-key-0001"
SECRET = "live-secret-0001"
OTHER_KEY = "live-key-0002"
MINUTE_MS = 60_000
STAKE = Decimal(50)
FEE_BALANCE = Decimal(100)
PARAMS = {"fast": 1, "slow": 2}
NO_FEES = VenueConfig(fees=FeeSchedule(maker_bps=Decimal(0), taker_bps=Decimal(0)))
BINANCE_FEES = VenueConfig(fees=FeeSchedule(maker_bps=Decimal(10), taker_bps=Decimal(10)))

FAST_LIVE = LiveOptions(
    port=LivePortConfig(poll_interval_s=0.3, backoff_s=0.1),
    unknown=UnknownResolutionConfig(min_not_found_span_ms=500),
    in_flight_check_interval_ms=200,
    gate_retry_s=0.2,
    gate_timeout_s=15.0,
    full_check_every_s=3_600.0,
    request_timeout_ms=3_000,
)


def venue_config(**changes: Any) -> BinanceServerConfig:
    keys = {KEY: KeySpec(secret=SECRET), OTHER_KEY: KeySpec(secret=SECRET)}
    changes.setdefault("venue", BINANCE_FEES)
    return BinanceServerConfig(keys=keys, **changes)


def make_container(database: Database, data_dir: Path, venue_url: str) -> Container:
    settings = Settings(
        data_dir=data_dir,
        password_hash_profile="test",
        exchange_url_overrides={"binance": venue_url},
    )
    return build_container(settings, database=database)


@dataclass
class LiveBot:
    container: Container
    owner: Principal
    bot_id: str
    credential_id: str

    def command(self, command: BotCommand) -> None:
        BotService(self.container).command(self.owner, self.bot_id, command)

    def state(self) -> str:
        return BotService(self.container).get(self.owner, self.bot_id).state


def seal_key(container: Container, owner_id: str, api_key: str, secret: str) -> str:
    """An exchange key row as ``ExchangeKeyService.add`` writes it (sealed); its id."""
    credential_id = new_id()
    sealed = container.cipher.seal(
        json.dumps({"api_key": api_key, "secret": secret, "password": None}).encode(),
        credential_aad(owner_id, credential_id),
    )
    now = datetime.now(UTC)
    with container.database.session() as session:
        session.add(
            ExchangeCredentialRow(
                id=credential_id, owner_id=owner_id, exchange="binance", label="test key",
                created_at=now, kek_id=sealed.kek_id, wrapped_dek=sealed.wrapped_dek,
                nonce=sealed.nonce, ciphertext=sealed.ciphertext, api_key_last4=api_key[-4:],
                permissions=json.dumps({"trading": True, "withdrawals": False}), validated_at=now,
            )
        )  # fmt: skip
    return credential_id


def seed_live_bot(
    container: Container,
    *,
    email: str = "live@example.test",
    api_key: str = KEY,
    mode: str = "live",
    start: bool = True,
) -> LiveBot:
    """A user with MFA and a ``mode`` sma_cross bot on its sealed key (started)."""
    now = datetime.now(UTC)
    user_id = seed_user(container.database, email=email, now=now)
    with container.database.session() as session:
        session.execute(update(UserRow).where(UserRow.id == user_id).values(mfa_enabled=True))
    owner = Principal(user_id, Role.TRADER, mfa_verified_at_ms=container.clock.now_ms())
    with container.database.session() as session:  # live bots need a prepaid fee balance
        funds_repo.lock_account(session, user_id, now).balance = FEE_BALANCE
    credential_id = seal_key(container, user_id, api_key, SECRET)
    config: dict[str, Any] = {
        "name": f"{mode} sma",
        "strategy": "sma_cross",
        "params": PARAMS,
        "symbols": ["BTC/USDT"],
        "timeframe": "1m",
        "mode": mode,
        "risk": {"enabled": False},
    }
    if mode == "live":
        config["exchange_credential_id"] = credential_id
    view = BotService(container).create(owner, config)
    bot = LiveBot(container, owner, view.id, credential_id)
    if start:
        bot.command(BotCommand.START)
    return bot


def zigzag_frame(price: Decimal, candles_after_now: int, *, history: int = 6) -> CandleFrame:
    """1m candles from ``history`` minutes before the current minute: two up, two down,
    steps of 0.1 % of ``price``."""
    now_open = LiveClock().now_ms() // MINUTE_MS * MINUTE_MS
    n = history + candles_after_now
    ts = np.array([now_open + (i - history) * MINUTE_MS for i in range(n)], dtype=np.int64)
    step = float(price) * 0.001
    level = [0, 1, 2, 1]
    close = np.array([float(price) + level[i % 4] * step for i in range(n)], dtype=np.float64)
    return CandleFrame(ts, close, close + step, close - step, close, np.full(n, 10.0), MINUTE_MS)


def make_worker(
    container: Container,
    frame: CandleFrame,
    *,
    speed: float = 300.0,
    live: LiveOptions | None = FAST_LIVE,
    worker_id: str = "worker-live",
) -> BotWorker:
    """A worker whose bots replay ``frame`` (``speed`` x real time) on the wall clock."""
    feed = ReplayCandleFeed.over_frames({"BTC/USDT": frame}, speed=speed, wait_at_end=True)
    options = WorkerOptions(worker_id=worker_id, poll_every_ms=100, stake=STAKE)
    factory = None if live is None else CcxtLiveVenueFactory(container, live)
    return BotWorker(
        container,
        lambda _spec: feed,
        options=options,
        live_venue_factory=factory,
        bot_clock=lambda _spec: LiveClock(),
    )


@asynccontextmanager
async def running_worker(worker: BotWorker) -> AsyncIterator[Supervisor]:
    supervisor = worker.supervisor()
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.run(stop))
    try:
        yield supervisor
    finally:
        stop.set()
        await task
        await supervisor.shutdown()


async def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> float:
    """Poll ``condition`` every 20 ms; the seconds it took (AssertionError past timeout)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not condition():
        if loop.time() - start > timeout_s:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.02)
    return loop.time() - start
