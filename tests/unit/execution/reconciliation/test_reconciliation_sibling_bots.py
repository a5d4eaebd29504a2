"""Bots sharing one venue account and symbol (issue 6): a bot's reconciler claims only its
own client-id prefix; another bot's open orders and trades (recognised by the client id of
their venue order) are ignored, and its trades count in the holdings expected."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.accounts import Account
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.execution.engine import ExecutionEngine
from xor_trading.execution.reconciliation import Reconciler, sibling_base_deltas
from xor_trading.execution.reconciliation_config import ReconciliationConfig
from xor_trading.execution.reconciliation_result import ReconciliationResult, ReconciliationStatus
from xor_trading.execution.venue_state import VenueTrade
from xor_trading.portfolio.engine import PortfolioEngine
from xor_trading.testing.factories import make_instrument
from xor_trading.testing.scripted_account import ScriptedAccount

SYM = Symbol("TST/USDT")
T0_MS = 1_700_000_000_000
MINE = "xaaaaaa-"
SIBLING_ID = "xbbbbbb-" + "1" * 28
PATTERN = r"^x[0-9a-f]{6}-[0-9a-f]{28}$"


def _mine(order_id: OrderId) -> str:
    return f"{MINE}{'0' * (28 - len(order_id))}{order_id}"


def _reconciler(
    account: ScriptedAccount, clock: TestClock, pattern: str | None
) -> tuple[Reconciler, PortfolioEngine]:
    bus = MessageBus()
    ledger = Account("USDT")
    ledger.deposit(Decimal(10_000), T0_MS)
    portfolio = PortfolioEngine(bus, ledger)
    instrument = make_instrument(str(SYM))
    engine = ExecutionEngine(bus, clock, account, {SYM: instrument})
    reconciler = Reconciler(
        engine,
        account,
        clock,
        bus,
        {SYM: instrument},
        ReconciliationConfig(client_order_id_prefix=MINE, sibling_client_order_id_pattern=pattern),
        client_order_id=_mine,
        request_ts_ms=lambda order: order.created_ms,
        holdings=lambda: {"TST": portfolio.position_quantity(SYM)},
    )
    return reconciler, portfolio


def _account_with_sibling_trade(clock: TestClock) -> ScriptedAccount:
    account = ScriptedAccount(clock, client_order_id=_mine)
    account.set_balance("USDT", Decimal(10_000))
    account.set_balance("TST", Decimal(0))
    clock.advance(1_000)
    account.place(SIBLING_ID, str(SYM), OrderSide.BUY, Decimal(3))
    account.execute(SIBLING_ID, Decimal(3), Decimal(10))
    account.place("xbbbbbb-" + "2" * 28, str(SYM), OrderSide.SELL, Decimal(1), OrderType.LIMIT,
                  Decimal(99))  # fmt: skip
    return account


def _reconcile(reconciler: Reconciler) -> ReconciliationResult:
    return asyncio.run(reconciler.reconcile({SYM: T0_MS}))


def test_sibling_bots_trade_and_open_order_are_ignored_and_counted_in_holdings() -> None:
    clock = TestClock(T0_MS)
    account = _account_with_sibling_trade(clock)
    reconciler, portfolio = _reconciler(account, clock, PATTERN)

    result = _reconcile(reconciler)

    assert result.status is ReconciliationStatus.RECONCILED, result.reasons
    assert [t.trade_id for t in result.sibling_trades] == ["T1"]
    assert result.foreign_trades == ()
    assert result.foreign_orders == ()
    assert portfolio.position_quantity(SYM) == 0  # never booked as the bot's
    assert ("fetch_order_by_venue_id", str(SYM), "V1") in account.calls


def test_without_a_sibling_pattern_another_bots_trade_is_foreign() -> None:
    clock = TestClock(T0_MS)
    account = _account_with_sibling_trade(clock)
    reconciler, _ = _reconciler(account, clock, None)

    result = _reconcile(reconciler)

    assert result.status is ReconciliationStatus.MISMATCH
    assert [t.trade_id for t in result.foreign_trades] == ["T1"]


def test_manual_trade_is_still_foreign_with_a_sibling_pattern() -> None:
    clock = TestClock(T0_MS)
    account = ScriptedAccount(clock, client_order_id=_mine)
    account.set_balance("USDT", Decimal(10_000))
    account.set_balance("TST", Decimal(0))
    clock.advance(1_000)
    account.manual_trade("web_abc123", str(SYM), OrderSide.BUY, Decimal(2), Decimal(10))
    reconciler, _ = _reconciler(account, clock, PATTERN)

    result = _reconcile(reconciler)

    assert result.status is ReconciliationStatus.MISMATCH
    assert [t.trade_id for t in result.foreign_trades] == ["T1"]
    assert result.sibling_trades == ()


def test_trade_of_an_unknown_order_with_our_own_prefix_is_foreign() -> None:
    clock = TestClock(T0_MS)
    account = ScriptedAccount(clock, client_order_id=_mine)
    account.set_balance("USDT", Decimal(10_000))
    account.set_balance("TST", Decimal(0))
    clock.advance(1_000)
    account.manual_trade(_mine(OrderId("lost-1")), str(SYM), OrderSide.BUY, Decimal(2),
                         Decimal(10))  # fmt: skip
    reconciler, _ = _reconciler(account, clock, PATTERN)

    result = _reconcile(reconciler)

    assert result.status is ReconciliationStatus.MISMATCH
    assert result.sibling_trades == ()


def test_sibling_base_deltas_add_buys_remove_sells_and_base_fees() -> None:
    def trade(side: OrderSide, qty: str, fee: str, fee_currency: str) -> VenueTrade:
        return VenueTrade(
            trade_id=f"{side.value}{qty}", venue_order_id="V1", symbol=str(SYM), side=side,
            price=Decimal(10), quantity=Decimal(qty), fee=Decimal(fee),
            fee_currency=fee_currency, is_maker=False, ts_ms=T0_MS,
        )  # fmt: skip

    deltas = sibling_base_deltas(
        [
            trade(OrderSide.BUY, "3", "0.003", "TST"),
            trade(OrderSide.SELL, "1", "0.01", "USDT"),
        ],
        {SYM: make_instrument(str(SYM))},
    )

    assert deltas == {"TST": Decimal("1.997")}
