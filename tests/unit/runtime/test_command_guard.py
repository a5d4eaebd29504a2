"""The command guard decides what a bot's strategies may send: nothing while warming up or
fenced, no new entry while paused or refused by the entry policy, exits always."""

from __future__ import annotations

from decimal import Decimal

from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import CancelOrder, SubmitOrder
from xor_trading.domain.events import OrderDenied
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.config import RiskConfig
from xor_trading.runtime.bot_assembly import assemble_bot, paper_venue
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.command_guard import CommandGuard, adds_exposure

SYM = Symbol("BTC/USDT")


def _order(side: OrderSide, qty: str, reduce_only: bool = False) -> SubmitOrder:
    return SubmitOrder(
        order_id=OrderId("O-1"), strategy_id=StrategyId("s"), symbol=SYM, side=side,
        order_type=OrderType.MARKET, quantity=Decimal(qty), ts_ms=0, reduce_only=reduce_only,
    )  # fmt: skip


def _guarded(policy: object = None) -> tuple[CommandGuard, list[OrderDenied]]:
    spec = BotSpec("b", "u", "sma_cross", (SYM,), "1h", risk=RiskConfig.disabled())
    guard = CommandGuard(policy)  # type: ignore[arg-type]
    clock = TestClock(0)
    bot = assemble_bot(spec, clock, paper_venue(spec, clock), command_gate=guard)
    guard.attach(bot.kernel)
    denied: list[OrderDenied] = []
    bot.kernel.bus.subscribe(OrderDenied, denied.append)
    return guard, denied


def test_adds_exposure_for_buy_when_flat_and_not_for_a_sell_of_the_long() -> None:
    assert adds_exposure(False, OrderSide.BUY, Decimal(1), Decimal(0))
    assert not adds_exposure(False, OrderSide.SELL, Decimal(1), Decimal(2))
    assert adds_exposure(False, OrderSide.SELL, Decimal(3), Decimal(2))  # reverses
    assert not adds_exposure(True, OrderSide.BUY, Decimal(1), Decimal(0))


def test_guard_warming_up_drops_everything_without_a_denial() -> None:
    guard, denied = _guarded()
    assert guard(_order(OrderSide.BUY, "1")) is False
    assert guard(CancelOrder(OrderId("O-1"), 0)) is False
    assert denied == []


def test_guard_paused_denies_entries_and_passes_exits() -> None:
    guard, denied = _guarded()
    guard.warming_up = False
    guard.paused = True
    assert guard(_order(OrderSide.BUY, "1")) is False
    assert guard(_order(OrderSide.SELL, "1", reduce_only=True)) is True
    assert [d.rule for d in denied] == ["paused"]


def test_guard_policy_refusal_is_denied_with_its_rule_and_sentence() -> None:
    guard, denied = _guarded(lambda: ("fee_balance", "the prepaid fee balance is exhausted"))
    guard.warming_up = False
    assert guard(_order(OrderSide.BUY, "1")) is False
    assert [(d.rule, d.message) for d in denied] == [
        ("fee_balance", "the prepaid fee balance is exhausted")
    ]
    assert guard.last_refusal == "the prepaid fee balance is exhausted"


def test_guard_fenced_denies_every_order_and_drops_cancels() -> None:
    guard, denied = _guarded()
    guard.warming_up = False
    guard.fenced_reason = "the lease was lost"
    assert guard(_order(OrderSide.SELL, "1", reduce_only=True)) is False
    assert guard(CancelOrder(OrderId("O-1"), 0)) is False
    assert [(d.rule, d.message) for d in denied] == [("fenced", "the lease was lost")]


def test_reconciling_guard_denies_every_new_order_and_lets_cancels_pass() -> None:
    guard, denied = _guarded()
    guard.warming_up = False
    guard.reconciling_reason = "the stream reconnected: resyncing"

    passed = [
        guard(_order(OrderSide.BUY, "0.01")),
        guard(_order(OrderSide.SELL, "0.01", reduce_only=True)),
        guard(CancelOrder(OrderId("O-9"), 0)),
    ]

    assert passed == [False, False, True]
    assert [(d.rule, d.message) for d in denied] == [
        ("reconciling", "the stream reconnected: resyncing")
    ] * 2
