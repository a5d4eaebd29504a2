"""JSON shapes of Binance spot answers and stream events, field for field.

Binance sends prices and quantities as strings with 8 decimals, ids and times as
numbers. The field lists follow the captured responses and documentation examples in
``shared/data/exchange_fixtures/binance`` (the fidelity tests compare them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xor_trading.domain.instruments import Instrument
from xor_trading.exchanges.simulated.binance_server.accounts import (
    Account,
    VenueOrder,
    VenueTrade,
)
from xor_trading.exchanges.simulated.binance_server.market_replay import Kline, MarketReplay
from xor_trading.exchanges.simulated.binance_server.order_book import Level
from xor_trading.exchanges.simulated.fill_models import FeeSchedule

Json = dict[str, Any]


def dec(value: Decimal | float) -> str:
    """A Binance decimal string: 8 places, no exponent."""
    return f"{Decimal(value) if isinstance(value, Decimal) else Decimal(repr(value)):.8f}"


def binance_id(instrument: Instrument) -> str:
    return f"{instrument.base}{instrument.quote}"


def symbol_info(instrument: Instrument, order_types: tuple[str, ...], trading: bool) -> Json:
    return {
        "symbol": binance_id(instrument),
        "status": "TRADING" if trading else "BREAK",
        "baseAsset": instrument.base,
        "baseAssetPrecision": 8,
        "quoteAsset": instrument.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(order_types),
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": dec(instrument.tick_size),
                "maxPrice": dec(Decimal(1_000_000)),
                "tickSize": dec(instrument.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": dec(instrument.min_qty),
                "maxQty": dec(instrument.max_qty or Decimal(9_000_000)),
                "stepSize": dec(instrument.lot_size),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": dec(instrument.min_notional),
                "applyMinToMarket": True,
                "maxNotional": dec(Decimal(9_000_000)),
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
    }


def exchange_info(symbols: list[Json], server_ms: int, weight_limit: int) -> Json:
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": weight_limit,
            },
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000},
            {
                "rateLimitType": "RAW_REQUESTS",
                "interval": "MINUTE",
                "intervalNum": 5,
                "limit": 61000,
            },
        ],
        "exchangeFilters": [],
        "symbols": symbols,
    }


def kline_row(k: Kline, market: MarketReplay) -> list[Any]:
    close = market.to_price(k.close_t)
    return [
        k.open_ms,
        dec(market.to_price(k.open_t)),
        dec(market.to_price(k.high_t)),
        dec(market.to_price(k.low_t)),
        dec(close),
        dec(k.volume),
        k.close_ms,
        dec(k.volume * float(close)),
        k.trades,
        dec(k.volume / 2),
        dec(k.volume / 2 * float(close)),
        "0",
    ]


def depth(update_id: int, bids: list[Level], asks: list[Level], limit: int) -> Json:
    return {
        "lastUpdateId": update_id,
        "bids": [[dec(p), dec(q)] for p, q in bids[:limit]],
        "asks": [[dec(p), dec(q)] for p, q in asks[:limit]],
    }


def book_ticker(symbol: str, bid: Level, ask: Level) -> Json:
    return {
        "symbol": symbol,
        "bidPrice": dec(bid[0]),
        "bidQty": dec(bid[1]),
        "askPrice": dec(ask[0]),
        "askQty": dec(ask[1]),
    }


def ticker_24hr(
    symbol: str, day: Kline, market: MarketReplay, bid: Level, ask: Level, last_trade_id: int
) -> Json:
    open_p = market.to_price(day.open_t)
    last = market.to_price(day.close_t)
    change = last - open_p
    percent = (change / open_p * 100).quantize(Decimal("0.001")) if open_p else Decimal(0)
    count = max(day.trades, 1)
    return {
        "symbol": symbol,
        "priceChange": dec(change),
        "priceChangePercent": f"{percent}",
        "weightedAvgPrice": dec(last),
        "prevClosePrice": dec(open_p),
        "lastPrice": dec(last),
        "lastQty": dec(bid[1]),
        "bidPrice": dec(bid[0]),
        "bidQty": dec(bid[1]),
        "askPrice": dec(ask[0]),
        "askQty": dec(ask[1]),
        "openPrice": dec(open_p),
        "highPrice": dec(market.to_price(day.high_t)),
        "lowPrice": dec(market.to_price(day.low_t)),
        "volume": dec(day.volume),
        "quoteVolume": dec(day.volume * float(last)),
        "openTime": day.open_ms,
        "closeTime": day.close_ms,
        "firstId": max(last_trade_id - count + 1, 0),
        "lastId": last_trade_id,
        "count": count,
    }


def _order_core(o: VenueOrder) -> Json:
    return {
        "symbol": o.symbol,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": o.client_order_id,
        "price": dec(o.price),
        "origQty": dec(o.orig_qty),
        "executedQty": dec(o.executed_qty),
        "cummulativeQuoteQty": dec(o.cumulative_quote),
        "status": o.status.value,
        "timeInForce": o.time_in_force,
        "type": o.type,
        "side": o.side,
    }


def order_query(o: VenueOrder) -> Json:
    """GET /api/v3/order, openOrders, allOrders rows."""
    return {
        **_order_core(o),
        "stopPrice": dec(o.stop_price),
        "icebergQty": dec(Decimal(0)),
        "time": o.time_ms,
        "updateTime": o.update_ms,
        "isWorking": o.is_working,
        "workingTime": o.time_ms if o.is_working else -1,
        "origQuoteOrderQty": dec(Decimal(0)),
        "selfTradePreventionMode": "NONE",
    }


def order_ack(o: VenueOrder) -> Json:
    return {
        "symbol": o.symbol,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": o.client_order_id,
        "transactTime": o.time_ms,
    }


def order_result(o: VenueOrder, trades: list[VenueTrade] | None) -> Json:
    """POST /api/v3/order with newOrderRespType RESULT (``trades`` None) or FULL."""
    body: Json = {
        **_order_core(o),
        "transactTime": o.time_ms,
        "origQuoteOrderQty": dec(Decimal(0)),
        "workingTime": o.time_ms if o.is_working else -1,
        "selfTradePreventionMode": "NONE",
    }
    if o.stop_price:
        body["stopPrice"] = dec(o.stop_price)
    if trades is not None:
        body["fills"] = [
            {
                "price": dec(t.price),
                "qty": dec(t.qty),
                "commission": dec(t.commission),
                "commissionAsset": t.commission_asset,
                "tradeId": t.trade_id,
            }
            for t in trades
        ]
    return body


def order_canceled(o: VenueOrder, cancel_client_id: str, now_ms: int) -> Json:
    core = _order_core(o)
    return {
        "symbol": o.symbol,
        "origClientOrderId": o.client_order_id,
        "orderId": o.order_id,
        "orderListId": -1,
        "clientOrderId": cancel_client_id,
        "transactTime": now_ms,
        **{k: core[k] for k in ("price", "origQty", "executedQty")},
        "origQuoteOrderQty": dec(Decimal(0)),
        **{k: core[k] for k in ("cummulativeQuoteQty", "status", "timeInForce", "type", "side")},
        "selfTradePreventionMode": "NONE",
    }


def my_trade(t: VenueTrade) -> Json:
    return {
        "symbol": t.symbol,
        "id": t.trade_id,
        "orderId": t.order_id,
        "orderListId": -1,
        "price": dec(t.price),
        "qty": dec(t.qty),
        "quoteQty": dec(t.quote_qty),
        "commission": dec(t.commission),
        "commissionAsset": t.commission_asset,
        "time": t.time_ms,
        "isBuyer": t.is_buyer,
        "isMaker": t.is_maker,
        "isBestMatch": True,
    }


def account(a: Account, fees: FeeSchedule, can_trade: bool, uid: int) -> Json:
    maker_rate = fees.rate(is_maker=True)
    taker_rate = fees.rate(is_maker=False)
    return {
        "makerCommission": int(fees.maker_bps),
        "takerCommission": int(fees.taker_bps),
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": dec(maker_rate),
            "taker": dec(taker_rate),
            "buyer": dec(Decimal(0)),
            "seller": dec(Decimal(0)),
        },
        "canTrade": can_trade,
        "canWithdraw": False,
        "canDeposit": False,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": a.update_ms,
        "accountType": "SPOT",
        "balances": [
            {"asset": asset, "free": dec(b.free), "locked": dec(b.locked)}
            for asset, b in sorted(a.balances.items())
        ],
        "permissions": ["SPOT"],
        "uid": uid,
    }


def execution_report(
    o: VenueOrder,
    execution_type: str,
    trade: VenueTrade | None,
    event_ms: int,
    reject_reason: str = "NONE",
) -> Json:
    canceled = execution_type == "CANCELED"
    return {
        "e": "executionReport",
        "E": event_ms,
        "s": o.symbol,
        "c": f"cancel-{o.order_id}" if canceled else o.client_order_id,
        "S": o.side,
        "o": o.type,
        "f": o.time_in_force,
        "q": dec(o.orig_qty),
        "p": dec(o.price),
        "P": dec(o.stop_price),
        "F": dec(Decimal(0)),
        "g": -1,
        "C": o.client_order_id if canceled else "",
        "x": execution_type,
        "X": o.status.value,
        "r": reject_reason,
        "i": o.order_id,
        "l": dec(trade.qty if trade else Decimal(0)),
        "z": dec(o.executed_qty),
        "L": dec(trade.price if trade else Decimal(0)),
        "n": dec(trade.commission) if trade else "0",
        "N": trade.commission_asset if trade else None,
        "T": trade.time_ms if trade else o.update_ms,
        "t": trade.trade_id if trade else -1,
        "I": o.sequence,
        "w": o.is_open and o.is_working,
        "m": trade.is_maker if trade else False,
        "M": False,
        "O": o.time_ms,
        "Z": dec(o.cumulative_quote),
        "Y": dec(trade.quote_qty if trade else Decimal(0)),
        "Q": dec(Decimal(0)),
        "W": o.time_ms,
        "V": "NONE",
    }


def account_position(a: Account, assets: list[str], event_ms: int) -> Json:
    return {
        "e": "outboundAccountPosition",
        "E": event_ms,
        "u": a.update_ms,
        "B": [
            {"a": asset, "f": dec(a.balance(asset).free), "l": dec(a.balance(asset).locked)}
            for asset in assets
        ],
    }


def ws_kline(symbol: str, interval: str, k: Kline, market: MarketReplay, event_ms: int) -> Json:
    row = kline_row(k, market)
    return {
        "e": "kline",
        "E": event_ms,
        "s": symbol,
        "k": {
            "t": k.open_ms,
            "T": k.close_ms,
            "s": symbol,
            "i": interval,
            "f": 0,
            "L": max(k.trades - 1, 0),
            "o": row[1],
            "c": row[4],
            "h": row[2],
            "l": row[3],
            "v": row[5],
            "n": k.trades,
            "x": k.closed,
            "q": row[7],
            "V": row[9],
            "Q": row[10],
            "B": "0",
        },
    }


def ws_trade(
    symbol: str, trade_id: int, price: Decimal, qty: Decimal, t_ms: int, buyer_maker: bool
) -> Json:
    return {
        "e": "trade",
        "E": t_ms,
        "s": symbol,
        "t": trade_id,
        "p": dec(price),
        "q": dec(qty),
        "b": 0,
        "a": 0,
        "T": t_ms,
        "m": buyer_maker,
        "M": True,
    }


def ws_book_ticker(symbol: str, update_id: int, bid: Level, ask: Level, t_ms: int) -> Json:
    return {
        "u": update_id,
        "s": symbol,
        "b": dec(bid[0]),
        "B": dec(bid[1]),
        "a": dec(ask[0]),
        "A": dec(ask[1]),
        "T": t_ms,
        "E": t_ms,
    }


def ws_depth_update(
    symbol: str, first_id: int, last_id: int, bids: list[Level], asks: list[Level], t_ms: int
) -> Json:
    return {
        "e": "depthUpdate",
        "E": t_ms,
        "s": symbol,
        "U": first_id,
        "u": last_id,
        "b": [[dec(p), dec(q)] for p, q in bids],
        "a": [[dec(p), dec(q)] for p, q in asks],
    }
