"""The bus recorder end to end: a trading kernel on the simulated venue with a recorder
attached; the database must then hold exactly what the kernel knows (Decimal equality),
on SQLite and PostgreSQL. Also: an intent is on record before the venue hears of it, a
timed-out submission is UNKNOWN, and events delivered twice are applied once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import func, select

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.core.errors import UnknownOutcomeError
from xor_trading.core.ids import Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.candles import Candle
from xor_trading.domain.events import (
    CandleClosed,
    OrderDenied,
    OrderFilled,
    PositionChanged,
)
from xor_trading.domain.orders import Order, OrderStatus
from xor_trading.exchanges.simulated.fill_models import VenueConfig
from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.persistence.database import Database
from xor_trading.persistence.recorder import PRICE_QUANTUM, BusRecorder, to_datetime
from xor_trading.persistence.repositories.orders import client_order_id_for
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.persistence.tables.pnl import PnlSnapshotRow
from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.persistence.tables.risk_events import RiskEventRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.kill_switch import GLOBAL_SCOPE
from xor_trading.runtime.kernel import TradingKernel
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import TradeSettings
from xor_trading.testing.factories import T0_MS, make_candle, make_instrument
from xor_trading.testing.seed_records import seed_bot, seed_user

SYM = Symbol("TST/USDT")


class Scripted(Strategy[StrategyConfig]):
    """Candle 0: market buy (stake 100) and a resting bid at 90. Candle 1: a bid tagged
    ``probe`` (the venue times out on it). Candle 2: sell 0.4 at 101.5 (fills next candle).
    Candle 3: sell the rest at market. Candle 4: buy again at market. Later: try to buy."""

    name = "scripted"
    config_class = StrategyConfig

    def __init__(self, config: StrategyConfig, context: Any) -> None:
        super().__init__(config, context)
        self.seen = 0

    def on_candle(self, candle: Candle) -> None:
        n, self.seen = self.seen, self.seen + 1
        if n == 0:
            self.enter_long(candle)
            self.buy_limit(D("0.1"), D(90), tag="dip")
        elif n == 1:
            self.buy_limit(D("0.1"), D(80), tag="probe")
        elif n == 2:
            self.sell_limit(D("0.4"), D("101.5"), tag="scale_out")
        elif n == 3:
            self.exit_long(candle)
        else:
            self.enter_long(candle)


# Opens, highs, lows, closes of the candles: prices move so that fills differ.
CANDLES = [
    (100, 101, 99, 100),
    (100.5, 101, 99.5, 100.25),
    (100.25, 101, 99.5, 101),
    (101.25, 102, 101, 101.75),
    (101.5, 102, 100.5, 101),
    (100.75, 101.5, 100, 100.5),
    (99.75, 100.5, 99, 99.5),
    (99.5, 100, 99, 99.75),
]


@dataclass
class Run:
    kernel: TradingKernel
    venue: SimulatedVenue
    clock: TestClock
    recorder: BusRecorder
    owner: str
    bot: str
    events: list[Any] = field(default_factory=list)
    seen_at_submit: dict[str, str | None] = field(default_factory=dict)

    def step(self, i: int) -> None:
        o, h, low, c = CANDLES[i]
        candle = make_candle(o, h, low, c, i=i)
        self.clock.set_time(candle.ts_ms)
        self.venue.on_candle(SYM, candle)
        self.clock.set_time(candle.close_ms)
        self.kernel.bus.publish(CandleClosed(SYM, candle))


def _start(database: Database) -> Run:
    clock = TestClock(T0_MS)
    inst = make_instrument()
    venue = SimulatedVenue(clock, [inst], VenueConfig(), {"USDT": D(10_000)})
    account = Account("USDT")
    account.deposit(D(10_000), T0_MS)
    risk = RiskConfig.from_pairs(["max_entries_per_day=100", "max_open_positions=5"])
    kernel = TradingKernel(clock, venue, [inst], account, risk)
    kernel.add_strategy(Scripted, StrategyConfig(), inst, TradeSettings(stake=D(100)), 60_000)
    now = to_datetime(T0_MS)
    owner = seed_user(database, email="trader@example.test", now=now)
    bot = seed_bot(database, owner_id=owner, name="scripted", strategy="scripted", now=now)
    recorder = BusRecorder(
        database, kernel.bus, clock, owner_id=owner, bot_id=bot, strategy="scripted",
        orders=kernel.execution.cache, starting_equity=D(10_000),
    )  # fmt: skip
    run = Run(kernel, venue, clock, recorder, owner, bot)
    for event_type in (OrderFilled, PositionChanged, OrderDenied):
        kernel.bus.subscribe(event_type, run.events.append)

    submit = venue.submit_order

    def submit_and_look(order: Order) -> None:
        # What the database holds at the moment the venue is called.
        with database.read_session() as session:
            run.seen_at_submit[order.order_id] = session.scalar(
                select(OrderRow.status).where(
                    OrderRow.client_order_id == client_order_id_for(bot, order.order_id)
                )
            )
        if order.tag == "probe":
            raise UnknownOutcomeError("the venue did not answer in time", "reconcile")
        submit(order)

    venue.submit_order = submit_and_look  # type: ignore[method-assign]
    return run


@pytest.fixture
def run(database: Database) -> Run:
    run = _start(database)
    for i in range(6):
        run.step(i)
    run.kernel.risk.engage_kill_switch(
        GLOBAL_SCOPE, "exchange incident", flatten=True, ts_ms=run.clock.now_ms(), by="ops"
    )
    run.step(6)  # the flattening sell fills; the strategy's new entry is denied
    run.kernel.risk.rearm_kill_switch(
        GLOBAL_SCOPE, "ops", "incident over", ts_ms=run.clock.now_ms()
    )
    return run


def _rows(database: Database, model: type[Any]) -> list[Any]:
    with database.read_session() as session:
        rows = list(session.scalars(select(model)).all())
        session.expunge_all()  # keep the loaded values (the read session rolls back)
        return rows


def test_orders_in_the_database_equal_the_kernels(database: Database, run: Run) -> None:
    orders = run.kernel.execution.cache.all()
    rows = {r.client_order_id: r for r in _rows(database, OrderRow)}
    denials = run.kernel.risk.denials
    assert len(rows) == len(orders) + len(denials)
    statuses = set()
    for order in orders:
        row = rows[client_order_id_for(run.bot, order.order_id)]
        statuses.add(order.status)
        avg = order.average_fill_price
        assert (row.owner_id, row.bot_id, row.symbol) == (run.owner, run.bot, SYM)
        assert (row.side, row.type, row.time_in_force) == (
            order.side.value,
            order.order_type.value,
            order.time_in_force.value,
        )
        assert row.status == order.status.value
        assert (row.quantity, row.price, row.stop_price) == (
            order.quantity,
            order.limit_price,
            order.stop_price,
        )
        assert row.filled_quantity == order.filled_qty
        assert row.average_price == (None if avg is None else avg.quantize(PRICE_QUANTUM))
        assert (row.venue_order_id, row.tag, row.reason) == (
            order.venue_order_id,
            order.tag,
            order.reason,
        )
        assert row.created_at == to_datetime(order.created_ms)
    # The run went through filled, canceled and unknown orders.
    assert {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.UNKNOWN} <= statuses
    assert denials, "the kill switch denied the entry after it was engaged"
    for denial in denials:
        row = rows[client_order_id_for(run.bot, denial.command.order_id)]
        assert (row.status, row.reason) == ("denied", denial.message)
        assert row.quantity == denial.command.quantity
        assert row.filled_quantity == 0


def test_an_intent_is_on_record_before_the_venue_is_called(run: Run) -> None:
    assert run.seen_at_submit, "the venue was called"
    # The engine publishes the intent (recorded as pending_submit) and then SUBMITTED, both
    # before it calls the venue: each call found its order already committed.
    assert set(run.seen_at_submit.values()) == {"submitted"}


def test_a_timed_out_submission_is_unknown(database: Database) -> None:
    run = _start(database)
    run.step(0)
    run.step(1)  # the probe bid is sent at this close; the venue times out
    probe = [r for r in _rows(database, OrderRow) if r.tag == "probe"]
    assert [(r.status, r.reason) for r in probe] == [
        ("unknown", "the venue did not answer in time")
    ]


def test_fills_positions_and_trades_equal_the_kernels(database: Database, run: Run) -> None:
    fills = [e.fill for e in run.events if isinstance(e, OrderFilled)]
    assert len(fills) == 5  # entry, scale-out, exit; entry, the flattening sell
    fill_rows = {r.venue_trade_id: r for r in _rows(database, FillRow)}
    orders = {r.id: r for r in _rows(database, OrderRow)}
    assert len(fill_rows) == len(fills)
    for fill in fills:
        row = fill_rows[fill.trade_id]
        assert (row.symbol, row.side, row.quantity, row.price, row.fee) == (
            fill.symbol,
            fill.side.value,
            fill.quantity,
            fill.price,
            fill.fee,
        )
        assert (row.fee_currency, row.liquidity, row.at) == (
            fill.fee_currency,
            fill.liquidity.value,
            to_datetime(fill.ts_ms),
        )
        assert orders[row.order_id].client_order_id == client_order_id_for(run.bot, fill.order_id)

    position = run.kernel.portfolio.position(SYM)
    (row,) = _rows(database, PositionRow)
    assert (row.bot_id, row.symbol) == (run.bot, SYM)
    assert row.quantity == position.quantity == 0
    assert row.average_price == position.avg_entry.quantize(PRICE_QUANTUM)
    assert row.realised_pnl == position.realized_pnl

    # Two round trips: entry, scale-out and exit; then entry and the kill switch's flatten.
    trades = sorted(_rows(database, TradeRow), key=lambda t: t.exit_at)
    assert [(t.side, t.exit_reason) for t in trades] == [
        ("long", "signal"),
        ("long", "kill_switch"),
    ]
    first, second = trades
    entry1, scale_out, exit1, entry2, flatten = fills
    assert first.quantity == entry1.quantity
    assert first.entry_price == entry1.price
    assert first.exit_price == (
        (scale_out.notional + exit1.notional) / (scale_out.quantity + exit1.quantity)
    ).quantize(PRICE_QUANTUM)
    assert first.fees == entry1.fee + scale_out.fee + exit1.fee
    assert first.gross_pnl == scale_out.notional + exit1.notional - entry1.notional
    assert (second.entry_price, second.exit_price) == (entry2.price, flatten.price)
    assert second.gross_pnl == flatten.notional - entry2.notional
    assert second.net_pnl == second.gross_pnl - entry2.fee - flatten.fee
    assert (first.entry_at, second.exit_at) == (
        to_datetime(entry1.ts_ms),
        to_datetime(flatten.ts_ms),
    )
    # Round trips account for every unit of realised PnL and fees the ledger booked.
    account = run.kernel.portfolio.account
    assert sum((t.gross_pnl for t in trades), D(0)) == account.realized_pnl
    assert sum((t.net_pnl for t in trades), D(0)) == account.realized_pnl - account.fees


def test_pnl_snapshots_follow_the_ledger(database: Database, run: Run) -> None:
    snaps = sorted(_rows(database, PnlSnapshotRow), key=lambda s: (s.at, s.equity))
    assert snaps, "a snapshot per fill at least"
    last = snaps[-1]
    account = run.kernel.portfolio.account
    assert (last.realised_pnl, last.fees, last.unrealised_pnl) == (
        account.realized_pnl,
        account.fees,
        D(0),
    )
    assert last.equity == account.balance  # flat: equity is the balance
    # While the second position was open, the snapshots marked it at the last close.
    open_marks = [s for s in snaps if s.unrealised_pnl != 0]
    assert open_marks


def test_risk_events_are_recorded(database: Database, run: Run) -> None:
    rows = sorted(_rows(database, RiskEventRow), key=lambda r: (r.at, r.kind))
    kinds = [(r.kind, r.rule) for r in rows]
    assert ("kill_switch_engaged", "kill_switch") in kinds
    assert ("kill_switch_rearmed", "kill_switch") in kinds
    denials = [r for r in rows if r.kind == "denial"]
    assert [(r.rule, r.sentence) for r in denials] == [
        (d.rule, d.message) for d in run.kernel.risk.denials
    ]
    engaged = next(r for r in rows if r.kind == "kill_switch_engaged")
    assert engaged.sentence == "exchange incident"
    assert json.loads(engaged.details) == {
        "by": "ops",
        "flatten": True,
        "scope": "global",
        "target": None,
    }
    assert all(r.bot_id == run.bot and r.owner_id == run.owner for r in rows)


def test_events_delivered_twice_are_applied_once(database: Database, run: Run) -> None:
    def counts() -> tuple[Any, ...]:
        with database.read_session() as session:
            position = session.scalars(select(PositionRow)).one()
            return (
                session.scalar(select(func.count()).select_from(FillRow)),
                session.scalar(select(func.count()).select_from(TradeRow)),
                session.scalar(select(func.count()).select_from(OrderRow)),
                session.scalar(select(func.count()).select_from(RiskEventRow)),
                position.quantity,
                position.realised_pnl,
                tuple(
                    (r.filled_quantity, r.average_price)
                    for r in session.scalars(select(OrderRow).order_by(OrderRow.id))
                ),
            )

    before = counts()
    # A redelivering transport: the same events again, to a recorder of the same bot.
    replay_bus = MessageBus()
    BusRecorder(
        database, replay_bus, run.clock, owner_id=run.owner, bot_id=run.bot,
        strategy="scripted", orders=run.kernel.execution.cache,
    )  # fmt: skip
    for event in run.events:
        replay_bus.publish(event)
    assert counts() == before
