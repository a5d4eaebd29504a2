"""The event log's JSON codec: exact decimals as strings, every message round-trips, and
anything that does not fit a message's fields is a DataError naming the field."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from xor_trading.core.errors import DataError
from xor_trading.core.ids import OrderId, StrategyId, Symbol, TradeId, VenueOrderId
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import Bracket, CancelOrder, SubmitOrder
from xor_trading.domain.events import (
    CandleClosed,
    OrderDenied,
    OrderFilled,
    OrderStatusChanged,
    PositionChanged,
)
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import Order, OrderSide, OrderStatus, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderFilledReport,
    OrderRejectedReport,
    OrderStatusUnknownReport,
)
from xor_trading.risk.events import BreakerTripped, KillSwitchEngaged
from xor_trading.runtime.event_codec import canonical_json, decode, encode
from xor_trading.runtime.strategy_runner import StrategyStopped

BTC = Symbol("BTC/USDT")
FILL = Fill(
    trade_id=TradeId("T-1"),
    order_id=OrderId("O-1"),
    symbol=BTC,
    side=OrderSide.BUY,
    price=Decimal("106090.90"),
    quantity=Decimal("0.00094"),
    fee=Decimal("0.09972545"),
    fee_currency="USDT",
    liquidity=Liquidity.TAKER,
    ts_ms=1_747_701_600_000,
)
SUBMIT = SubmitOrder(
    order_id=OrderId("O-2"),
    strategy_id=StrategyId("sma_cross-1"),
    symbol=BTC,
    side=OrderSide.BUY,
    order_type=OrderType.LIMIT,
    quantity=Decimal("0.001"),
    ts_ms=60_000,
    limit_price=Decimal("100000.00"),
    bracket=Bracket(stop_loss_pct=Decimal("2"), take_profit_pct=None),
    reference_price=Decimal("100001.5"),
    tag="entry",
)
MESSAGES: list[object] = [
    CandleClosed(BTC, Candle(0, 105573.73, 105597.1, 105554.31, 105554.32, 10.82647, 60_000)),
    SUBMIT,
    CancelOrder(OrderId("O-2"), 120_000),
    OrderDenied(SUBMIT, "min_notional", "the order is worth less than 5 USDT", 60_000),
    OrderStatusChanged(OrderId("O-1"), StrategyId("s-1"), BTC, OrderStatus.PENDING_CANCEL, 5, "x"),
    OrderFilled(FILL, StrategyId("sma_cross-1"), "entry"),
    PositionChanged(
        BTC, StrategyId("s-1"), Decimal("0.00094"), Decimal("106090.90"), Decimal("-0.0997"), 7
    ),
    StrategyStopped(StrategyId("s-1"), "strategy s raised KeyError: 'x'", 9),
    BreakerTripped("daily_loss", "equity fell 3.1 % today", 10, until_ms=86_400_000),
    KillSwitchEngaged("bot", "operator stop", True, 11, target="b-1", by="ana"),
    OrderAcceptedReport(OrderId("O-1"), VenueOrderId("V-1"), 12),
    OrderRejectedReport(OrderId("O-1"), "insufficient balance", 13),
    OrderStatusUnknownReport(OrderId("O-1"), "timeout", 14),
    OrderFilledReport(FILL),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_decode_of_encoded_message_through_json_equals_the_message(message: object) -> None:
    text = json.dumps(encode(message))
    assert decode(json.loads(text)) == message


def test_encode_fill_report_writes_decimals_as_their_exact_strings() -> None:
    assert encode(OrderFilledReport(FILL)) == {
        "event": "OrderFilledReport",
        "data": {
            "fill": {
                "trade_id": "T-1",
                "order_id": "O-1",
                "symbol": "BTC/USDT",
                "side": "buy",
                "price": "106090.90",
                "quantity": "0.00094",
                "fee": "0.09972545",
                "fee_currency": "USDT",
                "liquidity": "taker",
                "ts_ms": 1_747_701_600_000,
            }
        },
    }


def test_decode_keeps_the_decimal_exponent_of_the_string() -> None:
    decoded = decode(json.loads(json.dumps(encode(OrderFilledReport(FILL)))))
    assert isinstance(decoded, OrderFilledReport)
    assert str(decoded.fill.price) == "106090.90"


def test_encode_order_writes_only_what_was_requested_of_the_venue() -> None:
    order = Order(OrderId("O-3"), BTC, OrderSide.SELL, OrderType.STOP_MARKET,
                  Quantity(Decimal("0.5")), 60_000, stop_price=Price(Decimal("99000")),
                  reduce_only=True, tag="stop_loss")  # fmt: skip
    order.filled_qty = Decimal("0.1")
    assert encode(order)["data"] == {
        "order_id": "O-3",
        "symbol": "BTC/USDT",
        "side": "sell",
        "order_type": "stop_market",
        "quantity": "0.5",
        "created_ms": 60_000,
        "strategy_id": "manual",
        "limit_price": None,
        "stop_price": "99000",
        "time_in_force": "gtc",
        "reduce_only": True,
        "tag": "stop_loss",
    }


def test_encode_unknown_class_raises_type_error() -> None:
    with pytest.raises(TypeError, match="dict is not a message"):
        encode({"a": 1})


def test_decode_number_where_an_exact_decimal_belongs_raises_data_error() -> None:
    raw = encode(OrderFilledReport(FILL))
    raw["data"]["fill"]["price"] = 106090.9
    with pytest.raises(DataError, match=r"Fill\.price: expected an exact decimal string"):
        decode(raw)


def test_decode_unknown_event_type_raises_data_error() -> None:
    with pytest.raises(DataError, match="unknown event type 'OrderTeleported'"):
        decode({"event": "OrderTeleported", "data": {}})


def test_decode_missing_field_raises_data_error_naming_it() -> None:
    raw = encode(CancelOrder(OrderId("O-2"), 1))
    del raw["data"]["ts_ms"]
    with pytest.raises(DataError, match="CancelOrder lacks its field 'ts_ms'"):
        decode(raw)


def test_decode_unknown_field_raises_data_error_naming_it() -> None:
    raw = encode(CancelOrder(OrderId("O-2"), 1))
    raw["data"]["price"] = "1"
    with pytest.raises(DataError, match="unknown field 'price' for CancelOrder"):
        decode(raw)


def test_decode_bad_enum_value_raises_data_error() -> None:
    raw = encode(MESSAGES[4])
    raw["data"]["status"] = "teleported"
    with pytest.raises(DataError, match="'teleported' is not a OrderStatus"):
        decode(raw)


def test_decode_boolean_where_an_integer_belongs_raises_data_error() -> None:
    raw = encode(CancelOrder(OrderId("O-2"), 1))
    raw["data"]["ts_ms"] = True
    with pytest.raises(DataError, match="expected an integer, got True"):
        decode(raw)


def test_canonical_json_sorts_keys_without_spaces() -> None:
    assert canonical_json({"b": [1, "x"], "a": None}) == '{"a":null,"b":[1,"x"]}'


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        canonical_json({"a": float("nan")})
