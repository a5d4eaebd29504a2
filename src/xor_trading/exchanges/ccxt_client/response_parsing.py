"""Binance spot replies (as CCXT returns them) turned into validated venue facts.

Input is the venue's raw JSON as a ``dict``: what CCXT's implicit API methods return
(``private_post_order``...), or a CCXT unified dict, whose ``info`` holds that raw JSON.
Numbers are read from the venue's decimal **strings** into exact ``Decimal`` (a float
would already have lost digits, so floats are refused). Quantities and prices in the base
and quote asset as the venue states them; times are epoch milliseconds.

Every reply is validated before anything is built from it: a missing field, a ``"NaN"``,
a negative quantity, a filled quantity above the order's, an unknown status or a reply for
another symbol raises :class:`ResponseParseError`. The caller treats that as an unknown
outcome (R10): nothing is mutated from a reply that failed to parse, because nothing is
returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from xor_trading.core.errors import UnknownOutcomeError
from xor_trading.core.ids import OrderId, Symbol, TradeId
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.execution.venue_state import (
    VenueBalance,
    VenueOrder,
    VenueOrderStatus,
    VenueTrade,
)

__all__ = [
    "ExecutionUpdate",
    "ResponseParseError",
    "fill_of",
    "market_id",
    "parse_balances",
    "parse_execution_report",
    "parse_order",
    "parse_order_fills",
    "parse_orders",
    "parse_trade",
    "parse_trades",
    "stream_client_order_id",
]


class ResponseParseError(UnknownOutcomeError):
    """The venue's reply is not what the API promises; what the venue did is unknown."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"unreadable venue reply: {what}",
            "nothing was changed from this reply; the order is reconciled by a query",
        )


_STATUS = {
    "NEW": VenueOrderStatus.NEW,
    "PENDING_NEW": VenueOrderStatus.NEW,
    "PARTIALLY_FILLED": VenueOrderStatus.PARTIALLY_FILLED,
    "FILLED": VenueOrderStatus.FILLED,
    "CANCELED": VenueOrderStatus.CANCELED,
    "PENDING_CANCEL": VenueOrderStatus.CANCELED,  # documented as unused
    "REJECTED": VenueOrderStatus.REJECTED,
    "EXPIRED": VenueOrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": VenueOrderStatus.EXPIRED,  # self-trade prevention
}
# Binance's conditional types have no exact twin here; a take-profit is a stop order that
# triggers the other way, which is what reconciliation needs to know (it is conditional).
_TYPE = {
    "MARKET": OrderType.MARKET,
    "LIMIT": OrderType.LIMIT,
    "LIMIT_MAKER": OrderType.LIMIT,
    "STOP_LOSS": OrderType.STOP_MARKET,
    "TAKE_PROFIT": OrderType.STOP_MARKET,
    "STOP_LOSS_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT_LIMIT": OrderType.STOP_LIMIT,
}
_SIDE = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}


def market_id(symbol: str) -> str:
    """Binance's spot market id of a CCXT unified symbol: ``BTC/USDT`` -> ``BTCUSDT``."""
    base, sep, quote = symbol.partition("/")
    if not sep or not base or not quote or "/" in quote or ":" in quote:
        raise ValueError(f"{symbol!r} is not a spot symbol like 'BTC/USDT'")
    return base + quote


def _raw(reply: object, what: str) -> Mapping[str, Any]:
    if not isinstance(reply, Mapping):
        raise ResponseParseError(f"{what} is {type(reply).__name__}, not a JSON object")
    info = reply.get("info")
    return info if isinstance(info, Mapping) else reply  # a CCXT unified dict: its raw JSON


def _field(raw: Mapping[str, Any], name: str, what: str) -> Any:
    value = raw.get(name)
    if value is None:
        raise ResponseParseError(f"{what} has no {name!r}")
    return value


def _decimal(raw: Mapping[str, Any], name: str, what: str) -> Decimal:
    value = _field(raw, name, what)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ResponseParseError(f"{what} {name!r} is {value!r}, not a decimal string")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ResponseParseError(f"{what} {name!r} is {value!r}, not a number") from None
    if not number.is_finite():
        raise ResponseParseError(f"{what} {name!r} is {value!r}")
    if number < 0:
        raise ResponseParseError(f"{what} {name!r} is negative ({value})")
    return number


def _price(raw: Mapping[str, Any], name: str, what: str) -> Decimal:
    price = _decimal(raw, name, what)
    if price == 0:
        raise ResponseParseError(f"{what} {name!r} is zero")
    return price


def _int(raw: Mapping[str, Any], name: str, what: str) -> int:
    value = _field(raw, name, what)
    if isinstance(value, bool):
        raise ResponseParseError(f"{what} {name!r} is {value!r}, not an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ResponseParseError(f"{what} {name!r} is {value!r}, not an integer") from None


def _id(raw: Mapping[str, Any], name: str, what: str) -> str:
    value = _field(raw, name, what)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise ResponseParseError(f"{what} {name!r} is {value!r}, not an id")
    return str(value)


def _lookup(table: Mapping[str, Any], raw: Mapping[str, Any], name: str, what: str) -> Any:
    value = _field(raw, name, what)
    if not isinstance(value, str) or value not in table:
        raise ResponseParseError(f"{what} {name!r} is {value!r}")
    return table[value]


def _check_symbol(raw: Mapping[str, Any], symbol: str, what: str) -> None:
    got = _field(raw, "symbol", what)
    if got != market_id(symbol):
        raise ResponseParseError(f"{what} is for {got!r}, expected {market_id(symbol)!r}")


def parse_order(reply: object, *, symbol: str) -> VenueOrder:
    """An order (new order, query order, cancel, open orders row) on ``symbol``."""
    raw = _raw(reply, "order")
    _check_symbol(raw, symbol, "order")
    quantity = _decimal(raw, "origQty", "order")
    filled = _decimal(raw, "executedQty", "order")
    if quantity == 0:
        raise ResponseParseError("order 'origQty' is zero")
    if filled > quantity:
        raise ResponseParseError(f"order filled {filled} exceeds its quantity {quantity}")
    order_type = _lookup(_TYPE, raw, "type", "order")
    limit_price = None
    if order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        limit_price = _decimal(raw, "price", "order")
    # A cancel reply names the canceled order by origClientOrderId (clientOrderId is the
    # cancel request's own id).
    client_id_field = "origClientOrderId" if raw.get("origClientOrderId") else "clientOrderId"
    ts_field = next((f for f in ("updateTime", "transactTime", "time") if f in raw), "time")
    return VenueOrder(
        client_order_id=_id(raw, client_id_field, "order"),
        venue_order_id=_id(raw, "orderId", "order"),
        symbol=symbol,
        side=_lookup(_SIDE, raw, "side", "order"),
        order_type=order_type,
        status=_lookup(_STATUS, raw, "status", "order"),
        quantity=quantity,
        filled_quantity=filled,
        limit_price=limit_price,
        ts_ms=_int(raw, ts_field, "order"),
    )


def parse_order_fills(reply: object, *, symbol: str) -> list[VenueTrade]:
    """The executions in a new-order reply of type FULL (market orders and marketable
    limits): each is a taker trade at the reply's ``transactTime``."""
    raw = _raw(reply, "order")
    order = parse_order(raw, symbol=symbol)
    fills = raw.get("fills", [])
    if not isinstance(fills, list):
        raise ResponseParseError(f"order 'fills' is {type(fills).__name__}, not a list")
    ts_ms = _int(raw, "transactTime", "order") if fills else order.ts_ms
    trades = []
    for item in fills:
        if not isinstance(item, Mapping):
            raise ResponseParseError("order fill is not a JSON object")
        quantity = _decimal(item, "qty", "fill")
        if quantity == 0:
            raise ResponseParseError("fill 'qty' is zero")
        trades.append(
            VenueTrade(
                trade_id=_id(item, "tradeId", "fill"),
                venue_order_id=order.venue_order_id,
                symbol=symbol,
                side=order.side,
                price=_price(item, "price", "fill"),
                quantity=quantity,
                fee=_decimal(item, "commission", "fill"),
                fee_currency=str(_field(item, "commissionAsset", "fill")),
                is_maker=False,
                ts_ms=ts_ms,
            )
        )
    total = sum((t.quantity for t in trades), Decimal(0))
    if trades and total > order.filled_quantity:
        raise ResponseParseError(f"fills total {total} exceeds executed {order.filled_quantity}")
    return trades


def parse_trade(reply: object, *, symbol: str) -> VenueTrade:
    """One row of "account trade list" (``GET /api/v3/myTrades``)."""
    raw = _raw(reply, "trade")
    _check_symbol(raw, symbol, "trade")
    quantity = _decimal(raw, "qty", "trade")
    if quantity == 0:
        raise ResponseParseError("trade 'qty' is zero")
    is_buyer = _field(raw, "isBuyer", "trade")
    is_maker = _field(raw, "isMaker", "trade")
    if not isinstance(is_buyer, bool) or not isinstance(is_maker, bool):
        raise ResponseParseError("trade 'isBuyer'/'isMaker' is not a boolean")
    return VenueTrade(
        trade_id=_id(raw, "id", "trade"),
        venue_order_id=_id(raw, "orderId", "trade"),
        symbol=symbol,
        side=OrderSide.BUY if is_buyer else OrderSide.SELL,
        price=_price(raw, "price", "trade"),
        quantity=quantity,
        fee=_decimal(raw, "commission", "trade"),
        fee_currency=str(_field(raw, "commissionAsset", "trade")),
        is_maker=is_maker,
        ts_ms=_int(raw, "time", "trade"),
    )


def parse_trades(reply: object, *, symbol: str) -> list[VenueTrade]:
    """A whole trade list; one bad row fails the whole reply (no partial answers)."""
    if not isinstance(reply, list):
        raise ResponseParseError(f"trade list is {type(reply).__name__}, not a JSON array")
    return [parse_trade(row, symbol=symbol) for row in reply]


def parse_orders(reply: object, *, symbol: str) -> list[VenueOrder]:
    """A whole order list (open orders of one symbol)."""
    if not isinstance(reply, list):
        raise ResponseParseError(f"order list is {type(reply).__name__}, not a JSON array")
    return [parse_order(row, symbol=symbol) for row in reply]


def parse_balances(reply: object) -> list[VenueBalance]:
    """The balances of ``GET /api/v3/account``, every asset the venue lists."""
    raw = _raw(reply, "account")
    rows = _field(raw, "balances", "account")
    if not isinstance(rows, list):
        raise ResponseParseError("account 'balances' is not a list")
    balances = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise ResponseParseError("account balance is not a JSON object")
        asset = _field(row, "asset", "balance")
        if not isinstance(asset, str) or not asset:
            raise ResponseParseError(f"balance 'asset' is {asset!r}")
        balances.append(
            VenueBalance(
                asset=asset,
                free=_decimal(row, "free", "balance"),
                locked=_decimal(row, "locked", "balance"),
            )
        )
    return balances


def fill_of(trade: VenueTrade, order_id: OrderId) -> Fill:
    """The domain fill of a venue trade of our order ``order_id``."""
    return Fill(
        trade_id=TradeId(trade.trade_id),
        order_id=order_id,
        symbol=Symbol(trade.symbol),
        side=trade.side,
        price=trade.price,
        quantity=trade.quantity,
        fee=trade.fee,
        fee_currency=trade.fee_currency,
        liquidity=Liquidity.MAKER if trade.is_maker else Liquidity.TAKER,
        ts_ms=trade.ts_ms,
    )


@dataclass(frozen=True, slots=True)
class ExecutionUpdate:
    """One ``executionReport`` of the private stream: an order's new state and, when the
    event is an execution, the trade."""

    client_order_id: str
    venue_order_id: str
    status: VenueOrderStatus
    cumulative_quantity: Decimal
    trade: VenueTrade | None
    ts_ms: int


def stream_client_order_id(reply: object) -> str | None:
    """The client order id an ``executionReport`` is about (``C`` for a cancel: ``c`` is
    then the cancel request's own id), or ``None`` if it is not an execution report."""
    if not isinstance(reply, Mapping):
        return None
    raw = _raw(reply, "execution report")
    if raw.get("e") != "executionReport":
        return None
    original = raw.get("C")
    if raw.get("x") == "CANCELED" and isinstance(original, str) and original:
        return original
    cid = raw.get("c")
    return cid if isinstance(cid, str) and cid else None


def parse_execution_report(reply: object, *, symbol: str) -> ExecutionUpdate:
    """An ``executionReport`` of the user data stream (as CCXT's ``info``) on ``symbol``."""
    raw = _raw(reply, "execution report")
    what = "execution report"
    _check_symbol({"symbol": raw.get("s")}, symbol, what)
    client_order_id = stream_client_order_id(raw)
    if client_order_id is None:
        raise ResponseParseError("execution report has no client order id")
    venue_order_id = _id(raw, "i", what)
    side = _lookup(_SIDE, raw, "S", what)
    ts_ms = _int(raw, "T", what) if raw.get("T") is not None else _int(raw, "E", what)
    trade = None
    if raw.get("x") == "TRADE":
        quantity = _decimal(raw, "l", what)
        if quantity == 0:
            raise ResponseParseError("execution report trade quantity 'l' is zero")
        fee = _decimal(raw, "n", what)
        fee_currency = raw.get("N")
        if fee_currency is None and fee == 0:
            fee_currency = ""
        if not isinstance(fee_currency, str):
            raise ResponseParseError(f"execution report 'N' is {fee_currency!r}")
        is_maker = _field(raw, "m", what)
        if not isinstance(is_maker, bool):
            raise ResponseParseError("execution report 'm' is not a boolean")
        trade = VenueTrade(
            trade_id=_id(raw, "t", what),
            venue_order_id=venue_order_id,
            symbol=symbol,
            side=side,
            price=_price(raw, "L", what),
            quantity=quantity,
            fee=fee,
            fee_currency=fee_currency,
            is_maker=is_maker,
            ts_ms=ts_ms,
        )
    return ExecutionUpdate(
        client_order_id=client_order_id,
        venue_order_id=venue_order_id,
        status=_lookup(_STATUS, raw, "X", what),
        cumulative_quantity=_decimal(raw, "z", what),
        trade=trade,
        ts_ms=ts_ms,
    )
