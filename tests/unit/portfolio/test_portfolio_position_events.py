"""PositionChanged (portfolio/engine.py): built and delivered only when someone listens; the
fill is booked either way."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.ids import OrderId, StrategyId, TradeId
from xor_trading.domain.accounts import Account
from xor_trading.domain.events import OrderFilled, PositionChanged
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide
from xor_trading.portfolio.engine import PortfolioEngine
from xor_trading.testing.factories import make_instrument

INST = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.00001")


def _buy(bus: MessageBus, trade: str) -> None:
    fill = Fill(
        TradeId(trade), OrderId("O-1"), INST.symbol, OrderSide.BUY, D(100), D("0.5"), D("0.05"),
        "USDT", Liquidity.TAKER, 5,
    )  # fmt: skip
    bus.publish(OrderFilled(fill, StrategyId("s-1")))


def _portfolio() -> tuple[PortfolioEngine, MessageBus]:
    bus = MessageBus()
    account = Account("USDT")
    account.deposit(D(1_000), 0)
    return PortfolioEngine(bus, account, {INST.symbol: INST}), bus


def test_portfolio_books_a_fill_without_building_position_changed_when_nobody_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("PositionChanged built without a subscriber")

    monkeypatch.setattr("xor_trading.portfolio.engine.PositionChanged", never)
    portfolio, bus = _portfolio()
    _buy(bus, "T-1")
    assert portfolio.position_quantity(INST.symbol) == D("0.5")
    assert portfolio.account.balance == D("999.95")
    assert portfolio.cash() == D("949.95")


def test_portfolio_position_changed_reaches_a_subscriber_added_after_it_was_built() -> None:
    portfolio, bus = _portfolio()
    _buy(bus, "T-1")
    seen: list[object] = []
    bus.subscribe(PositionChanged, seen.append)
    _buy(bus, "T-2")
    assert seen == [PositionChanged(INST.symbol, StrategyId("s-1"), D("1.0"), D(100), D(0), 5)]
    assert portfolio.position_quantity(INST.symbol) == D("1.0")
