"""The matching engine of the simulated Binance server.

Rules (the simulated venue's, docs/architecture.md "Fill model", in continuous time):

* A MARKET order fills at once at the current replay price moved against the taker by
  ``spread_bps / 2 + slippage`` (rounded to the tick against the taker), taker fee.
* A LIMIT order that is marketable on arrival (the taker price is within its limit)
  fills at once at the taker price, taker fee; otherwise it rests and fills **at its
  limit** (maker fee) when the replay price trades strictly through it. ``IOC``/``FOK``
  limits that are not marketable expire. A marketable ``LIMIT_MAKER`` is rejected.
* STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT trigger when the price touches ``stopPrice``; a
  triggered order that is marketable at the stop fills there (taker), otherwise it rests.
  An order that would trigger immediately is rejected, as Binance does.
* Commission is charged in the asset received (base on a buy, quote on a sell), rounded
  up to 1e-8, as Binance does for an account that does not pay with BNB; rates from
  ``VenueConfig.fees`` (its ``asset`` is the simulated venue's setting and is not read
  here), amounts from :func:`~xor_trading.exchanges.simulated.commission.commission`, the
  simulated venue's rule. ``commission_in_quote`` (``BinanceServerConfig``) charges every
  commission in the quote instead (a buy's is taken from the free quote, which a buy that
  locked all of it can take below zero: a test switch, not a Binance behaviour). No volume
  cap: an order fills whole, unless the partial-fill fault splits it into chunks delivered
  over time.
* Funds are locked at placement: a buy locks ``qty * limit`` (market: ``qty * fill price``)
  of the quote, a sell locks ``qty`` of the base. Not enough free -> -2010.
* Order ids and trade ids are per symbol and increasing; synthetic market trades share
  the trade id sequence.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from xor_trading.core.clock import Clock
from xor_trading.core.precision import Rounding, round_to_increment
from xor_trading.domain.candles import Candle
from xor_trading.exchanges.simulated.binance_server import api_error
from xor_trading.exchanges.simulated.binance_server.accounts import (
    ZERO,
    Account,
    OrderStatus,
    PendingChunk,
    VenueOrder,
    VenueTrade,
)
from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError
from xor_trading.exchanges.simulated.binance_server.faults import Fault, FaultKind
from xor_trading.exchanges.simulated.binance_server.market_replay import MarketReplay
from xor_trading.exchanges.simulated.binance_server.replay_clock import ReplayClock
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.exchanges.simulated.commission import commission as commission_of
from xor_trading.exchanges.simulated.fill_models import VenueConfig

_BPS = Decimal(10_000)
_FEE_QUANTUM = Decimal("0.00000001")
ORDER_TYPES = ("MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
_STOP_TYPES = ("STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A parsed ``POST /api/v3/order``; ``quantity`` None means ``quote_order_qty`` is set."""

    symbol: str
    side: str
    type: str
    quantity: Decimal | None
    quote_order_qty: Decimal | None
    price: Decimal | None
    stop_price: Decimal | None
    time_in_force: str
    client_order_id: str


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """What changed, for the user data stream: ``kind`` is Binance's execution type."""

    kind: str  # NEW | TRADE | CANCELED | REJECTED | EXPIRED
    order: VenueOrder
    trade: VenueTrade | None = None
    reject_reason: str = "NONE"


EventSink = Callable[[Account, OrderEvent], None]


class MatchingEngine:
    """Orders of every account against the replayed markets (see the module docstring)."""

    def __init__(
        self,
        markets: dict[str, MarketReplay],
        replay: ReplayClock,
        wall: Clock,
        config: VenueConfig,
        on_event: EventSink,
        *,
        commission_in_quote: bool = False,
    ) -> None:
        self.markets = markets  # by Binance id, e.g. BTCUSDT
        self._replay = replay
        self._wall = wall
        self._config = config
        self._on_event = on_event
        self._maker_rate = config.fees.rate(is_maker=True)
        self._taker_rate = config.fees.rate(is_maker=False)
        self._fee_asset = FeeAsset.QUOTE if commission_in_quote else FeeAsset.RECEIVED
        self._order_ids = {s: itertools.count(1) for s in markets}
        self._last_trade_id = dict.fromkeys(markets, 0)
        self._sequence = itertools.count(1)
        self._accounts: list[Account] = []
        self._last_market_ms = replay.now_ms()

    def register(self, account: Account) -> None:
        self._accounts.append(account)

    def next_trade_id(self, symbol: str) -> int:
        self._last_trade_id[symbol] += 1
        return self._last_trade_id[symbol]

    def last_trade_id(self, symbol: str) -> int:
        return self._last_trade_id[symbol]

    # -- prices ---------------------------------------------------------------------------

    def market(self, symbol: str) -> MarketReplay:
        market = self.markets.get(symbol)
        if market is None:
            raise api_error.invalid_symbol()
        return market

    def last_price(self, symbol: str) -> Decimal:
        return self.market(symbol).price(self._last_market_ms)

    def taker_price(self, symbol: str, side: str, reference: Decimal) -> Decimal:
        market = self.market(symbol)
        # The slippage models take a candle; the fixed model (the server's) ignores it.
        ref = float(reference)
        candle = Candle(0, ref, ref, ref, ref, 0.0, market.timeframe_ms)
        bps = self._config.taker_adverse_bps(Decimal(1), candle)
        tick = market.instrument.tick_size
        if side == "BUY":
            return round_to_increment(reference * (1 + bps / _BPS), tick, Rounding.UP)
        return round_to_increment(reference * (1 - bps / _BPS), tick, Rounding.DOWN)

    # -- placing and canceling ------------------------------------------------------------

    def place(self, account: Account, req: OrderRequest, fault: Fault | None) -> VenueOrder:
        """Validate, accept and (if it should) fill ``req``; raises :class:`BinanceApiError`."""
        self.step()
        market = self.market(req.symbol)
        inst = market.instrument
        now_wall = self._wall.now_ms()
        reference = self.last_price(req.symbol)
        taker = self.taker_price(req.symbol, req.side, reference)
        qty = req.quantity
        if qty is None:  # quoteOrderQty: spend this much quote at the taker price
            assert req.quote_order_qty is not None
            qty = round_to_increment(req.quote_order_qty / taker, inst.lot_size, Rounding.DOWN)
        self._check_filters(market, req, qty, taker)
        previous = account.find(req.symbol, None, req.client_order_id)
        if previous is not None and previous.is_open:
            raise api_error.duplicate_order()
        is_limit = req.type != "MARKET"
        price = req.price if is_limit and req.price is not None else ZERO
        marketable = req.type == "MARKET" or (
            req.type in ("LIMIT", "LIMIT_MAKER")
            and (taker <= price if req.side == "BUY" else taker >= price)
        )
        if req.type == "LIMIT_MAKER" and marketable:
            raise BinanceApiError(400, -2010, "Order would immediately match and take.")
        if req.type in _STOP_TYPES:
            assert req.stop_price is not None
            if self._stop_touched(req.type, req.side, req.stop_price, reference, reference):
                raise BinanceApiError(400, -2010, "Order would trigger immediately.")
        lock_price = taker if req.type == "MARKET" else price
        if req.side == "BUY":
            lock_asset, lock_amount = inst.quote, qty * lock_price
        else:
            lock_asset, lock_amount = inst.base, qty
        if not account.lock(lock_asset, lock_amount):
            raise api_error.insufficient_balance()
        hidden_ms = fault.hidden_ms if fault and fault.kind is FaultKind.HIDDEN_ORDER else 0
        order = VenueOrder(
            symbol=req.symbol,
            order_id=next(self._order_ids[req.symbol]),
            client_order_id=req.client_order_id,
            side=req.side,
            type=req.type,
            time_in_force=req.time_in_force,
            orig_qty=qty,
            price=price,
            stop_price=req.stop_price or ZERO,
            time_ms=now_wall,
            update_ms=now_wall,
            sequence=next(self._sequence),
            is_working=req.type not in _STOP_TYPES,
            visible_from_ms=now_wall + hidden_ms,
            locked_asset=lock_asset,
            locked_left=lock_amount,
            lock_price=lock_price if req.side == "BUY" else ZERO,
        )
        account.add_order(order)
        account.update_ms = now_wall
        self._on_event(account, OrderEvent("NEW", order))
        if marketable:
            self._fill_in_chunks(account, order, qty, taker, False, fault)
        elif is_limit and req.time_in_force in ("IOC", "FOK"):
            self._finish(account, order, OrderStatus.EXPIRED)
        return order

    def cancel(self, account: Account, order: VenueOrder) -> VenueOrder:
        if not order.is_open:
            raise api_error.unknown_order_cancel()
        order.pending.clear()  # undelivered chunks of the partial-fill fault die with it
        self._finish(account, order, OrderStatus.CANCELED)
        return order

    def _check_filters(
        self, market: MarketReplay, req: OrderRequest, qty: Decimal, taker: Decimal
    ) -> None:
        inst = market.instrument
        for price in (req.price, req.stop_price):
            if price is None:
                continue
            if price <= 0 or price % inst.tick_size != 0:
                raise api_error.filter_failure("PRICE_FILTER")
        if qty <= 0 or qty % inst.lot_size != 0 or qty < inst.min_qty:
            raise api_error.filter_failure("LOT_SIZE")
        if inst.max_qty is not None and qty > inst.max_qty:
            raise api_error.filter_failure("LOT_SIZE")
        value_price = req.price if req.type != "MARKET" and req.price is not None else taker
        if qty * value_price < inst.min_notional:
            raise api_error.filter_failure("NOTIONAL")

    # -- fills ----------------------------------------------------------------------------

    def _fill_in_chunks(
        self,
        account: Account,
        order: VenueOrder,
        qty: Decimal,
        price: Decimal,
        is_maker: bool,
        fault: Fault | None,
    ) -> None:
        chunks = fault.chunks if fault and fault.kind is FaultKind.PARTIAL_FILL else 1
        lot = self.market(order.symbol).instrument.lot_size
        parts = _split(qty, chunks, lot)
        now_wall = self._wall.now_ms()
        assert fault is not None or len(parts) == 1
        interval = fault.chunk_interval_ms if fault else 0
        for j, part in enumerate(parts[1:], start=1):
            order.pending.append(PendingChunk(now_wall + j * interval, part, price, is_maker))
        self._fill(account, order, parts[0], price, is_maker)

    def _fill(
        self, account: Account, order: VenueOrder, qty: Decimal, price: Decimal, is_maker: bool
    ) -> None:
        inst = self.market(order.symbol).instrument
        rate = self._maker_rate if is_maker else self._taker_rate
        quote_qty = qty * price
        # The simulated venue's rule (commission.py), so paper and live pay the same.
        commission, in_base = commission_of(
            order.side == "BUY", qty, quote_qty, rate, self._fee_asset, _FEE_QUANTUM
        )
        commission_asset = inst.base if in_base else inst.quote
        if order.side == "BUY":
            release = qty * order.lock_price
            account.balance(inst.quote).locked -= release
            account.balance(inst.quote).free += release - quote_qty
            if in_base:  # Binance: the commission comes off what the buy receives
                account.balance(inst.base).free += qty - commission
            else:
                account.balance(inst.quote).free -= commission
                account.balance(inst.base).free += qty
        else:
            release = qty
            account.balance(inst.base).locked -= qty
            account.balance(inst.quote).free += quote_qty - commission
        order.locked_left -= release
        now_wall = self._wall.now_ms()
        trade = VenueTrade(
            symbol=order.symbol,
            trade_id=self.next_trade_id(order.symbol),
            order_id=order.order_id,
            price=price,
            qty=qty,
            quote_qty=quote_qty,
            commission=commission,
            commission_asset=commission_asset,
            time_ms=now_wall,
            is_buyer=order.side == "BUY",
            is_maker=is_maker,
        )
        account.trades.append(trade)
        order.executed_qty += qty
        order.cumulative_quote += quote_qty
        done = order.executed_qty == order.orig_qty
        order.status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        order.update_ms = now_wall
        account.update_ms = now_wall
        self._on_event(account, OrderEvent("TRADE", order, trade))

    def _finish(self, account: Account, order: VenueOrder, status: OrderStatus) -> None:
        """End an open order (canceled or expired) and release what it still locks."""
        if order.locked_left:
            account.unlock(order.locked_asset, order.locked_left)
            order.locked_left = ZERO
        order.status = status
        order.update_ms = self._wall.now_ms()
        account.update_ms = order.update_ms
        self._on_event(account, OrderEvent(status.value, order))

    # -- time -----------------------------------------------------------------------------

    def step(self) -> None:
        """Match working orders along the price path since the last step; deliver due chunks."""
        now_market = self._replay.now_ms()
        now_wall = self._wall.now_ms()
        for account in self._accounts:
            for book in account.orders.values():
                for order in book.values():
                    while order.pending and order.pending[0].due_wall_ms <= now_wall:
                        chunk = order.pending.pop(0)
                        if order.is_open:
                            self._fill(account, order, chunk.qty, chunk.price, chunk.is_maker)
        if now_market <= self._last_market_ms:
            return
        start = self._last_market_ms
        self._last_market_ms = now_market
        working = sorted(
            (
                (o.sequence, account, o)
                for account in self._accounts
                for book in account.orders.values()
                for o in book.values()
                if o.is_open and o.type != "MARKET" and not o.pending
            ),
            key=lambda item: item[0],
        )
        if not working:
            return
        paths = {s: m.path_between(start, now_market) for s, m in self.markets.items()}
        for _, account, order in working:
            self._match_along(account, order, paths[order.symbol])

    def _match_along(self, account: Account, order: VenueOrder, path: list[int]) -> None:
        market = self.market(order.symbol)
        tick = market.instrument.tick_size
        for a, b in itertools.pairwise(path):
            if not order.is_open:
                return
            lo, hi = market.to_price(min(a, b)), market.to_price(max(a, b))
            if not order.is_working:
                if not self._stop_touched(order.type, order.side, order.stop_price, lo, hi):
                    continue
                order.is_working = True
                stop = order.stop_price
                marketable = order.price >= stop if order.side == "BUY" else order.price <= stop
                if marketable:
                    self._fill(account, order, order.remaining, stop.quantize(tick), False)
                    return
                continue
            through = lo < order.price if order.side == "BUY" else hi > order.price
            if through:
                self._fill(account, order, order.remaining, order.price, True)
                return

    @staticmethod
    def _stop_touched(order_type: str, side: str, stop: Decimal, lo: Decimal, hi: Decimal) -> bool:
        falling_trigger = (order_type == "STOP_LOSS_LIMIT") == (side == "SELL")
        return lo <= stop if falling_trigger else hi >= stop


def _split(qty: Decimal, chunks: int, lot: Decimal) -> list[Decimal]:
    """``qty`` in up to ``chunks`` lot-multiple parts, the first ones equal, none empty."""
    lots = int(qty / lot)
    chunks = max(1, min(chunks, lots))
    base, extra = divmod(lots, chunks)
    parts = [(base + (1 if j < extra else 0)) * lot for j in range(chunks)]
    return [p.quantize(lot) for p in parts]
