"""GridBook on its own: the orders it asks for after each fill, cancel and shift.

A fake order port records the calls; fills are built by hand. The instrument has tick 0.01,
lot 0.001 and a minimum notional of 1. Lines 90 95 100 105 110 (4 arithmetic levels).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.core.errors import ConfigError
from xor_trading.core.ids import OrderId, Symbol, TradeId
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide
from xor_trading.strategies.grid_book import GridBook, GridBudget, GridRange, GridSpacing
from xor_trading.testing.factories import make_instrument

BUDGETS: list[GridBudget] = []  # the budget of each book built, last one last


class FakeOrders:
    def __init__(self) -> None:
        self.calls: list[tuple[str, D, D] | tuple[str, str]] = []
        self._next = 0

    def _id(self) -> OrderId:
        self._next += 1
        return OrderId(f"O-{self._next}")

    def buy_limit(self, quantity: D, price: D, tag: str = "") -> OrderId:
        self.calls.append(("buy", price, quantity))
        return self._id()

    def sell_limit(self, quantity: D, price: D, tag: str = "") -> OrderId:
        self.calls.append(("sell", price, quantity))
        return self._id()

    def cancel(self, order_id: OrderId) -> None:
        self.calls.append(("cancel", order_id))


def _fill(
    order: str, side: OrderSide, price: str, qty: str, fee: str = "0", fee_currency: str = "USDT"
) -> Fill:
    return Fill(TradeId("T"), OrderId(order), Symbol("TST/USDT"), side, D(price), D(qty),
                D(fee), fee_currency, Liquidity.MAKER, 0)  # fmt: skip


def _book(stake: str = "400", quantity: str | None = None) -> tuple[GridBook, FakeOrders]:
    orders = FakeOrders()
    BUDGETS.append(GridBudget(D(stake), "USDT"))
    grid = GridRange(D(90), D(110), 4, GridSpacing.ARITHMETIC)
    book = GridBook(orders, make_instrument(), grid, budget=BUDGETS[-1],
                    quote_per_level=D(stake) / 4,
                    quantity_per_level=None if quantity is None else D(quantity))  # fmt: skip
    return book, orders


def test_grid_book_lines_and_first_buys() -> None:
    book, orders = _book()
    book.arm(D(102))
    assert book.lines == [D(90), D(95), D(100), D(105), D(110)]
    assert orders.calls == [
        ("buy", D("90.00"), D("1.111")),
        ("buy", D("95.00"), D("1.052")),
        ("buy", D("100.00"), D("1.000")),
    ]


def test_grid_book_cancel_keeps_a_partial_buy_and_shift_sells_it() -> None:
    book, orders = _book()
    book.arm(D(102))  # O-1 90, O-2 95, O-3 100
    assert book.on_fill(_fill("O-3", OrderSide.BUY, "100", "0.400"))
    assert book.held == D("0.400")
    orders.calls.clear()
    book.shift(-1, D(84))  # lines 85..105: level 2 sells its 0.400 at its new line, 100
    assert orders.calls == [
        ("cancel", "O-1"),
        ("cancel", "O-2"),
        ("cancel", "O-3"),
        ("sell", D("100.00"), D("0.400")),
    ]


def test_grid_book_unsellable_remainder_goes_to_the_spare_and_the_level_is_idle_again() -> None:
    book, orders = _book()
    book.arm(D(102))
    book.on_fill(_fill("O-3", OrderSide.BUY, "100", "0.005"))  # 0.005 x 105 < 1 minimum
    orders.calls.clear()
    book.shift(1, D(102))  # lines 95..115: the 0.005 waits in the spare; 105 is above 102
    assert (book.held, book.spare) == (0, D("0.005"))
    assert orders.calls[3:] == [
        ("buy", D("95.00"), D("1.052")),
        ("buy", D("100.00"), D("1.000")),
    ]


def test_grid_book_sell_proceeds_pay_for_the_next_buy_within_the_budget() -> None:
    # Budget 200, one unit per level: at 102 only 90 and 95 fit (185 of 200).
    book, orders = _book(stake="200", quantity="1")
    budget = BUDGETS[-1]
    book.arm(D(102))
    assert orders.calls == [("buy", D("90.00"), D(1)), ("buy", D("95.00"), D(1))]
    # 95 fills (fee 0.10): budget 104.90, 90 still working: the sell at 100 goes out.
    fill = _fill("O-2", OrderSide.BUY, "95", "1", fee="0.10")
    budget.book(fill)
    book.on_fill(fill)
    assert budget.cash == D("104.90")
    assert orders.calls[-1] == ("sell", D("100.00"), D(1))
    # The sell fills: 104.90 + 99.90 = 204.80; 90 working + 95 again = 185: fits.
    fill = _fill("O-3", OrderSide.SELL, "100", "1", fee="0.10")
    budget.book(fill)
    book.on_fill(fill)
    assert orders.calls[-1] == ("buy", D("95.00"), D(1))


def test_grid_book_refuses_lines_that_collide_on_the_tick() -> None:
    with pytest.raises(ConfigError, match="collide"):
        GridBook(FakeOrders(), make_instrument(), GridRange(D(100), D("100.02"), 4,
                 GridSpacing.ARITHMETIC), budget=GridBudget(D(100), "USDT"),
                 quote_per_level=D(25))  # fmt: skip


def test_grid_book_base_fee_is_held_less_sells_whole_lots_and_is_no_cash() -> None:
    # Fees in the asset received: the buy of 1.052 at 95 pays 0.001052 TST, so the cell holds
    # 1.050948 and sells its whole lots, 1.050; the 0.000948 dust goes to the spare (it stays
    # in the account). The budget pays the buy's value only: 400 - 99.94 = 300.06.
    book, orders = _book()
    budget = BUDGETS[-1]
    book.arm(D(102))  # O-1 90, O-2 95, O-3 100
    fill = _fill("O-2", OrderSide.BUY, "95", "1.052", fee="0.001052", fee_currency="TST")
    budget.book(fill)
    book.on_fill(fill)
    assert (budget.cash, book.held, book.spare) == (D("300.06"), D("1.050"), D("0.000948"))
    assert orders.calls[-1] == ("sell", D("100.00"), D("1.050"))
    # The sell (O-4) pays its fee in USDT: 300.06 + 105.00 - 0.105; the cell buys again (O-5).
    fill = _fill("O-4", OrderSide.SELL, "100", "1.050", fee="0.105")
    budget.book(fill)
    book.on_fill(fill)
    assert (budget.cash, book.held, book.spare) == (D("404.955"), D(0), D("0.000948"))
    assert orders.calls[-1] == ("buy", D("95.00"), D("1.052"))
    # Bought again: 1.050948 + the spare 0.000948 = 1.051896; the dust of the two round
    # trips makes one more lot, sold along: 1.051, and 0.000896 stays spare.
    book.on_fill(_fill("O-5", OrderSide.BUY, "95", "1.052", fee="0.001052", fee_currency="TST"))
    assert (book.held, book.spare) == (D("1.051"), D("0.000896"))
    assert orders.calls[-1] == ("sell", D("100.00"), D("1.051"))


def test_grid_book_partial_buys_with_base_fees_sell_what_the_cell_received() -> None:
    book, orders = _book()
    book.arm(D(102))
    orders.calls.clear()
    book.on_fill(_fill("O-3", OrderSide.BUY, "100", "0.333", "0.000333", fee_currency="TST"))
    assert (book.held, orders.calls) == (D("0.332667"), [])  # the rest keeps working
    book.on_fill(_fill("O-3", OrderSide.BUY, "100", "0.667", "0.000667", fee_currency="TST"))
    assert (book.held, book.spare) == (D("0.999"), D(0))
    assert orders.calls == [("sell", D("105.00"), D("0.999"))]
