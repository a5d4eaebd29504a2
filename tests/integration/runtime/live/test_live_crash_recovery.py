"""Crash recovery of a live bot (R4, reduced scale): ``xor worker`` is killed
(``os._exit(137)``, as ``kill -9``) at every step of the order pipeline and restarted.

One chain of worker processes per database: each process runs the live bot against the
simulated Binance until its crash point (``XOR_CRASH_POINT``, passed ``XOR_CRASH_SKIP``
times first), and the next process is the restart of the previous crash (the lease is
expired by hand between two processes, as its TTL would). A last process reconciles on
flat candles (no new signal) and stops on SIGTERM. Then:

* 0 duplicate orders at the venue (one venue order per client order id) and every venue
  order on record with its venue id and the venue's status;
* 0 lost orders: no order left ``pending_submit``, ``submitted`` or ``unknown``;
* 0 lost fills: the fills on record are exactly the venue's trades (id, quantity, price);
* the position on record equals the venue's BTC balance, and the venue's USDT balance is
  exactly what the recorded fills paid and received;
* SQLite ``PRAGMA integrity_check`` is ``ok`` after every crash;
* after every (re)start, no signed order request reached the venue before that process's
  startup reconciliation read the balances.

``XOR_CHAOS_SCALE=ci`` (default): 2 seeds (skips) per point on SQLite, one point on
PostgreSQL. ``XOR_CHAOS_SCALE=full``: :data:`FULL_SEEDS` per point on both.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update

from xor_trading.core.crash_points import CRASH_EXIT_CODE, CRASH_POINTS
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    running_binance_server,
)
from xor_trading.persistence.database import Database, sqlite_url
from xor_trading.persistence.migrate import upgrade_to_head
from xor_trading.persistence.tables.bot_leases import BotLeaseRow
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.services.container import Container
from xor_trading.testing.live_bots import (
    KEY,
    make_container,
    seed_live_bot,
    venue_config,
    zigzag_frame,
)
from xor_trading.timeseries.candle_frame import CandleFrame

XOR = str(Path(sys.executable).with_name("xor"))
FULL_SEEDS = 50
CRASH_TIMEOUT_S = 40.0
START_USDT = Decimal(10_000)
LOT = Decimal("0.00001")  # BTCUSDT step size
ORDER = "POST /api/v3/order"
ACCOUNT = "GET /api/v3/account"
RECORDED = {  # the venue's order status -> the status on record
    "NEW": "accepted",
    "PARTIALLY_FILLED": "partially_filled",
    "FILLED": "filled",
    "CANCELED": "canceled",
    "EXPIRED": "expired",
    "REJECTED": "rejected",
}
# Points after the create reached the venue: each crash there leaves one order behind.
SENT_BEFORE_THE_CRASH = {"after_send_before_ack", "after_ack_before_persist"}
UNRESOLVED = {"pending_submit", "submitted", "unknown", "initialized"}
POSTGRES_ADMIN_URL = os.environ.get(
    "XOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _scale_is_full() -> bool:
    return os.environ.get("XOR_CHAOS_SCALE", "ci") == "full"


def crash_plan(seeds_per_point: int) -> list[tuple[str, int]]:
    """``(point, skip)`` in chain order: every point once per seed, seed by seed, so each
    restart recovers from a different step than the one before."""
    return [(point, seed) for seed in range(seeds_per_point) for point in CRASH_POINTS]


@dataclass
class Chain:
    """One database, one venue, one live bot, and the worker processes run so far."""

    container: Container
    venue: BinanceServerHandle
    bot_id: str
    env: dict[str, str]
    work_dir: Path
    frame: CandleFrame
    starts_ms: list[int]
    is_sqlite: bool

    def write_candles(self, frame: CandleFrame) -> None:
        store = ParquetCandleStore(self.container.settings.candles_dir)
        store.write("binance", "BTC/USDT", "1m", frame, merge=False)

    def worker(
        self, point: str | None = None, skip: int = 0
    ) -> tuple[subprocess.Popen[bytes], Path]:
        env = dict(self.env)
        if point is not None:
            env["XOR_CRASH_POINT"] = point
            env["XOR_CRASH_SKIP"] = str(skip)
        log = self.work_dir / f"worker-{len(self.starts_ms)}.log"
        self.starts_ms.append(time.time_ns() // 1_000_000)
        command = [
            XOR, "worker", "--feed", "replay", "--replay-speed", "600", "--poll-ms", "100",
            "--in-flight-check-ms", "200", "--not-found-span-ms", "500",
        ]  # fmt: skip
        with log.open("wb") as out:
            proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        return proc, log

    def crash_at(self, point: str, skip: int) -> None:
        proc, log = self.worker(point, skip)
        try:
            code = proc.wait(CRASH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(
                f"crash point {point} (skip {skip}) not reached in {CRASH_TIMEOUT_S:.0f} s:\n"
                + log.read_text()[-3000:]
            ) from None
        assert code == CRASH_EXIT_CODE, log.read_text()[-3000:]
        if self.is_sqlite:
            assert self._integrity() == "ok"
        self._expire_lease()

    def final_run(self) -> None:
        """A clean process on flat candles: reconciles, trades nothing new, stops."""
        # From two minutes back: the warm-up of the last run sees no cross either.
        self.write_candles(flattened(self.frame, time.time_ns() // 1_000_000 - 120_000))
        proc, log = self.worker()
        deadline = time.monotonic() + CRASH_TIMEOUT_S
        while not self._reconciled_since(self.starts_ms[-1]):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.1)
        time.sleep(1.0)  # in-flight checks settle what the gate left working
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()[-3000:]

    def _reconciled_since(self, start_ms: int) -> bool:
        reads = [r for r in self.venue.requests(KEY, ACCOUNT) if r.wall_ms >= start_ms]
        with self.container.database.read_session() as session:
            state = session.scalar(select(BotRow.state).where(BotRow.id == self.bot_id))
        return bool(reads) and state not in ("starting", None)

    def _integrity(self) -> str:
        with self.container.database.engine.connect() as conn:
            return str(conn.execute(text("PRAGMA integrity_check")).scalar())

    def _expire_lease(self) -> None:
        with self.container.database.session() as session:
            session.execute(
                update(BotLeaseRow)
                .where(BotLeaseRow.bot_id == self.bot_id)
                .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
            )


def flattened(frame: CandleFrame, from_ms: int) -> CandleFrame:
    """``frame`` with every close from ``from_ms`` on equal to the first: no cross, no signal."""
    close = frame.close.copy()
    close[frame.ts_ms >= from_ms] = close[0]
    return CandleFrame(
        frame.ts_ms, close, close + 1, close - 1, close, frame.volume, frame.timeframe_ms
    )


@pytest.fixture
def venue() -> Iterator[BinanceServerHandle]:
    with running_binance_server(venue_config()) as handle:
        yield handle


def _chain(database_url: str, work_dir: Path, venue: BinanceServerHandle) -> Chain:
    database = Database(database_url)
    upgrade_to_head(database)
    container = make_container(database, work_dir / "data", venue.url)
    bot = seed_live_bot(container)
    frame = zigzag_frame(venue.price(), candles_after_now=400, history=30)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XOR_")}
    env.update(
        XOR_DATA_DIR=str(work_dir / "data"),
        XOR_DATABASE_URL=database_url,
        XOR_EXCHANGE_URL_OVERRIDES=json.dumps({"binance": venue.url}),
        XOR_PASSWORD_HASH_PROFILE="test",
    )
    chain = Chain(
        container, venue, bot.bot_id, env, work_dir, frame, [], database_url.startswith("sqlite")
    )
    chain.write_candles(frame)
    return chain


def _assert_recovered(chain: Chain, min_orders: int) -> None:
    account = chain.venue.account(KEY)
    with chain.container.database.read_session() as session:
        orders = {
            r.client_order_id: (r.venue_order_id, r.status)
            for r in session.scalars(select(OrderRow).where(OrderRow.bot_id == chain.bot_id))
        }
        fills = sorted(
            (f.venue_trade_id, f.side, f.quantity, f.price)
            for f in session.scalars(select(FillRow).where(FillRow.bot_id == chain.bot_id))
        )
        position = session.scalar(
            select(PositionRow.quantity).where(PositionRow.bot_id == chain.bot_id)
        )
    venue_ids = [o.client_order_id for o in account.orders]
    assert len(venue_ids) == len(set(venue_ids))  # 0 duplicates at the venue
    assert len(account.orders) >= min_orders  # the chain did trade
    for order in account.orders:  # every venue order on record, as the venue says
        venue_order_id, status = orders[order.client_order_id]
        assert (venue_order_id, status) == (str(order.order_id), RECORDED[order.status.value])
    assert not [s for s in orders.values() if s[1] in UNRESOLVED]  # 0 lost orders
    trades = sorted(
        (str(t.trade_id), "buy" if t.is_buyer else "sell", t.qty, t.price) for t in account.trades
    )
    assert fills == trades  # 0 lost, 0 double fills
    # Commissions in the asset received (BTC on a buy, USDT on a sell): the venue holds what
    # the trades left net of them; the position is its whole lots, the rest the bot's dust.
    venue_btc = account.free("BTC") + account.locked("BTC")
    assert venue_btc == sum(
        (t.qty - t.commission if t.is_buyer else -t.qty for t in account.trades), Decimal(0)
    )
    assert (position or Decimal(0)) == venue_btc // LOT * LOT
    paid = sum((q * p if side == "buy" else -q * p for _, side, q, p in fills), Decimal(0))
    usdt_fees = sum((t.commission for t in account.trades if not t.is_buyer), Decimal(0))
    assert account.free("USDT") + account.locked("USDT") == START_USDT - paid - usdt_fees


def _assert_gate_before_orders(chain: Chain) -> None:
    """In every process's window, its first signed order request comes after its
    first balance read (the startup gate)."""
    records = [r for r in chain.venue.requests(KEY) if r.signed]
    bounds = [*chain.starts_ms, 2**62]
    for start, end in itertools.pairwise(bounds):
        window = [r.endpoint for r in records if start <= r.wall_ms < end]
        if ORDER in window:
            assert ACCOUNT in window[: window.index(ORDER)], window[:10]


def test_live_bot_recovers_from_a_crash_at_every_pipeline_step_on_sqlite(
    tmp_path: Path, venue: BinanceServerHandle
) -> None:
    chain = _chain(sqlite_url(tmp_path / "xor.db"), tmp_path, venue)
    plan = crash_plan(FULL_SEEDS if _scale_is_full() else 2)

    for point, skip in plan:
        chain.crash_at(point, skip)
    chain.final_run()

    sent = sum(1 for point, _ in plan if point in SENT_BEFORE_THE_CRASH)
    _assert_recovered(chain, min_orders=sent)
    _assert_gate_before_orders(chain)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"xor_crash_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_live_bot_recovers_from_a_crash_after_send_before_ack_on_postgresql(
    tmp_path: Path, venue: BinanceServerHandle, postgres_url: str
) -> None:
    chain = _chain(postgres_url, tmp_path, venue)
    points = CRASH_POINTS if _scale_is_full() else ("after_send_before_ack",)
    seeds = FULL_SEEDS if _scale_is_full() else 1

    for skip in range(seeds):
        for point in points:
            chain.crash_at(point, skip)
    chain.final_run()

    _assert_recovered(chain, min_orders=1)
    _assert_gate_before_orders(chain)
    chain.container.database.dispose()


def test_crash_plan_covers_every_point_once_per_seed() -> None:
    plan = crash_plan(2)

    assert len(plan) == 2 * len(CRASH_POINTS)
    assert {p for p, _ in plan} == set(CRASH_POINTS)
    assert [s for _, s in plan] == [0] * len(CRASH_POINTS) + [1] * len(CRASH_POINTS)
