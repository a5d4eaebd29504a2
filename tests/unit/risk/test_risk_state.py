"""RiskState (risk/state.py): fills, candles, pending entries and the UTC day."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from xor_trading.core.ids import OrderId, StrategyId, Symbol, TradeId
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.risk.state import DAY_MS, RiskState, order_price, utc_day

SYM = "TST/USDT"
MIN = 60_000
T0 = 1_700_006_400_000  # 2023-11-15T00:00:00Z, the start of a UTC day


def _fill(
    side: OrderSide, qty: str, price: str, *, order: str = "O-1", fee: str = "0",
    fee_currency: str = "USDT", ts: int = T0, symbol: str = SYM,
) -> Fill:  # fmt: skip
    return Fill(
        TradeId("T"), OrderId(order), Symbol(symbol), side, D(price), D(qty), D(fee),
        fee_currency, Liquidity.TAKER, ts,
    )  # fmt: skip


def _cmd(
    qty: str, price: str = "100", *, side: OrderSide = OrderSide.BUY, order: str = "O-1",
    symbol: str = SYM, ts: int = T0, reduce_only: bool = False,
) -> SubmitOrder:  # fmt: skip
    return SubmitOrder(
        OrderId(order), StrategyId("s"), Symbol(symbol), side, OrderType.MARKET, D(qty), ts,
        reduce_only=reduce_only, reference_price=D(price),
    )  # fmt: skip


def _candle(close: float, i: int) -> Candle:
    return Candle(T0 + i * MIN, close, close, close, close, 1.0, MIN)


def test_risk_state_fill_opens_position_with_exact_quantity_and_fill_value() -> None:
    s = RiskState(10_000)
    s.on_fill(_fill(OrderSide.BUY, "0.3", "101.5", ts=T0 + 5))
    pos = s.positions[SYM]
    assert pos.quantity == D("0.3")
    assert pos.notional == pytest.approx(30.45)
    assert pos.mark_price == 101.5
    assert pos.entry_ms == T0 + 5
    assert s.gross_notional == pytest.approx(30.45)
    assert s.equity == 10_000


def test_risk_state_second_fill_marks_the_held_quantity_to_its_price() -> None:
    s = RiskState(10_000)
    s.on_fill(_fill(OrderSide.BUY, "1", "100"))
    s.on_fill(_fill(OrderSide.BUY, "1", "110", ts=T0 + 9))
    pos = s.positions[SYM]
    assert pos.quantity == D(2)
    assert pos.notional == pytest.approx(220)
    assert pos.entry_ms == T0  # adding keeps the entry time
    assert s.equity == pytest.approx(10_010)  # the first unit gained 10


def test_risk_state_sells_reduce_then_close_the_position() -> None:
    s = RiskState(10_000)
    s.on_fill(_fill(OrderSide.BUY, "1", "100"))
    version = s.exposure_version
    s.on_fill(_fill(OrderSide.SELL, "0.4", "100"))
    assert s.positions[SYM].quantity == D("0.6")
    assert s.exposure_version == version  # still open: the set of symbols did not change
    s.on_fill(_fill(OrderSide.SELL, "0.6", "95"))
    assert SYM not in s.positions
    assert s.gross_notional == 0
    assert s.exposure_version == version + 1
    assert s.equity == pytest.approx(10_000 - 0.6 * 5)


def test_risk_state_fill_through_zero_opens_the_rest_as_a_new_short() -> None:
    s = RiskState(10_000)
    s.on_fill(_fill(OrderSide.BUY, "1", "100"))
    s.on_fill(_fill(OrderSide.SELL, "1.5", "100", ts=T0 + 7))
    pos = s.positions[SYM]
    assert pos.quantity == D("-0.5")
    assert pos.notional == pytest.approx(50)
    assert pos.entry_ms == T0 + 7


def test_risk_state_fee_in_quote_lowers_equity_fee_in_base_is_ignored() -> None:
    s = RiskState(10_000)
    s.on_fill(_fill(OrderSide.BUY, "1", "100", fee="0.1"))
    assert s.equity == pytest.approx(9_999.9)
    s.on_fill(_fill(OrderSide.BUY, "1", "100", fee="0.001", fee_currency="TST"))
    assert s.equity == pytest.approx(9_999.9)


def test_risk_state_candle_appends_return_and_marks_to_market() -> None:
    s = RiskState(10_000)
    s.on_candle(SYM, _candle(100.0, 0))
    assert SYM not in s.returns  # the first close has no return yet
    s.on_fill(_fill(OrderSide.BUY, "2", "100"))
    s.on_candle(SYM, _candle(105.0, 1))
    assert list(s.returns[SYM]) == [pytest.approx(0.05)]
    pos = s.positions[SYM]
    assert pos.mark_price == 105.0
    assert pos.notional == pytest.approx(210)
    assert s.gross_notional == pytest.approx(210)
    assert s.equity == pytest.approx(10_010)


def test_risk_state_candle_gap_is_filled_with_zero_returns() -> None:
    s = RiskState(10_000)
    s.on_candle(SYM, _candle(100.0, 0))
    s.on_candle(SYM, _candle(110.0, 3))  # candles 1 and 2 never came: no trade, no move
    assert list(s.returns[SYM]) == [0.0, 0.0, pytest.approx(0.1)]


def test_risk_state_repeated_candle_changes_nothing() -> None:
    s = RiskState(10_000)
    s.on_candle(SYM, _candle(100.0, 0))
    s.on_candle(SYM, _candle(101.0, 1))
    s.on_candle(SYM, _candle(120.0, 1))
    assert list(s.returns[SYM]) == [pytest.approx(0.01)]


def test_risk_state_return_window_is_bounded() -> None:
    s = RiskState(10_000, correlation_window=10)
    for i in range(25):
        s.on_candle(SYM, _candle(100.0 + i, i))
    assert len(s.returns[SYM]) == 10
    assert s.returns[SYM][-1] == pytest.approx(124 / 123 - 1)


def test_risk_state_accepted_entry_counts_and_is_pending_until_filled() -> None:
    s = RiskState(10_000)
    s.on_entry_accepted(_cmd("2", "50"))
    assert s.entries_today == 1
    assert s.day == utc_day(T0)
    assert s.pending_notional == 100
    assert s.pending_by_symbol == {SYM: 100}
    assert s.open_symbols() == (SYM,)
    s.on_fill(_fill(OrderSide.BUY, "0.5", "50"))
    assert s.pending_notional == 75
    assert s.positions[SYM].quantity == D("0.5")
    s.on_order_closed(OrderId("O-1"))  # canceled with 1.5 unfilled
    assert s.pending == {}
    assert s.pending_notional == 0
    assert s.pending_by_symbol == {}
    assert s.open_symbols() == (SYM,)


def test_risk_state_full_fill_clears_the_pending_entry() -> None:
    s = RiskState(10_000)
    s.on_entry_accepted(_cmd("2", "50"))
    s.on_fill(_fill(OrderSide.BUY, "2", "50"))
    assert s.pending == {}
    assert s.pending_notional == 0


def test_risk_state_pending_entry_alone_makes_the_symbol_open() -> None:
    s = RiskState(10_000)
    s.on_entry_accepted(_cmd("1", symbol="A/USDT", order="O-1"))
    assert s.open_symbols() == ("A/USDT",)
    assert s.is_open("A/USDT")
    s.on_order_closed(OrderId("O-1"))
    assert s.open_symbols() == ()
    assert not s.is_open("A/USDT")


def test_risk_state_exit_is_neither_counted_nor_pending() -> None:
    s = RiskState(10_000)
    s.on_fill(_fill(OrderSide.BUY, "1", "100"))
    s.on_entry_accepted(_cmd("1", side=OrderSide.SELL))
    s.on_entry_accepted(_cmd("1", reduce_only=True))
    assert s.entries_today == 0
    assert s.pending == {}


@pytest.mark.parametrize(
    ("held", "side", "qty", "reduce_only", "expected"),
    [
        ("0", OrderSide.BUY, "1", False, "1"),
        ("0", OrderSide.SELL, "1", False, "1"),  # a short entry
        ("2", OrderSide.BUY, "1", False, "1"),  # adding to a long
        ("2", OrderSide.SELL, "2", False, "0"),  # an exit, even without reduce_only
        ("2", OrderSide.SELL, "3", False, "1"),  # flips: only the excess is an entry
        ("2", OrderSide.BUY, "1", True, "0"),  # reduce-only is never an entry
        ("-2", OrderSide.BUY, "1", False, "0"),  # covering a short
    ],
)
def test_risk_state_entry_quantity_is_what_adds_exposure(
    held: str, side: OrderSide, qty: str, reduce_only: bool, expected: str
) -> None:
    s = RiskState(10_000)
    if D(held):
        s.set_position(SYM, D(held), 100.0, T0)
    assert s.entry_quantity(_cmd(qty, side=side, reduce_only=reduce_only)) == D(expected)


def test_risk_state_entries_reset_at_the_next_utc_day() -> None:
    s = RiskState(10_000)
    s.on_entry_accepted(_cmd("1", order="O-1", ts=T0 + DAY_MS - 1))
    s.on_entry_accepted(_cmd("1", order="O-2", ts=T0 + DAY_MS - 1))
    assert s.entries_today == 2
    assert s.entries_on(T0 + DAY_MS - 1) == 2
    assert s.entries_on(T0 + DAY_MS) == 0  # the rules read the command's day
    s.on_candle(SYM, Candle(T0 + DAY_MS - MIN, 1, 1, 1, 1, 1, MIN))  # closes at 00:00 UTC
    assert s.day == utc_day(T0 + DAY_MS)
    assert s.entries_today == 0


def test_risk_state_accepted_entry_on_a_new_day_counts_from_one() -> None:
    s = RiskState(10_000)
    s.on_entry_accepted(_cmd("1", order="O-1", ts=T0))
    s.on_entry_accepted(_cmd("1", order="O-2", ts=T0 + DAY_MS))
    assert (s.day, s.entries_today) == (utc_day(T0) + 1, 1)


def test_risk_state_set_position_and_equity_resynchronise() -> None:
    s = RiskState(10_000)
    s.set_position("A/USDT", D(2), 50.0, T0)
    s.set_position("B/USDT", D(-1), 30.0, T0)
    assert s.gross_notional == 130
    s.set_position("A/USDT", D(0), 50.0, T0)
    assert list(s.positions) == ["B/USDT"]
    assert s.gross_notional == 30
    s.set_equity(12_345)
    assert s.equity == 12_345.0


def test_risk_state_order_price_prefers_limit_then_stop_trigger_then_reference() -> None:
    base = _cmd("1", "100")
    limit = replace(base, order_type=OrderType.LIMIT, limit_price=D(99))
    stop = replace(base, order_type=OrderType.STOP_MARKET, stop_price=D(105))
    protective = replace(base, stop_price=D(90))  # a market entry with its stop loss
    unpriced = replace(base, reference_price=None)
    assert order_price(limit) == D(99)
    assert order_price(stop) == D(105)
    assert order_price(protective) == D(100)
    assert order_price(unpriced) is None
