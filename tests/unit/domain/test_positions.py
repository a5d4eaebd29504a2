"""Net positions (domain/positions.py) and fills (domain/fills.py), alone and with the ledger.

Conventions from the module docstring: signed quantity, volume-weighted average entry on
increases, ``(exit - avg_entry) * closed * sign`` realised on reductions, a fill crossing zero
closes and opens the rest at the fill price, fees kept apart from realised PnL.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xor_trading.core.ids import OrderId, Symbol, TradeId
from xor_trading.domain.accounts import Account
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide
from xor_trading.domain.positions import Position

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
SYMBOL = Symbol("BTC/USDT")


def _fill(side: OrderSide, px: str | D, qty: str | D, fee: str | D = "0", ts: int = 0) -> Fill:
    return Fill(
        trade_id=TradeId("T-1"),
        order_id=OrderId("O-1"),
        symbol=SYMBOL,
        side=side,
        price=D(px),
        quantity=D(qty),
        fee=D(fee),
        fee_currency="USDT",
        liquidity=Liquidity.TAKER,
        ts_ms=ts,
    )


def test_fill_notional_is_price_times_quantity() -> None:
    assert _fill(BUY, "105554.32", "0.00947").notional == D("999.5994104")


def test_position_new_is_flat() -> None:
    pos = Position(SYMBOL)
    assert pos.is_flat
    assert pos.quantity == pos.avg_entry == pos.realized_pnl == pos.fees == 0
    assert pos.cost_basis == 0
    assert pos.opened_ms is None
    assert pos.unrealized_pnl(D("100")) == 0


def test_position_long_open_sets_entry_and_open_time() -> None:
    pos = Position(SYMBOL)
    realized = pos.apply(_fill(BUY, "100", "2", ts=1_000))
    assert realized == 0
    assert pos.quantity == D(2)
    assert pos.avg_entry == D(100)
    assert pos.opened_ms == 1_000
    assert pos.cost_basis == D(200)
    assert not pos.is_flat


def test_position_long_add_moves_average_entry_keeps_open_time() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "1", ts=1_000))
    realized = pos.apply(_fill(BUY, "103", "3", ts=2_000))
    assert realized == 0
    assert pos.quantity == D(4)
    assert pos.avg_entry == D("102.25")  # (100 + 309) / 4
    assert pos.opened_ms == 1_000
    assert pos.realized_pnl == 0


def test_position_long_partial_close_realises_exact_pnl_keeps_entry() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "1"))
    pos.apply(_fill(BUY, "101", "1"))  # avg 100.5
    realized = pos.apply(_fill(SELL, "110.25", "0.5"))
    assert realized == D("4.875")  # (110.25 - 100.5) * 0.5
    assert pos.realized_pnl == D("4.875")
    assert pos.quantity == D("1.5")
    assert pos.avg_entry == D("100.5")


def test_position_long_partial_close_at_a_loss_realises_negative_pnl() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "105554.32", "0.00947"))
    realized = pos.apply(_fill(SELL, "105000.00", "0.00500"))
    assert realized == D("-2.7716000")  # (105000 - 105554.32) * 0.005


def test_position_long_full_close_resets_entry_and_open_time() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "2", ts=1_000))
    realized = pos.apply(_fill(SELL, "90", "2", ts=5_000))
    assert realized == D(-20)
    assert pos.is_flat
    assert pos.avg_entry == 0
    assert pos.opened_ms is None
    assert pos.realized_pnl == D(-20)
    assert pos.cost_basis == 0


def test_position_reopen_after_flat_starts_fresh_entry() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "1", ts=1))
    pos.apply(_fill(SELL, "120", "1", ts=2))
    pos.apply(_fill(BUY, "50", "1", ts=3))
    assert pos.avg_entry == D(50)
    assert pos.opened_ms == 3
    assert pos.realized_pnl == D(20)


def test_position_long_sell_through_zero_opens_short_remainder_at_fill_price() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "1", ts=1_000))
    realized = pos.apply(_fill(SELL, "110", "3", ts=2_000))
    assert realized == D(10)  # only the closed unit realises
    assert pos.quantity == D(-2)
    assert pos.avg_entry == D(110)
    assert pos.opened_ms == 2_000
    assert pos.realized_pnl == D(10)


def test_position_short_buy_through_zero_opens_long_remainder_at_fill_price() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(SELL, "100", "2", ts=1))
    realized = pos.apply(_fill(BUY, "90", "5", ts=2))
    assert realized == D(20)
    assert pos.quantity == D(3)
    assert pos.avg_entry == D(90)
    assert pos.opened_ms == 2


def test_position_short_open_and_add_average_entry() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(SELL, "100", "1", ts=7))
    pos.apply(_fill(SELL, "106", "2", ts=8))
    assert pos.quantity == D(-3)
    assert pos.avg_entry == D(104)
    assert pos.opened_ms == 7
    assert pos.cost_basis == D(-312)


def test_position_short_cover_below_entry_realises_profit() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(SELL, "100", "3"))
    realized = pos.apply(_fill(BUY, "95", "1"))
    assert realized == D(5)
    assert pos.quantity == D(-2)
    assert pos.avg_entry == D(100)
    realized = pos.apply(_fill(BUY, "104", "2"))
    assert realized == D(-8)
    assert pos.is_flat
    assert pos.realized_pnl == D(-3)


def test_position_fees_accumulate_separately_from_realized_pnl() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "1", fee="0.1"))
    pos.apply(_fill(SELL, "110", "1", fee="0.11"))
    assert pos.fees == D("0.21")
    assert pos.realized_pnl == D(10)


def test_position_unrealized_pnl_long_and_short() -> None:
    long = Position(SYMBOL)
    long.apply(_fill(BUY, "100", "2"))
    assert long.unrealized_pnl(D("105.5")) == D(11)
    assert long.unrealized_pnl(D("95")) == D(-10)
    short = Position(SYMBOL)
    short.apply(_fill(SELL, "100", "2"))
    assert short.unrealized_pnl(D("95")) == D(10)
    assert short.unrealized_pnl(D("105.5")) == D(-11)


def test_position_round_trip_with_terminating_average_realises_exact_pnl() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "1"))
    pos.apply(_fill(BUY, "101", "1"))
    pos.apply(_fill(SELL, "102", "2"))
    assert pos.realized_pnl == D(3)  # sold 204, bought 201


def test_position_round_trip_with_non_terminating_average_realises_exact_pnl() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "1", "1"))
    pos.apply(_fill(BUY, "2", "2"))  # avg 5/3
    pos.apply(_fill(SELL, "2", "3"))
    assert pos.realized_pnl == D(1)  # sold 6, bought 5


# -- positions and the ledger together (spot, long only) ------------------------------------------

LOT = D("0.00001")
TICK = D("0.01")
FEE_RATE = D("0.001")
QUANTUM = D("0.00000001")
DEPOSIT = D("1000000")

_prices = st.one_of(
    st.sampled_from([D("105554.32"), D("99999.99"), D("100000.00")]),
    st.integers(min_value=1_000_000, max_value=12_000_000).map(lambda t: t * TICK),
)
# (is_buy, price, lots bought, fraction of the holding sold)
_step = st.tuples(st.booleans(), _prices, st.integers(1, 5_000), st.floats(0.0, 1.0))
Step = tuple[bool, D, int, float]


@st.composite
def _one_buy_price_steps(draw: st.DrawFn) -> list[Step]:
    """Random steps whose buys all happen at one price (sells at any price)."""
    buy_price = draw(_prices)
    steps = draw(st.lists(_step, min_size=1, max_size=25))
    return [(b, buy_price if b else px, n, f) for b, px, n, f in steps]


def _fee(notional: D) -> D:
    units = (notional * FEE_RATE / QUANTUM).to_integral_value(rounding="ROUND_CEILING")
    return units * QUANTUM


def _run(steps: list[Step]) -> tuple[Position, Account, dict[str, D]]:
    """Apply spot fills: buys, and sells never larger than the held quantity; then sell the rest.

    Each fill's realised PnL and fee are booked to an account funded with ``DEPOSIT``.
    """
    pos = Position(SYMBOL)
    acct = Account("USDT")
    acct.deposit(DEPOSIT, 0, "initial")
    totals = {"buys": D(0), "sells": D(0), "fees": D(0), "realized": D(0)}
    held_lots = 0
    for ts, (is_buy, px, lots, frac) in enumerate(steps, start=1):
        if is_buy:
            side, n = BUY, lots
            held_lots += n
        else:
            n = int(held_lots * frac)
            if n == 0:
                continue
            side = SELL
            held_lots -= n
        _book(pos, acct, totals, side, px, n * LOT, ts)
        assert pos.quantity == held_lots * LOT
    if held_lots:
        _book(pos, acct, totals, SELL, steps[-1][1], held_lots * LOT, len(steps) + 1)
    return pos, acct, totals


def _book(
    pos: Position, acct: Account, totals: dict[str, D], side: OrderSide, px: D, qty: D, ts: int
) -> None:
    fee = _fee(px * qty)
    realized = pos.apply(_fill(side, px, qty, fee, ts))
    acct.book_realized_pnl(realized, ts, "fill")
    acct.charge_fee(fee, ts, "fill")
    totals["buys" if side is BUY else "sells"] += px * qty
    totals["fees"] += fee
    totals["realized"] += realized


@settings(max_examples=150, deadline=None)
@given(_one_buy_price_steps())
def test_position_and_ledger_one_buy_price_once_flat_balance_and_cash_exact(
    steps: list[Step],
) -> None:
    pos, acct, totals = _run(steps)
    assert pos.is_flat
    assert pos.cost_basis == 0
    assert acct.balance == DEPOSIT + totals["realized"] - totals["fees"]
    assert acct.balance == acct.deposits + acct.realized_pnl - acct.fees
    assert acct.balance == sum((e.amount for e in acct.entries), D(0))
    assert acct.realized_pnl == pos.realized_pnl == totals["realized"]
    assert acct.fees == pos.fees == totals["fees"]
    # cash conservation: deposits - buys + sells - fees == balance - cost basis
    cash = DEPOSIT - totals["buys"] + totals["sells"] - totals["fees"]
    assert cash == acct.balance - pos.cost_basis


@settings(max_examples=150, deadline=None)
@given(st.lists(_step, min_size=1, max_size=25))
def test_position_and_ledger_any_buy_prices_once_flat_balance_and_cash_within_rounding(
    steps: list[Step],
) -> None:
    """Buys at several prices: exact where the code keeps it, else within the Decimal context.

    The average entry is then generally a rounded 28-digit quotient, which breaks exactness:
    see the two xfail (BUG) tests below.
    """
    pos, acct, totals = _run(steps)
    assert pos.is_flat
    assert acct.balance == sum((e.amount for e in acct.entries), D(0))  # same order: exact
    assert acct.realized_pnl == pos.realized_pnl == totals["realized"]
    assert acct.fees == pos.fees == totals["fees"]
    tolerance = D("1e-15")
    assert abs(acct.balance - (DEPOSIT + totals["realized"] - totals["fees"])) <= tolerance
    cash = DEPOSIT - totals["buys"] + totals["sells"] - totals["fees"]
    assert abs(cash - (acct.balance - pos.cost_basis)) <= tolerance


# Found by hypothesis (shrunk): three buys at two prices, then two sells.
_INEXACT_STEPS: list[Step] = [
    (True, D("105554.32"), 1, 0.0),
    (True, D("105554.32"), 1, 0.0),
    (True, D("99999.99"), 1, 0.0),
    (False, D("105554.32"), 1, 0.5),
    (False, D("10000.00"), 1, 0.0),
]


def test_position_and_ledger_two_buy_prices_once_flat_ledger_identity_exact() -> None:
    pos, acct, totals = _run(_INEXACT_STEPS)
    assert pos.is_flat
    assert acct.balance == DEPOSIT + totals["realized"] - totals["fees"]


def test_position_and_ledger_two_buy_prices_once_flat_cash_conserved_exactly() -> None:
    pos, acct, totals = _run(_INEXACT_STEPS)
    cash = DEPOSIT - totals["buys"] + totals["sells"] - totals["fees"]
    assert cash == acct.balance - pos.cost_basis


def test_position_and_ledger_exact_example_conserves_cash() -> None:
    steps: list[Step] = [
        (True, D("105554.32"), 947, 0.0),
        (True, D("105554.32"), 53, 0.0),
        (False, D("106000.00"), 1, 0.5),
        (True, D("105554.32"), 500, 0.0),
        (False, D("104000.01"), 1, 1.0),
    ]
    pos, acct, totals = _run(steps)
    assert pos.is_flat
    # 0.005 BTC at +445.68 and 0.01 BTC at -1554.31
    assert totals["realized"] == D("2.2284") + D("-15.5431") == D("-13.3147")
    cash = DEPOSIT - totals["buys"] + totals["sells"] - totals["fees"]
    assert cash == acct.balance
    assert acct.balance == DEPOSIT + totals["realized"] - totals["fees"]
