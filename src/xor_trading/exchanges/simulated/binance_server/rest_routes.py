"""The REST endpoints: one function per Binance endpoint, answering plain JSON values.

Each handler takes a :class:`RequestContext` (parameters, the authenticated account, the
fault decided for the request) and returns the JSON body or raises
:class:`BinanceApiError`. Authentication, rate limits and faults happen before, in
:mod:`rest_pipeline`. ``ROUTES`` says which security each endpoint has: ``none``
(public), ``key`` (``X-MBX-APIKEY`` only) or ``signed`` (key, HMAC and timing rule).
There is deliberately no withdrawal endpoint.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xor_trading.core.errors import ConfigError
from xor_trading.core.timeframes import Timeframe
from xor_trading.exchanges.simulated.binance_server import api_error, payloads
from xor_trading.exchanges.simulated.binance_server.accounts import Account, VenueOrder
from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError
from xor_trading.exchanges.simulated.binance_server.config import KeySpec
from xor_trading.exchanges.simulated.binance_server.faults import Fault
from xor_trading.exchanges.simulated.binance_server.market_replay import MarketReplay
from xor_trading.exchanges.simulated.binance_server.matching import ORDER_TYPES, OrderRequest
from xor_trading.exchanges.simulated.binance_server.request_params import Params
from xor_trading.exchanges.simulated.binance_server.simulated_binance import SimulatedBinance

KLINE_INTERVALS = (
    "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
)  # fmt: skip


@dataclass
class RequestContext:
    venue: SimulatedBinance
    params: Params
    api_key: str | None = None
    key_spec: KeySpec | None = None
    fault: Fault | None = None

    @property
    def account(self) -> Account:
        assert self.api_key is not None, "only signed routes read the account"
        return self.venue.account(self.api_key)

    @property
    def now_ms(self) -> int:
        return self.venue.wall.now_ms()


Handler = Callable[[RequestContext], Any]


# -- public market data ---------------------------------------------------------------------


def ping(ctx: RequestContext) -> Any:
    return {}


def server_time(ctx: RequestContext) -> Any:
    return {"serverTime": ctx.now_ms}


def exchange_info(ctx: RequestContext) -> Any:
    venue = ctx.venue
    wanted = _symbols_param(ctx.params)
    symbols = [
        payloads.symbol_info(inst, ORDER_TYPES, trading=sid in venue.markets)
        for sid, inst in sorted(venue.instruments.items())
        if wanted is None or sid in wanted
    ]
    if wanted is not None and len(symbols) != len(wanted):
        raise api_error.invalid_symbol()
    return payloads.exchange_info(symbols, ctx.now_ms, venue.limiter.limit)


def _market(ctx: RequestContext) -> tuple[str, MarketReplay]:
    symbol = ctx.params.required("symbol")
    market = ctx.venue.markets.get(symbol)
    if market is None:
        raise api_error.invalid_symbol()
    return symbol, market


def klines(ctx: RequestContext) -> Any:
    _, market = _market(ctx)
    interval = ctx.params.required("interval")
    if interval not in KLINE_INTERVALS:
        raise api_error.invalid_interval()
    try:
        interval_ms = Timeframe.parse(interval).ms
    except ConfigError:
        raise api_error.invalid_interval() from None
    if interval_ms % market.timeframe_ms:
        raise BinanceApiError(
            400,
            -1120,
            f"Invalid interval: the replay has {market.timeframe_ms // 60_000}m candles.",
        )
    rows = market.klines(
        interval_ms,
        ctx.venue.replay.now_ms(),
        start_ms=ctx.params.integer("startTime"),
        end_ms=ctx.params.integer("endTime"),
        limit=ctx.params.limit(500, 1000),
    )
    return [payloads.kline_row(k, market) for k in rows]


def depth(ctx: RequestContext) -> Any:
    symbol, _ = _market(ctx)
    book = ctx.venue.books[symbol]
    return payloads.depth(book.update_id, book.bids, book.asks, ctx.params.limit(100, 5000))


def _symbols_param(params: Params) -> list[str] | None:
    if (one := params.get("symbol")) is not None:
        return [one]
    many = params.get("symbols")
    if many is None:
        return None
    return [s.strip().strip('"') for s in many.strip("[]").split(",") if s.strip()]


def _each_symbol(ctx: RequestContext, one: Callable[[str], Any]) -> Any:
    wanted = _symbols_param(ctx.params)
    if wanted is None:
        return [one(s) for s in sorted(ctx.venue.markets)]
    for symbol in wanted:
        if symbol not in ctx.venue.markets:
            raise api_error.invalid_symbol()
    rows = [one(s) for s in wanted]
    return rows[0] if ctx.params.get("symbol") else rows


def ticker_price(ctx: RequestContext) -> Any:
    venue = ctx.venue
    now = venue.replay.now_ms()
    return _each_symbol(
        ctx, lambda s: {"symbol": s, "price": payloads.dec(venue.markets[s].price(now))}
    )


def book_ticker(ctx: RequestContext) -> Any:
    books = ctx.venue.books
    return _each_symbol(ctx, lambda s: payloads.book_ticker(s, books[s].bids[0], books[s].asks[0]))


def ticker_24hr(ctx: RequestContext) -> Any:
    venue = ctx.venue
    now = venue.replay.now_ms()

    def one(s: str) -> Any:
        market, book = venue.markets[s], venue.books[s]
        day = market.rolling_day(now)
        last_id = venue.matching.last_trade_id(s)
        return payloads.ticker_24hr(s, day, market, book.bids[0], book.asks[0], last_id)

    return _each_symbol(ctx, one)


def avg_price(ctx: RequestContext) -> Any:
    _, market = _market(ctx)
    return {"mins": 5, "price": payloads.dec(market.price(ctx.venue.replay.now_ms()))}


def futures_exchange_info(ctx: RequestContext) -> Any:
    # CCXT's default load_markets also asks the USD-M and COIN-M hosts; this venue is spot.
    return {"timezone": "UTC", "serverTime": ctx.now_ms, "rateLimits": [], "symbols": []}


# -- user data stream (API key only) --------------------------------------------------------


def listen_key_create(ctx: RequestContext) -> Any:
    assert ctx.api_key is not None
    return {"listenKey": ctx.venue.new_listen_key(ctx.api_key)}


def listen_key_keepalive(ctx: RequestContext) -> Any:
    key = ctx.params.required("listenKey")
    if ctx.venue.listen_keys.get(key) != ctx.api_key:
        raise BinanceApiError(400, -1125, "This listenKey does not exist.")
    return {}


def listen_key_close(ctx: RequestContext) -> Any:
    listen_key_keepalive(ctx)
    del ctx.venue.listen_keys[ctx.params.required("listenKey")]
    return {}


# -- signed: account and orders -------------------------------------------------------------


def account_info(ctx: RequestContext) -> Any:
    spec = ctx.key_spec or KeySpec()
    venue = ctx.venue
    assert ctx.api_key is not None
    return payloads.account(
        ctx.account, venue.config.venue.fees, spec.can_trade, venue.uid(ctx.api_key)
    )


def api_restrictions(ctx: RequestContext) -> Any:
    spec = ctx.key_spec or KeySpec()
    return {
        "ipRestrict": spec.ip_restrict,
        "createTime": 1_700_000_000_000,
        "enableReading": True,
        "enableSpotAndMarginTrading": spec.can_trade,
        "enableWithdrawals": spec.enable_withdrawals,
        "enableInternalTransfer": False,
        "enableMargin": False,
        "enableFutures": False,
        "permitsUniversalTransfer": False,
        "enableVanillaOptions": False,
        "enablePortfolioMarginTrading": False,
    }


def all_coins(ctx: RequestContext) -> Any:
    # CCXT's fetch_currencies (called by load_markets when keys are set). Deposits and
    # withdrawals are reported disabled: the venue never moves funds off the account.
    assets = sorted({a for i in ctx.venue.instruments.values() for a in (i.base, i.quote)})
    account = ctx.account
    return [
        {
            "coin": asset,
            "name": asset,
            "depositAllEnable": False,
            "withdrawAllEnable": False,
            "free": payloads.dec(account.balance(asset).free),
            "locked": payloads.dec(account.balance(asset).locked),
            "trading": True,
            "networkList": [],
        }
        for asset in assets
    ]


def margin_pairs(ctx: RequestContext) -> Any:
    return []


def trade_fee(ctx: RequestContext) -> Any:
    fees = ctx.venue.config.venue.fees
    maker = payloads.dec(fees.rate(is_maker=True))
    taker = payloads.dec(fees.rate(is_maker=False))
    wanted = _symbols_param(ctx.params) or sorted(ctx.venue.instruments)
    return [{"symbol": s, "makerCommission": maker, "takerCommission": taker} for s in wanted]


def _require_trading(ctx: RequestContext) -> None:
    if ctx.key_spec is not None and not ctx.key_spec.can_trade:
        raise api_error.invalid_key()


def new_order(ctx: RequestContext) -> Any:
    _require_trading(ctx)
    p = ctx.params
    symbol = p.required("symbol")
    if symbol not in ctx.venue.markets:
        raise api_error.invalid_symbol()
    side = p.required("side")
    if side not in ("BUY", "SELL"):
        raise BinanceApiError(400, -1117, "Invalid side.")
    order_type = p.required("type")
    if order_type not in ORDER_TYPES:
        raise BinanceApiError(400, -1116, "Invalid orderType.")
    quantity = p.decimal("quantity")
    quote_qty = p.decimal("quoteOrderQty")
    if quantity is None and (quote_qty is None or order_type != "MARKET"):
        raise api_error.mandatory_missing("quantity")
    price = p.decimal("price") if order_type != "MARKET" else None
    if order_type != "MARKET" and price is None:
        raise api_error.mandatory_missing("price")
    stop_price = p.decimal("stopPrice") if order_type.endswith("_LIMIT") else None
    if order_type.endswith("_LIMIT") and order_type != "LIMIT" and stop_price is None:
        raise api_error.mandatory_missing("stopPrice")
    tif = p.get("timeInForce")
    if order_type in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT") and tif is None:
        raise api_error.mandatory_missing("timeInForce")
    if tif is not None and tif not in ("GTC", "IOC", "FOK"):
        raise BinanceApiError(400, -1115, "Invalid timeInForce.")
    client_id = p.client_order_id("newClientOrderId") or _generated_client_id()
    resp_type = p.get("newOrderRespType") or (
        "FULL" if order_type in ("MARKET", "LIMIT") else "ACK"
    )
    if resp_type not in ("ACK", "RESULT", "FULL"):
        raise BinanceApiError(
            400, -1100, "Illegal characters found in parameter 'newOrderRespType'."
        )
    request = OrderRequest(
        symbol=symbol,
        side=side,
        type=order_type,
        quantity=quantity,
        quote_order_qty=quote_qty if quantity is None else None,
        price=price,
        stop_price=stop_price,
        time_in_force=tif or "GTC",
        client_order_id=client_id,
    )
    order = ctx.venue.matching.place(ctx.account, request, ctx.fault)
    if resp_type == "ACK":
        return payloads.order_ack(order)
    if resp_type == "RESULT":
        return payloads.order_result(order, None)
    trades = [t for t in ctx.account.trades if t.symbol == symbol and t.order_id == order.order_id]
    return payloads.order_result(order, trades)


def _generated_client_id() -> str:
    return secrets.token_urlsafe(16)[:22].replace("-", "x").replace("_", "y")


def _visible(ctx: RequestContext, order: VenueOrder | None) -> VenueOrder | None:
    """The eventual-consistency fault: a hidden new order is not found by queries yet."""
    if order is None or ctx.now_ms < order.visible_from_ms:
        return None
    return order


def _find_order(ctx: RequestContext) -> VenueOrder | None:
    p = ctx.params
    symbol = p.required("symbol")
    ctx.venue.market_instrument(symbol)
    order_id = p.integer("orderId")
    client_id = p.get("origClientOrderId")
    if order_id is None and client_id is None:
        raise BinanceApiError(
            400,
            -1102,
            "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
        )
    return _visible(ctx, ctx.account.find(symbol, order_id, client_id))


def query_order(ctx: RequestContext) -> Any:
    order = _find_order(ctx)
    if order is None:
        raise api_error.order_not_found()
    return payloads.order_query(order)


def cancel_order(ctx: RequestContext) -> Any:
    order = _find_order(ctx)
    if order is None or not order.is_open:
        raise api_error.unknown_order_cancel()
    ctx.venue.matching.cancel(ctx.account, order)
    cancel_id = ctx.params.client_order_id("newClientOrderId") or _generated_client_id()
    return payloads.order_canceled(order, cancel_id, ctx.now_ms)


def open_orders(ctx: RequestContext) -> Any:
    symbol = ctx.params.get("symbol")
    if symbol is not None:
        ctx.venue.market_instrument(symbol)
    orders = ctx.account.open_orders(symbol)
    return [payloads.order_query(o) for o in orders if _visible(ctx, o)]


def cancel_open_orders(ctx: RequestContext) -> Any:
    symbol = ctx.params.required("symbol")
    ctx.venue.market_instrument(symbol)
    orders = [o for o in ctx.account.open_orders(symbol) if _visible(ctx, o)]
    if not orders:
        raise api_error.unknown_order_cancel()
    answers = []
    for order in orders:
        ctx.venue.matching.cancel(ctx.account, order)
        answers.append(payloads.order_canceled(order, _generated_client_id(), ctx.now_ms))
    return answers


def all_orders(ctx: RequestContext) -> Any:
    p = ctx.params
    symbol = p.required("symbol")
    ctx.venue.market_instrument(symbol)
    from_id, start, end = p.integer("orderId"), p.integer("startTime"), p.integer("endTime")
    orders = sorted(ctx.account.orders.get(symbol, {}).values(), key=lambda o: o.order_id)
    rows = [
        o
        for o in orders
        if _visible(ctx, o)
        and (from_id is None or o.order_id >= from_id)
        and (start is None or o.time_ms >= start)
        and (end is None or o.time_ms <= end)
    ]
    limit = p.limit(500, 1000)
    rows = rows[:limit] if from_id is not None or start is not None else rows[-limit:]
    return [payloads.order_query(o) for o in rows]


def my_trades(ctx: RequestContext) -> Any:
    p = ctx.params
    symbol = p.required("symbol")
    ctx.venue.market_instrument(symbol)
    order_id, from_id = p.integer("orderId"), p.integer("fromId")
    start, end = p.integer("startTime"), p.integer("endTime")
    trades = [
        t
        for t in ctx.account.trades
        if t.symbol == symbol
        and (order_id is None or t.order_id == order_id)
        and (from_id is None or t.trade_id >= from_id)
        and (start is None or t.time_ms >= start)
        and (end is None or t.time_ms <= end)
    ]
    trades.sort(key=lambda t: t.trade_id)
    limit = p.limit(500, 1000)
    trades = trades[:limit] if from_id is not None or start is not None else trades[-limit:]
    return [payloads.my_trade(t) for t in trades]


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    security: str  # none | key | signed


ROUTES: dict[str, Route] = {
    "GET /api/v3/ping": Route(ping, "none"),
    "GET /api/v3/time": Route(server_time, "none"),
    "GET /api/v3/exchangeInfo": Route(exchange_info, "none"),
    "GET /api/v3/klines": Route(klines, "none"),
    "GET /api/v3/uiKlines": Route(klines, "none"),
    "GET /api/v3/depth": Route(depth, "none"),
    "GET /api/v3/ticker/24hr": Route(ticker_24hr, "none"),
    "GET /api/v3/ticker/price": Route(ticker_price, "none"),
    "GET /api/v3/ticker/bookTicker": Route(book_ticker, "none"),
    "GET /api/v3/avgPrice": Route(avg_price, "none"),
    "GET /fapi/v1/exchangeInfo": Route(futures_exchange_info, "none"),
    "GET /dapi/v1/exchangeInfo": Route(futures_exchange_info, "none"),
    "POST /api/v3/userDataStream": Route(listen_key_create, "key"),
    "PUT /api/v3/userDataStream": Route(listen_key_keepalive, "key"),
    "DELETE /api/v3/userDataStream": Route(listen_key_close, "key"),
    "GET /api/v3/account": Route(account_info, "signed"),
    "POST /api/v3/order": Route(new_order, "signed"),
    "GET /api/v3/order": Route(query_order, "signed"),
    "DELETE /api/v3/order": Route(cancel_order, "signed"),
    "GET /api/v3/openOrders": Route(open_orders, "signed"),
    "DELETE /api/v3/openOrders": Route(cancel_open_orders, "signed"),
    "GET /api/v3/allOrders": Route(all_orders, "signed"),
    "GET /api/v3/myTrades": Route(my_trades, "signed"),
    "GET /sapi/v1/account/apiRestrictions": Route(api_restrictions, "signed"),
    "GET /sapi/v1/capital/config/getall": Route(all_coins, "signed"),
    "GET /sapi/v1/margin/allPairs": Route(margin_pairs, "signed"),
    "GET /sapi/v1/margin/isolated/allPairs": Route(margin_pairs, "signed"),
    "GET /sapi/v1/asset/tradeFee": Route(trade_fee, "signed"),
}
