"""Binance replies to venue facts: exact decimals, and refusal of anything malformed (R10)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xor_trading.core.errors import UnknownOutcomeError
from xor_trading.core.ids import OrderId
from xor_trading.domain.fills import Liquidity
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.exchanges.ccxt_client.response_parsing import (
    ResponseParseError,
    fill_of,
    market_id,
    parse_balances,
    parse_execution_report,
    parse_order,
    parse_order_fills,
    parse_trade,
    parse_trades,
    stream_client_order_id,
)
from xor_trading.execution.venue_state import VenueBalance, VenueOrder, VenueOrderStatus, VenueTrade


def market_sell_full(**changes: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "orderId": 28,
        "orderListId": -1,
        "clientOrderId": "bot1-O-7",
        "transactTime": 1507725176595,
        "price": "0.00000000",
        "origQty": "0.30000000",
        "executedQty": "0.30000000",
        "cummulativeQuoteQty": "12000.10000000",
        "status": "FILLED",
        "timeInForce": "GTC",
        "type": "MARKET",
        "side": "SELL",
        "fills": [
            {"price": "40000.10000000", "qty": "0.10000000", "commission": "4.00001000",
             "commissionAsset": "USDT", "tradeId": 56},
            {"price": "40000.00000000", "qty": "0.20000000", "commission": "8.00000000",
             "commissionAsset": "USDT", "tradeId": 57},
        ],
    }  # fmt: skip
    reply.update(changes)
    return reply


def my_trade(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "symbol": "BTCUSDT", "id": 28457, "orderId": 100234, "orderListId": -1,
        "price": "4.00000100", "qty": "12.00000000", "quoteQty": "48.000012",
        "commission": "10.10000000", "commissionAsset": "BNB", "time": 1499865549590,
        "isBuyer": True, "isMaker": False, "isBestMatch": True,
    }  # fmt: skip
    row.update(changes)
    return row


def test_market_id_of_a_spot_symbol_drops_the_slash() -> None:
    assert market_id("BTC/USDT") == "BTCUSDT"
    with pytest.raises(ValueError, match="not a spot symbol"):
        market_id("BTC/USDT:USDT")


def test_full_market_reply_parses_to_order_and_exact_fills() -> None:
    reply = market_sell_full()

    assert parse_order(reply, symbol="BTC/USDT") == VenueOrder(
        client_order_id="bot1-O-7", venue_order_id="28", symbol="BTC/USDT",
        side=OrderSide.SELL, order_type=OrderType.MARKET, status=VenueOrderStatus.FILLED,
        quantity=Decimal("0.3"), filled_quantity=Decimal("0.3"), limit_price=None,
        ts_ms=1507725176595,
    )  # fmt: skip
    fills = parse_order_fills(reply, symbol="BTC/USDT")
    assert [(f.trade_id, f.price, f.quantity, f.fee, f.is_maker) for f in fills] == [
        ("56", Decimal("40000.1"), Decimal("0.1"), Decimal("4.00001"), False),
        ("57", Decimal("40000"), Decimal("0.2"), Decimal("8"), False),
    ]


def test_ccxt_unified_dict_is_read_from_its_raw_info() -> None:
    unified = {"id": "28", "amount": 0.30000000000000004, "info": market_sell_full()}

    assert parse_order(unified, symbol="BTC/USDT").quantity == Decimal("0.3")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"executedQty": "NaN"}, "'executedQty' is 'NaN'"),
        ({"origQty": "-0.3"}, "'origQty' is negative"),
        ({"origQty": 0.3}, "not a decimal string"),
        ({"symbol": "ETHUSDT"}, "is for 'ETHUSDT'"),
        ({"status": "WEIRD"}, "'status' is 'WEIRD'"),
        ({"side": None}, "has no 'side'"),
        ({"executedQty": "0.4"}, "exceeds its quantity"),
        ({"orderId": ""}, "not an id"),
        ({"transactTime": "soon"}, "not an integer"),
    ],
)
def test_malformed_order_reply_raises_parse_error(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ResponseParseError, match=message):
        parse_order(market_sell_full(**changes), symbol="BTC/USDT")


def test_parse_error_is_an_unknown_outcome() -> None:
    with pytest.raises(UnknownOutcomeError):
        parse_order("<html>maintenance</html>", symbol="BTC/USDT")
    with pytest.raises(UnknownOutcomeError):
        parse_order(None, symbol="BTC/USDT")


def test_fills_summing_above_executed_quantity_are_refused() -> None:
    with pytest.raises(ResponseParseError, match="exceeds executed"):
        parse_order_fills(market_sell_full(executedQty="0.2"), symbol="BTC/USDT")


def test_fill_with_zero_price_is_refused() -> None:
    reply = market_sell_full()
    reply["fills"][0]["price"] = "0"
    with pytest.raises(ResponseParseError, match="'price' is zero"):
        parse_order_fills(reply, symbol="BTC/USDT")


def test_cancel_reply_names_the_canceled_order_by_orig_client_order_id() -> None:
    reply = market_sell_full(
        status="CANCELED", clientOrderId="cancel-9", origClientOrderId="bot1-O-7", fills=[]
    )

    assert parse_order(reply, symbol="BTC/USDT").client_order_id == "bot1-O-7"


def test_limit_order_keeps_its_exact_limit_price() -> None:
    reply = market_sell_full(type="LIMIT", price="40000.01000000", status="NEW", fills=[])

    assert parse_order(reply, symbol="BTC/USDT").limit_price == Decimal("40000.01")


def test_my_trade_row_parses_exactly() -> None:
    assert parse_trade(my_trade(), symbol="BTC/USDT") == VenueTrade(
        trade_id="28457", venue_order_id="100234", symbol="BTC/USDT", side=OrderSide.BUY,
        price=Decimal("4.000001"), quantity=Decimal("12"), fee=Decimal("10.1"),
        fee_currency="BNB", is_maker=False, ts_ms=1499865549590,
    )  # fmt: skip


def test_trade_list_with_one_bad_row_fails_whole() -> None:
    with pytest.raises(ResponseParseError, match="'qty' is negative"):
        parse_trades([my_trade(), my_trade(id=2, qty="-1")], symbol="BTC/USDT")
    with pytest.raises(ResponseParseError, match="not a JSON array"):
        parse_trades({"code": 0}, symbol="BTC/USDT")


def test_balances_parse_free_and_locked_exactly() -> None:
    reply = {"balances": [{"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"}]}

    assert parse_balances(reply) == [VenueBalance("BTC", Decimal("4723846.89208129"), Decimal("0"))]
    with pytest.raises(ResponseParseError, match="has no 'balances'"):
        parse_balances({})


def test_fill_of_a_trade_is_the_domain_fill_of_our_order() -> None:
    fill = fill_of(parse_trade(my_trade(isMaker=True), symbol="BTC/USDT"), OrderId("O-3"))

    assert (fill.order_id, fill.trade_id, fill.liquidity, fill.notional) == (
        "O-3",
        "28457",
        Liquidity.MAKER,
        Decimal("48.000012"),
    )


def execution_report(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "e": "executionReport", "E": 1499405658658, "s": "BTCUSDT", "c": "bot1-O-1",
        "S": "BUY", "o": "LIMIT", "q": "1.00000000", "p": "0.10264410", "x": "TRADE",
        "X": "PARTIALLY_FILLED", "i": 4293153, "l": "0.40000000", "z": "0.40000000",
        "L": "0.10264410", "n": "0.00040000", "N": "BTC", "T": 1499405658657, "t": 77,
        "m": True, "C": "",
    }  # fmt: skip
    event.update(changes)
    return event


def test_execution_report_trade_parses_to_update_with_trade() -> None:
    update = parse_execution_report({"info": execution_report()}, symbol="BTC/USDT")

    assert (update.client_order_id, update.status, update.cumulative_quantity) == (
        "bot1-O-1",
        VenueOrderStatus.PARTIALLY_FILLED,
        Decimal("0.4"),
    )
    assert update.trade is not None
    assert (update.trade.trade_id, update.trade.quantity, update.trade.is_maker) == (
        "77",
        Decimal("0.4"),
        True,
    )


def test_execution_report_of_a_cancel_names_the_original_client_id() -> None:
    event = execution_report(x="CANCELED", X="CANCELED", c="cancel-1", C="bot1-O-1")

    assert stream_client_order_id(event) == "bot1-O-1"
    assert parse_execution_report(event, symbol="BTC/USDT").trade is None
    assert stream_client_order_id({"e": "outboundAccountPosition"}) is None
