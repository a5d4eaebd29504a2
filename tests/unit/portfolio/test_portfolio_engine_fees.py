"""The portfolio books fees in the quote, in the base asset and in a third asset
(portfolio/engine.py): positions net of base fees, the ledger exact, dust held."""

from __future__ import annotations

from decimal import Decimal

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.ids import OrderId, StrategyId, TradeId
from xor_trading.domain.accounts import Account
from xor_trading.domain.events import OrderFilled, PositionChanged
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide
from xor_trading.portfolio.engine import PortfolioEngine
from xor_trading.testing.factories import make_instrument

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
INST = make_instrument("BTC/USDT", tick_size="0.01", lot_size="0.00001")
SYMBOL = INST.symbol


def _engine(with_instruments: bool = True) -> tuple[PortfolioEngine, MessageBus, list[object]]:
    bus = MessageBus()
    account = Account("USDT")
    account.deposit(D(10_000), 0)
    engine = PortfolioEngine(bus, account, {SYMBOL: INST} if with_instruments else None)
    seen: list[object] = []
    bus.subscribe(PositionChanged, seen.append)
    return engine, bus, seen


def _fill(bus: MessageBus, side: OrderSide, px: str, qty: str, fee: str, asset: str) -> None:
    fill = Fill(
        TradeId(f"T-{side.value}-{qty}"), OrderId("O-1"), SYMBOL, side, D(px), D(qty), D(fee),
        asset, Liquidity.TAKER, 1,
    )  # fmt: skip
    bus.publish(OrderFilled(fill, StrategyId("s-1")))


def test_portfolio_base_fee_buy_holds_quantity_less_fee_and_books_fee_in_quote() -> None:
    engine, bus, seen = _engine()
    _fill(bus, BUY, "100000", "0.01", "0.00001", "BTC")
    assert engine.position_quantity(SYMBOL) == D("0.00999")
    assert engine.holding(SYMBOL) == D("0.00999")
    assert engine.account.fees == D("1.00000")
    assert engine.cash() == D("9000.00")  # 10000 - 0.01 * 100000 exactly
    changed = seen[-1]
    assert isinstance(changed, PositionChanged)
    assert changed.quantity == D("0.00999")


def test_portfolio_base_fee_round_trip_pnl_and_fees_exact_in_quote() -> None:
    engine, bus, _ = _engine()
    _fill(bus, BUY, "100000", "0.01", "0.00001", "BTC")
    _fill(bus, SELL, "101000", "0.00999", "1.00899", "USDT")
    assert engine.position_quantity(SYMBOL) == 0
    assert engine.holding(SYMBOL) == 0
    assert engine.account.realized_pnl == D("9.99000")  # 0.00999 * 1000
    assert engine.account.fees == D("2.00899")
    # -1000 paid, 0.00999 * 101000 = 1008.99 received, less the 1.00899 sell fee
    assert engine.account.balance == D("10007.98101")
    assert engine.cash() == engine.account.balance


def test_portfolio_base_fee_dust_is_held_not_tradable_and_not_in_cash() -> None:
    engine, bus, seen = _engine()
    _fill(bus, BUY, "100000", "0.00123", "0.00000123", "BTC")
    _fill(bus, SELL, "100000", "0.00122", "0", "USDT")
    assert engine.position_quantity(SYMBOL) == 0  # flat: the round trip is over
    assert engine.holding(SYMBOL) == D("0.00000877")
    changed = seen[-1]
    assert isinstance(changed, PositionChanged)
    assert changed.quantity == 0
    # the dust's cost (0.877) is still spent: cash is what the quote balance really is
    assert engine.cash() == D(10_000) - D("123") + D("122")


def test_portfolio_third_asset_fee_counted_in_its_asset_at_zero_quote_value() -> None:
    engine, bus, _ = _engine()
    _fill(bus, BUY, "100000", "0.01", "0.0002", "BNB")
    _fill(bus, SELL, "100000", "0.01", "0.0002", "BNB")
    assert engine.other_asset_fees == {"BNB": D("0.0004")}
    assert engine.account.fees == 0
    assert engine.position_quantity(SYMBOL) == 0


def test_portfolio_quote_fee_fill_books_as_before() -> None:
    engine, bus, _ = _engine()
    _fill(bus, BUY, "100000", "0.01", "1", "USDT")
    assert engine.position_quantity(SYMBOL) == D("0.01")
    assert engine.account.fees == D(1)


def test_portfolio_without_instruments_keeps_the_exact_holding_as_position() -> None:
    engine, bus, _ = _engine(with_instruments=False)
    _fill(bus, BUY, "100000", "0.00123", "0.00000123", "BTC")
    assert engine.position_quantity(SYMBOL) == D("0.00122877")
    assert engine.account.fees == D("0.12300000")
