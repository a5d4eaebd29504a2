"""Fills whose commission is in the base asset (domain/positions.py): the quote-fee
equivalent, whole lots and dust, the fee's quote value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xor_trading.core.errors import DataError
from xor_trading.core.ids import OrderId, Symbol, TradeId
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide
from xor_trading.domain.positions import (
    Position,
    base_and_quote,
    fee_in_quote,
    held_change,
    quote_fee_equivalent,
    tradable_fill,
    whole_lots,
)

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
SYMBOL = Symbol("BTC/USDT")
LOT = D("0.00001")


def _fill(side: OrderSide, px: str, qty: str, fee: str, asset: str, ts: int = 0) -> Fill:
    return Fill(
        TradeId("T-1"), OrderId("O-1"), SYMBOL, side, D(px), D(qty), D(fee), asset,
        Liquidity.TAKER, ts,
    )  # fmt: skip


def test_base_and_quote_of_spot_and_settled_symbols_are_split() -> None:
    assert base_and_quote("BTC/USDT") == ("BTC", "USDT")
    assert base_and_quote("BTC/USDT:USDT") == ("BTC", "USDT")


def test_fee_in_quote_base_fee_is_valued_at_the_fill_price() -> None:
    fill = _fill(BUY, "100000", "0.01", "0.00001", "BTC")
    assert fee_in_quote(fill, "BTC", "USDT") == D("1.00000")


def test_fee_in_quote_quote_fee_is_itself_and_third_asset_is_zero() -> None:
    assert fee_in_quote(_fill(SELL, "100", "1", "0.1", "USDT"), "BTC", "USDT") == D("0.1")
    assert fee_in_quote(_fill(SELL, "100", "1", "0.0002", "BNB"), "BTC", "USDT") == 0


def test_held_change_nets_a_base_fee_on_both_sides() -> None:
    assert held_change(_fill(BUY, "100", "0.01", "0.00001", "BTC"), "BTC") == D("0.00999")
    assert held_change(_fill(SELL, "100", "0.01", "0.00001", "BTC"), "BTC") == D("-0.01001")
    assert held_change(_fill(SELL, "100", "0.01", "0.01", "USDT"), "BTC") == D("-0.01")


def test_quote_fee_equivalent_buy_receives_quantity_less_fee() -> None:
    eq = quote_fee_equivalent(_fill(BUY, "100000", "0.01", "0.00001", "BTC"), "BTC", "USDT")
    assert (eq.quantity, eq.fee, eq.fee_currency) == (D("0.00999"), D("1.00000"), "USDT")
    # the cash moved is unchanged: what 0.01 cost, as 0.00999 plus a fee worth 0.00001
    assert eq.notional + eq.fee == D("1000.00")


def test_quote_fee_equivalent_sell_gives_quantity_plus_fee() -> None:
    eq = quote_fee_equivalent(_fill(SELL, "100000", "0.01", "0.00001", "BTC"), "BTC", "USDT")
    assert (eq.quantity, eq.fee) == (D("0.01001"), D("1.00000"))
    assert eq.notional - eq.fee == D("1000.00")


def test_quote_fee_equivalent_third_asset_fee_is_dropped_at_zero_value() -> None:
    eq = quote_fee_equivalent(_fill(BUY, "100", "1", "0.0003", "BNB"), "BTC", "USDT")
    assert (eq.quantity, eq.fee, eq.fee_currency) == (D(1), 0, "USDT")


def test_quote_fee_equivalent_fee_not_below_quantity_is_refused() -> None:
    with pytest.raises(DataError, match="must be smaller than the quantity"):
        quote_fee_equivalent(_fill(BUY, "100", "0.001", "0.001", "BTC"), "BTC", "USDT")


def test_whole_lots_rounds_toward_zero_on_both_signs() -> None:
    assert whole_lots(D("0.00122877"), LOT) == D("0.00122")
    assert whole_lots(D("-0.00122877"), LOT) == D("-0.00122")
    assert whole_lots(D("0.00000877"), LOT) == 0


def test_position_apply_net_buy_whole_lot_net_has_no_dust() -> None:
    pos = Position(SYMBOL)
    realized = pos.apply_net(_fill(BUY, "100000", "0.01", "0.00001", "BTC", 5), "BTC", "USDT", LOT)
    assert realized == 0
    assert (pos.quantity, pos.dust, pos.holding) == (D("0.00999"), 0, D("0.00999"))
    assert pos.cost_basis == D("999.00000")
    assert pos.fees == D("1.00000")
    assert pos.opened_ms == 5


def test_position_apply_net_buy_sets_the_part_below_a_lot_aside_as_dust() -> None:
    pos = Position(SYMBOL)
    pos.apply_net(_fill(BUY, "100000", "0.00123", "0.00000123", "BTC"), "BTC", "USDT", LOT)
    assert (pos.quantity, pos.dust) == (D("0.00122"), D("0.00000877"))
    assert pos.cost_basis + pos.dust_cost == D("122.877")  # 0.00122877 at 100000
    assert pos.dust_cost == D("0.877")


def test_position_round_trip_with_base_fee_leaves_dust_and_realises_exactly() -> None:
    pos = Position(SYMBOL)
    pos.apply_net(_fill(BUY, "100000", "0.00123", "0.00000123", "BTC"), "BTC", "USDT", LOT)
    realized = pos.apply(_fill(SELL, "110000", "0.00122", "0.1342", "USDT"))
    assert realized == D("12.200")  # 0.00122 * (110000 - 100000)
    assert (pos.quantity, pos.is_flat, pos.dust) == (0, True, D("0.00000877"))
    assert pos.opened_ms is None


def test_position_dust_rejoins_the_next_base_fee_buy_and_is_sold_once_a_lot() -> None:
    pos = Position(SYMBOL)
    pos.apply_net(_fill(BUY, "100", "0.00123", "0.00000123", "BTC"), "BTC", "USDT", LOT)
    pos.apply(_fill(SELL, "100", "0.00122", "0", "USDT"))
    pos.apply_net(_fill(BUY, "100", "0.00123", "0.00000123", "BTC", 9), "BTC", "USDT", LOT)
    # 0.00000877 + 0.00122877 = 0.00123754: one more whole lot than the buy alone
    assert (pos.quantity, pos.dust) == (D("0.00123"), D("0.00000754"))
    assert pos.opened_ms == 9


def test_position_apply_net_sell_with_base_fee_removes_quantity_plus_fee() -> None:
    pos = Position(SYMBOL)
    pos.apply(_fill(BUY, "100", "1", "0", "USDT"))
    realized = pos.apply_net(_fill(SELL, "110", "0.5", "0.0005", "BTC"), "BTC", "USDT", LOT)
    assert pos.quantity == D("0.49950")
    assert realized == D("5.00500")  # 0.5005 * (110 - 100)
    assert pos.fees == D("0.05500")


def test_position_apply_net_without_lot_size_keeps_the_exact_holding() -> None:
    pos = Position(SYMBOL)
    pos.apply_net(_fill(BUY, "100", "0.00123", "0.00000123", "BTC"), "BTC", "USDT")
    assert (pos.quantity, pos.dust) == (D("0.00122877"), 0)


def test_tradable_fill_agrees_with_the_position_over_a_base_fee_sequence() -> None:
    pos = Position(SYMBOL)
    tradable, dust = D(0), D(0)
    fills = [
        _fill(BUY, "100", "0.00123", "0.00000123", "BTC"),
        _fill(SELL, "101", "0.00122", "0.1", "USDT"),
        _fill(BUY, "99", "0.00200", "0.00000200", "BTC"),
        _fill(SELL, "100", "0.00100", "0.00000100", "BTC"),
    ]
    for fill in fills:
        if fill.fee_currency == "USDT":
            pos.apply(fill)
            signed = fill.quantity if fill.side is BUY else -fill.quantity
            tradable += signed
            continue
        pos.apply_net(fill, "BTC", "USDT", LOT)
        moved, dust = tradable_fill(fill, "BTC", "USDT", LOT, tradable, dust)
        if moved is not None:
            tradable += moved.quantity if moved.side is BUY else -moved.quantity
            assert moved.fee == fee_in_quote(fill, "BTC", "USDT")
        assert (tradable, dust) == (pos.quantity, pos.dust)
    # 0.00122877 -> 0.00000877 -> +0.001998 = 0.00200677 -> -0.001001 = 0.00100577
    assert (pos.quantity, pos.dust) == (D("0.00100"), D("0.00000577"))
