"""Public trade and order-book rows from CCXT: valid ones exact, invalid ones dropped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xor_trading.domain.orders import OrderSide
from xor_trading.exchanges.ccxt_client.market_streams import parse_order_book, parse_trade

GOOD = {"id": 7, "price": 64123.45, "amount": 0.0012, "side": "sell", "timestamp": 1_700_000}


def test_parse_trade_valid_row_exact_decimals() -> None:
    trade = parse_trade("BTC/USDT", GOOD)
    assert trade is not None
    assert (trade.trade_id, trade.price, trade.amount) == (
        "7",
        Decimal("64123.45"),
        Decimal("0.0012"),
    )
    assert trade.side is OrderSide.SELL


@pytest.mark.parametrize(
    "change",
    [
        {"price": float("nan")},
        {"price": 0},
        {"amount": -1.0},
        {"side": "up"},
        {"timestamp": None},
        {"id": None},
        {"price": True},
    ],
)
def test_parse_trade_invalid_row_is_dropped(change: dict[str, Any]) -> None:
    assert parse_trade("BTC/USDT", {**GOOD, **change}) is None


def test_parse_order_book_cuts_to_depth_and_refuses_a_crossed_book() -> None:
    book = {
        "bids": [[100.0, 1.0], [99.5, 2.0], [99.0, 3.0]],
        "asks": [[100.5, 1.0]],
        "timestamp": 5,
    }
    snapshot = parse_order_book("BTC/USDT", book, 2, now_ms=9)
    assert snapshot is not None
    assert [lvl.price for lvl in snapshot.bids] == [Decimal("100.0"), Decimal("99.5")]
    assert snapshot.spread == Decimal("0.5")
    assert snapshot.ts_ms == 5
    crossed = {"bids": [[101.0, 1.0]], "asks": [[100.5, 1.0]]}
    assert parse_order_book("BTC/USDT", crossed, 5, now_ms=9) is None
    assert parse_order_book("BTC/USDT", {"bids": [[0, 1]], "asks": []}, 5, now_ms=9) is None
