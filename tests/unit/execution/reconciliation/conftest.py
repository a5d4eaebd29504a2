"""A bot's execution and portfolio wired to a scripted venue account, with a reconciler.

The bot trades TST/USDT and starts with 10,000 USDT and no TST at the venue and in its ledger. Its
holdings view is ``{TST: position, USDT: cash}`` (``with_quote=False``: TST only). Its
client order ids are ``xbot1-<order id>``. Test modules get it through the ``make_world``
fixture (they do not import this module: several conftest modules share the name).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.events import OrderFilled, OrderStatusChanged
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.execution.engine import ExecutionEngine
from xor_trading.execution.reconciliation import Reconciler
from xor_trading.execution.reconciliation_config import ReconciliationConfig
from xor_trading.execution.reconciliation_result import ReconciliationResult
from xor_trading.portfolio.engine import PortfolioEngine
from xor_trading.testing.factories import make_instrument
from xor_trading.testing.scripted_account import ScriptedAccount

SYM = Symbol("TST/USDT")
T0_MS = 1_700_000_000_000
START_USDT = Decimal(10_000)
PREFIX = "xbot1-"


def client_id(order_id: OrderId) -> str:
    return f"{PREFIX}{order_id}"


@dataclass
class World:
    clock: TestClock
    bus: MessageBus
    account: ScriptedAccount
    engine: ExecutionEngine
    portfolio: PortfolioEngine
    reconciler: Reconciler
    cursors: dict[Symbol, int]
    symbol: Symbol = SYM
    t0_ms: int = T0_MS
    fills: list[OrderFilled] = field(default_factory=list)
    statuses: list[OrderStatusChanged] = field(default_factory=list)

    def submit(
        self,
        order_id: str,
        qty: str = "1",
        side: OrderSide = OrderSide.BUY,
        limit: str | None = None,
    ) -> Order:
        self.engine.execute(
            SubmitOrder(
                order_id=OrderId(order_id),
                strategy_id=StrategyId("s1"),
                symbol=SYM,
                side=side,
                order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
                quantity=Decimal(qty),
                ts_ms=self.clock.now_ms(),
                limit_price=None if limit is None else Decimal(limit),
            )
        )
        order = self.engine.cache.get(OrderId(order_id))
        assert order is not None
        return order

    @staticmethod
    def client_id(order_id: str) -> str:
        return client_id(OrderId(order_id))

    def order(self, order_id: str) -> Order:
        order = self.engine.cache.get(OrderId(order_id))
        assert order is not None
        return order

    def reconcile(self) -> ReconciliationResult:
        return run(self.reconciler.reconcile(self.cursors))

    def check(self) -> ReconciliationResult:
        return run(self.reconciler.check_in_flight(self.cursors))


def run(coro: Coroutine[Any, Any, ReconciliationResult]) -> ReconciliationResult:
    return asyncio.run(coro)


WorldFactory = Callable[..., World]


def build_world(
    align: bool = False,
    with_quote: bool = True,
    reference_price: Mapping[Symbol, Decimal] | None = None,
    restart_of: World | None = None,
    check_interval_ms: int = 1_000,
) -> World:
    """A bot; ``restart_of`` makes it a new process of that bot (same venue, same clock)."""
    if restart_of is not None:
        clock, account = restart_of.clock, restart_of.account
    else:
        clock = TestClock(T0_MS)
        account = ScriptedAccount(clock, client_order_id=client_id)
        account.set_balance("USDT", START_USDT)
        account.set_balance("TST", Decimal(0))  # Binance lists zero balances too
    bus = MessageBus()
    ledger = Account("USDT")
    ledger.deposit(START_USDT, T0_MS)
    portfolio = PortfolioEngine(bus, ledger)
    instrument = make_instrument(str(SYM))
    engine = ExecutionEngine(bus, clock, account, {SYM: instrument})

    def holdings() -> dict[str, Decimal]:
        held = {"TST": portfolio.position_quantity(SYM)}
        if with_quote:
            held["USDT"] = portfolio.cash()
        return held

    prices = dict(reference_price or {})
    reconciler = Reconciler(
        engine,
        account,
        clock,
        bus,
        {SYM: instrument},
        ReconciliationConfig(
            client_order_id_prefix=PREFIX,
            align_with_synthetic_fills=align,
            in_flight_check_interval_ms=check_interval_ms,
        ),
        client_order_id=client_id,
        request_ts_ms=lambda order: order.created_ms,
        holdings=holdings,
        reference_price=prices.get,
    )
    world = World(clock, bus, account, engine, portfolio, reconciler, {SYM: T0_MS})
    bus.subscribe(OrderFilled, world.fills.append)
    bus.subscribe(OrderStatusChanged, world.statuses.append)
    return world


@pytest.fixture
def make_world() -> WorldFactory:
    return build_world
