"""A paper bot run by the worker announces, on the stream, its order updates, fills, the
PnL of each closed round trip and the live candles it consumed: in order, after the
records are committed, with the exact amounts of the backtest on the same candles; a state
change comes after the fill or order that caused it; a paused bot's candles still go out.
A hub that fails stops nothing; a candle seen by two bots of one market is announced once."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from xor_trading.backtest.config import BacktestConfig
from xor_trading.backtest.event_path import END_OF_DATA_TAG, run_event_path
from xor_trading.core.clock import TestClock
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.users import Role
from xor_trading.exchanges.simulated.catalog import load_instrument
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.persistence.database import Database
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.risk.config import RiskConfig
from xor_trading.runtime.settings import Settings
from xor_trading.services.bot_service import BotService
from xor_trading.services.bot_worker import BotWorker, WorkerOptions
from xor_trading.services.container import Container, build_container
from xor_trading.services.principal import Principal
from xor_trading.sharedstate.stream_hub import Subscription
from xor_trading.strategies.sma_cross import SmaCross, SmaCrossConfig
from xor_trading.testing.seed_records import seed_user
from xor_trading.testing.waiting import wait_until
from xor_trading.timeseries.candle_frame import CandleFrame

WALL_START_MS = 1_767_225_600_000  # 2026-01-01: the container's clock (leases, at_ms)
WARMUP = 8  # sma_cross(3, 8) cannot signal before its slow average exists
CANDLES = 40  # two round trips on the shipped BTC/USDT 1h candles
STAKE = Decimal(1_000)
CANDLE_CHANNEL = "candles.binance.BTC-USDT.1h"

Message = tuple[str, dict[str, Any]]


def sample_frame() -> CandleFrame:
    frame = ParquetCandleStore(SAMPLES_DIR).read("binance", "BTC/USDT", "1h").frame
    return frame.between(int(frame.ts_ms[0]), int(frame.ts_ms[CANDLES]))


@pytest.fixture
def container(database: Database, tmp_path: Path) -> Container:
    settings = Settings(data_dir=tmp_path / "data", password_hash_profile="test")
    return build_container(settings, clock=TestClock(WALL_START_MS), database=database)


@dataclass
class Bot:
    owner_id: str
    bot_id: str


def started_bot(container: Container, email: str = "trader@example.test") -> Bot:
    user_id = seed_user(container.database, email=email, now=datetime(2026, 1, 1, tzinfo=UTC))
    owner = Principal(user_id, Role.TRADER)
    service = BotService(container)
    view = service.create(
        owner,
        {
            "name": "paper sma",
            "strategy": "sma_cross",
            "params": {"fast": 3, "slow": 8},
            "symbols": ["BTC/USDT"],
            "timeframe": "1h",
            "mode": "paper",
            "risk": {"enabled": False},
        },
    )
    service.command(owner, view.id, BotCommand.START)
    return Bot(user_id, view.id)


def run_bots(container: Container, bots: list[Bot], channels: list[str]) -> list[Message]:
    """Run ``bots`` in one worker over the sample candles (a replay on a test clock) and
    return what a subscriber of ``channels`` received, in order."""
    frame = sample_frame()
    feed = ReplayCandleFeed.over_frames({"BTC/USDT": frame}, wait_at_end=True)
    options = WorkerOptions(stake=STAKE, warmup_candles=WARMUP)
    worker = BotWorker(
        container,
        lambda _spec: feed,
        options=options,
        bot_clock=lambda _spec: TestClock(int(frame.ts_ms[WARMUP])),
    )
    received: list[Message] = []

    async def go() -> None:
        subscription = await container.stream.subscribe(channels)
        supervisor = worker.supervisor()
        await supervisor.tick()
        runtimes = [worker.runtimes[bot.bot_id] for bot in bots]
        await wait_until(lambda: all(r.candles_seen == CANDLES - WARMUP for r in runtimes))
        await supervisor.shutdown()
        received.extend(await drain(subscription))
        await subscription.close()

    asyncio.run(go())
    return received


async def drain(subscription: Subscription) -> list[Message]:
    """Everything buffered (the bots stopped: nothing more is coming)."""
    events: list[Message] = []
    while True:
        try:
            events.append(await asyncio.wait_for(anext(subscription), timeout=0.2))
        except TimeoutError:
            return events


def channels_of(bot: Bot) -> list[str]:
    return [
        f"bots.{bot.bot_id}.orders",
        f"bots.{bot.bot_id}.fills",
        f"pnl.{bot.owner_id}",
        CANDLE_CHANNEL,
    ]


def text(amount: Decimal) -> str:
    """An amount as the API writes it (exact, no trailing zero, no exponent)."""
    return format(amount.normalize(), "f") if amount else "0"


def backtest() -> Any:
    return run_event_path(
        sample_frame(),
        load_instrument("binance", "BTC/USDT"),
        SmaCross,
        SmaCrossConfig(fast=3, slow=8),
        # Fees in the asset received, as a paper bot on Binance pays them (ADR 0024).
        BacktestConfig(
            capital=Decimal(10_000),
            stake=STAKE,
            risk=RiskConfig.disabled(),
            fee_asset=FeeAsset.RECEIVED,
        ),
    )


def kind(channel: str) -> str:
    """``orders``, ``fills`` (bot channels), ``pnl`` or ``candles``."""
    parts = channel.split(".")
    return parts[2] if parts[0] == "bots" else parts[0]


# -- what a running bot announces --------------------------------------------------------


def test_a_paper_bot_streams_its_orders_fills_pnl_and_candles_in_order(
    container: Container,
) -> None:
    bot = started_bot(container)
    received = run_bots(container, [bot], channels_of(bot))

    result = backtest()
    filled = [o for o in result.orders if o.filled_qty > 0 and o.tag != END_OF_DATA_TAG]
    closed = [t for t in result.trades if t.exit_reason != END_OF_DATA_TAG]
    assert len(filled) == 4  # two round trips on these candles
    assert len(closed) == 2

    fills = [m["fill"] for c, m in received if kind(c) == "fills"]
    assert [(f["side"], f["quantity"], f["price"], f["fee"]) for f in fills] == [
        (o.side, text(o.filled_qty), text(o.average_price), text(o.fees)) for o in filled
    ]
    assert {f["bot_id"] for f in fills} == {bot.bot_id}

    # Every order: submitted, accepted by the paper venue, filled on the next open.
    updates = [m["order"] for c, m in received if kind(c) == "orders"]
    order_ids = list(dict.fromkeys(u["id"] for u in updates))
    assert len(order_ids) == 4
    for order_id in order_ids:
        assert [u["status"] for u in updates if u["id"] == order_id] == [
            "submitted",
            "accepted",
            "filled",
        ]
    assert [f["order_id"] for f in fills] == order_ids

    # PnL after each closed round trip: the bot's net realised PnL so far, flat again.
    pnl = [m for c, m in received if kind(c) == "pnl"]
    assert [(m["bot_id"], m["realized"], m["unrealized"], m["currency"]) for m in pnl] == [
        (bot.bot_id, text(closed[0].pnl), "0", "USDT"),
        (bot.bot_id, text(closed[0].pnl + closed[1].pnl), "0", "USDT"),
    ]

    # A round trip in publication order: each fill before its order's "filled" update,
    # the PnL right after the fill that closed the trade.
    trades_kinds = [kind(c) for c, _ in received if kind(c) != "candles"]
    assert trades_kinds == 2 * [
        "orders", "orders", "fills", "orders", "orders", "orders", "fills", "pnl", "orders"
    ]  # fmt: skip

    # Live candles only (not the warm-up's), each once, in order, with at_ms stamped.
    candles = [m for c, m in received if c == CANDLE_CHANNEL]
    frame = sample_frame()
    assert [m["ts_ms"] for m in candles] == [int(t) for t in frame.ts_ms[WARMUP:CANDLES]]
    assert [m["close"] for m in candles] == [float(c) for c in frame.close[WARMUP:CANDLES]]
    assert {m["at_ms"] for _, m in received} == {WALL_START_MS}


def test_the_streamed_order_and_fill_are_the_committed_rows(container: Container) -> None:
    bot = started_bot(container)
    received = run_bots(container, [bot], channels_of(bot))

    last_update = {m["order"]["id"]: m["order"] for c, m in received if kind(c) == "orders"}
    fills = {m["fill"]["id"]: m["fill"] for c, m in received if kind(c) == "fills"}
    with container.database.read_session() as session:
        orders = session.scalars(select(OrderRow).where(OrderRow.bot_id == bot.bot_id)).all()
        fill_rows = session.scalars(select(FillRow).where(FillRow.bot_id == bot.bot_id)).all()
        assert {o.id: (o.status, text(o.filled_quantity), o.client_order_id) for o in orders} == {
            i: (u["status"], u["filled_quantity"], u["client_order_id"])
            for i, u in last_update.items()
        }
        assert {f.id: (f.venue_trade_id, text(f.quantity), text(f.price)) for f in fill_rows} == {
            i: (f["venue_trade_id"], f["quantity"], f["price"]) for i, f in fills.items()
        }
        first = min(fill_rows, key=lambda f: f.at)
        assert fills[first.id]["at"] == first.at.isoformat().replace("+00:00", "Z")


def test_a_state_caused_by_a_fill_or_an_order_is_streamed_after_it(container: Container) -> None:
    bot = started_bot(container)
    status, fills, orders = (f"bots.{bot.bot_id}.{t}" for t in ("status", "fills", "orders"))
    received = run_bots(container, [bot], [status, fills, orders])

    def shown(channel: str, message: dict[str, Any]) -> str:
        if channel == status:
            return str(message["state"])
        if channel == fills:
            return f"fill {message['fill']['side']}"
        return f"order {message['order']['status']}"

    # The entry's orders before the signal they caused, each fill (and its order's update)
    # before the position it opened or closed.
    round_trip = [
        "order submitted", "order accepted", "signal_detected", "fill buy", "order filled",
        "position_open", "order submitted", "order accepted", "fill sell", "order filled",
        "position_closed", "monitoring",
    ]  # fmt: skip
    assert [shown(c, m) for c, m in received] == ["monitoring", *round_trip, *round_trip]


def test_a_paused_bot_still_streams_its_markets_candles(container: Container) -> None:
    # A paused bot keeps consuming candles (its exits, stops and targets are managed on
    # them) and its page keeps its live chart: market candles are not paused.
    bot = started_bot(container)
    BotService(container).command(
        Principal(bot.owner_id, Role.TRADER), bot.bot_id, BotCommand.PAUSE
    )

    received = run_bots(container, [bot], channels_of(bot))

    frame = sample_frame()
    candles = [m["ts_ms"] for c, m in received if c == CANDLE_CHANNEL]
    assert candles == [int(t) for t in frame.ts_ms[WARMUP:CANDLES]]
    # Its entries are refused while paused (announced as denied orders); nothing fills.
    others = [
        (kind(c), m.get("order", {}).get("status")) for c, m in received if kind(c) != "candles"
    ]
    assert len(others) == 2  # the two entries of these candles
    assert set(others) == {("orders", "denied")}


# -- failures and sharing ---------------------------------------------------------------


class FailingHub:
    """A hub whose every publish raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.attempts: list[str] = []

    def publish(self, channel: str, message: object) -> None:
        self.attempts.append(channel)
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "logged"),
    [
        # The fan-out is down (Redis unreachable): stream_events logs it.
        (ConnectionError("redis down"), "could not publish on bots.{bot}.fills: redis down"),
        # A message the hub refuses (stream_events raises those): the publisher logs it.
        (TypeError("not JSON"), "bot {bot}: could not publish a fill"),
    ],
    ids=["fan-out-down", "refused-message"],
)
def test_a_failing_hub_stops_nothing_and_loses_no_record(
    container: Container, caplog: pytest.LogCaptureFixture, error: Exception, logged: str
) -> None:
    bot = started_bot(container)
    hub = FailingHub(error)
    container.stream = hub  # type: ignore[assignment]  # publish is all the bots use
    frame = sample_frame()
    feed = ReplayCandleFeed.over_frames({"BTC/USDT": frame}, wait_at_end=True)
    worker = BotWorker(
        container,
        lambda _spec: feed,
        options=WorkerOptions(stake=STAKE, warmup_candles=WARMUP),
        bot_clock=lambda _spec: TestClock(int(frame.ts_ms[WARMUP])),
    )

    async def go() -> None:
        supervisor = worker.supervisor()
        await supervisor.tick()
        runtime = worker.runtimes[bot.bot_id]
        await wait_until(lambda: runtime.candles_seen == CANDLES - WARMUP)
        assert runtime.state.value == "monitoring"  # not error: it kept trading
        await supervisor.shutdown()

    with caplog.at_level(logging.WARNING, logger="xor.stream"):
        asyncio.run(go())

    result = backtest()
    filled = [o for o in result.orders if o.filled_qty > 0 and o.tag != END_OF_DATA_TAG]
    with container.database.read_session() as session:
        fills = session.scalars(
            select(FillRow).where(FillRow.bot_id == bot.bot_id).order_by(FillRow.at)
        ).all()
        trades = session.scalars(select(TradeRow).where(TradeRow.bot_id == bot.bot_id)).all()
        assert [(f.side, f.quantity, f.price) for f in fills] == [
            (o.side, o.filled_qty, o.average_price) for o in filled
        ]
        assert len(trades) == 2
    assert f"bots.{bot.bot_id}.fills" in hub.attempts
    assert f"pnl.{bot.owner_id}" in hub.attempts
    assert hub.attempts.count(CANDLE_CHANNEL) == CANDLES - WARMUP
    assert logged.format(bot=bot.bot_id) in caplog.messages


def test_a_candle_consumed_by_two_bots_of_one_market_is_published_once(
    container: Container,
) -> None:
    first = started_bot(container, "one@example.test")
    second = started_bot(container, "two@example.test")
    received = run_bots(
        container,
        [first, second],
        [CANDLE_CHANNEL, f"bots.{first.bot_id}.fills", f"bots.{second.bot_id}.fills"],
    )

    frame = sample_frame()
    candles = [m["ts_ms"] for c, m in received if c == CANDLE_CHANNEL]
    assert candles == [int(t) for t in frame.ts_ms[WARMUP:CANDLES]]
    # Both bots traded and announced their own fills.
    assert sum(c == f"bots.{first.bot_id}.fills" for c, _ in received) == 4
    assert sum(c == f"bots.{second.bot_id}.fills" for c, _ in received) == 4
