"""The risk engine (venue limits until the full rule set): denials are events with a reason."""

from __future__ import annotations

from decimal import Decimal as D

from xor_trading.bus.endpoints import EXECUTION, RISK
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.events import OrderDenied
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.engine import RiskEngine
from xor_trading.testing.factories import make_instrument

SYM = Symbol("TST/USDT")


def _wire() -> tuple[MessageBus, list[object], list[OrderDenied]]:
    bus = MessageBus()
    RiskEngine(bus, {SYM: make_instrument()})
    forwarded: list[object] = []
    denied: list[OrderDenied] = []
    bus.register(EXECUTION, forwarded.append)
    bus.subscribe(OrderDenied, denied.append)
    return bus, forwarded, denied


def _cmd(qty: str, price: str = "100", symbol: str = "TST/USDT") -> SubmitOrder:
    return SubmitOrder(
        OrderId("O-1"),
        StrategyId("s"),
        Symbol(symbol),
        OrderSide.BUY,
        OrderType.MARKET,
        D(qty),
        0,
        reference_price=D(price),
    )


def test_risk_forwards_an_order_within_venue_limits() -> None:
    bus, forwarded, denied = _wire()
    bus.send(RISK, _cmd("0.5"))
    assert len(forwarded) == 1
    assert denied == []


def test_risk_denies_below_min_notional_with_rule_and_sentence() -> None:
    bus, forwarded, denied = _wire()
    bus.send(RISK, _cmd("0.005"))  # 0.5 USDT < 1 USDT minimum
    assert forwarded == []
    (denial,) = denied
    assert denial.rule == "min_notional"
    assert denial.message == (
        "TST/USDT: order value 0.500 USDT is below the minimum notional 1 USDT"
    )


def test_risk_denies_quantity_off_the_lot_grid() -> None:
    bus, _, denied = _wire()
    bus.send(RISK, _cmd("0.0105"))
    assert denied[0].rule == "lot_size"


def test_risk_denies_unknown_symbol() -> None:
    bus, _, denied = _wire()
    bus.send(RISK, _cmd("1", symbol="NOPE/USDT"))
    assert denied[0].rule == "unknown_symbol"
