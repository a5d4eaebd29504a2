"""A scripted in-memory venue account, for unit tests of execution and reconciliation.

:class:`ScriptedAccount` is both an :class:`~xor_trading.execution.ports.ExchangePort` (the
engine submits and cancels through it) and an
:class:`~xor_trading.execution.ports.AccountQueryPort` (the reconciler queries it). It holds
the venue's truth (orders by client order id, trades, balances) and lets a test script
what goes wrong: a lost request or response on submit, a failing query, a venue that hides
new orders from queries for a while (Binance answers queries from "Memory => Database"),
a trade report or a balance the venue omits. Every call is recorded in ``calls``.

Quantities and prices are exact ``Decimal``; times are the injected clock's epoch ms. An
execution moves balances like a spot venue: a buy adds the base asset and takes
``quantity * price + fee`` of the quote asset (fees are charged in the quote asset).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from enum import Enum

from xor_trading.core.clock import Clock
from xor_trading.core.errors import RejectedError, RetryableError, UnknownOutcomeError
from xor_trading.core.ids import OrderId, Symbol, TradeId, VenueOrderId
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.execution.ports import ReportSink, VenueCapabilities
from xor_trading.execution.reports import OrderAcceptedReport, OrderFilledReport
from xor_trading.execution.venue_state import (
    VenueBalance,
    VenueOrder,
    VenueOrderStatus,
    VenueTrade,
)


class SubmitOutcome(Enum):
    """What the scripted venue does with the next submissions."""

    ACCEPTED = "accepted"  # placed, acknowledged by a report
    RESPONSE_LOST = "response_lost"  # placed, but the caller sees a timeout
    REQUEST_LOST = "request_lost"  # never reached the venue; the caller sees a timeout
    REJECTED = "rejected"  # refused definitively


class ScriptedAccount:
    def __init__(
        self, clock: Clock, client_order_id: Callable[[OrderId], str] = str, name: str = "scripted"
    ) -> None:
        self._clock = clock
        self._client_order_id = client_order_id
        self._name = name
        self._sink: ReportSink | None = None
        self._next_id = 0
        self.orders: dict[str, VenueOrder] = {}  # by client order id
        self.trades: list[VenueTrade] = []
        self.balances: dict[str, VenueBalance] = {}
        self.calls: list[tuple[str, ...]] = []
        self.submitted: list[Order] = []
        self.cancel_requests: list[OrderId] = []
        # -- the script --
        self.submit_outcome = SubmitOutcome.ACCEPTED
        self.fill_on_submit_price: Decimal | None = None  # execute new orders at once
        self.hide_new_orders_ms = 0  # new orders invisible to queries for this long
        self.failures: dict[str, list[Exception]] = {}  # query name -> errors to raise next
        self.omitted_trade_ids: set[str] = set()
        self.omitted_assets: set[str] = set()
        self._visible_from_ms: dict[str, int] = {}

    # -- scripting the venue's truth ----------------------------------------------------------

    def set_balance(self, asset: str, free: Decimal, locked: Decimal = Decimal(0)) -> None:
        self.balances[asset] = VenueBalance(asset, free, locked)

    def fail_next(self, query: str, error: Exception | None = None) -> None:
        """Make the next call of ``query`` (e.g. ``"fetch_balances"``) raise ``error``."""
        failure = error or RetryableError(f"{query} timed out.", "retry later")
        self.failures.setdefault(query, []).append(failure)

    def place(
        self,
        client_order_id: str,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        order_type: OrderType = OrderType.MARKET,
        limit_price: Decimal | None = None,
    ) -> VenueOrder:
        """An order appears at the venue (sent by the bot, or by hand when the id is foreign)."""
        self._next_id += 1
        now_ms = self._clock.now_ms()
        order = VenueOrder(
            client_order_id=client_order_id,
            venue_order_id=f"V{self._next_id}",
            symbol=symbol,
            side=side,
            order_type=order_type,
            status=VenueOrderStatus.NEW,
            quantity=quantity,
            filled_quantity=Decimal(0),
            limit_price=limit_price,
            ts_ms=now_ms,
        )
        self.orders[client_order_id] = order
        self._visible_from_ms[client_order_id] = now_ms + self.hide_new_orders_ms
        return order

    def execute(
        self,
        client_order_id: str,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal = Decimal(0),
        is_maker: bool = False,
    ) -> VenueTrade:
        """The venue matches ``quantity`` of the order: a trade, the order and balances move."""
        order = self.orders[client_order_id]
        filled = order.filled_quantity + quantity
        if quantity <= 0 or filled > order.quantity:
            raise ValueError(f"cannot execute {quantity} of {order}")
        done = filled == order.quantity
        status = VenueOrderStatus.FILLED if done else VenueOrderStatus.PARTIALLY_FILLED
        if not order.status.is_open:
            status = order.status  # a racing execution after a cancel keeps the end state
        self.orders[client_order_id] = replace(order, status=status, filled_quantity=filled)
        base, quote = order.symbol.split("/")
        trade = VenueTrade(
            trade_id=f"T{len(self.trades) + 1}",
            venue_order_id=order.venue_order_id,
            symbol=order.symbol,
            side=order.side,
            price=price,
            quantity=quantity,
            fee=fee,
            fee_currency=quote,
            is_maker=is_maker,
            ts_ms=self._clock.now_ms(),
        )
        self.trades.append(trade)
        sign = order.side.sign
        self._move(base, sign * quantity)
        self._move(quote, -sign * quantity * price - fee)
        return trade

    def cancel(self, client_order_id: str) -> None:
        order = self.orders[client_order_id]
        self.orders[client_order_id] = replace(order, status=VenueOrderStatus.CANCELED)

    def expire(self, client_order_id: str) -> None:
        order = self.orders[client_order_id]
        self.orders[client_order_id] = replace(order, status=VenueOrderStatus.EXPIRED)

    def reject(self, client_order_id: str) -> None:
        order = self.orders[client_order_id]
        self.orders[client_order_id] = replace(order, status=VenueOrderStatus.REJECTED)

    def manual_trade(
        self, client_order_id: str, symbol: str, side: OrderSide, quantity: Decimal, price: Decimal
    ) -> VenueTrade:
        """Someone trades the account by hand: a market order, filled at once."""
        self.place(client_order_id, symbol, side, quantity)
        self._visible_from_ms[client_order_id] = self._clock.now_ms()
        return self.execute(client_order_id, quantity, price)

    def _move(self, asset: str, delta: Decimal) -> None:
        held = self.balances.get(asset, VenueBalance(asset, Decimal(0), Decimal(0)))
        self.balances[asset] = replace(held, free=held.free + delta)

    def _visible(self, client_order_id: str) -> bool:
        return self._clock.now_ms() >= self._visible_from_ms.get(client_order_id, 0)

    def _raise_scripted_failure(self, query: str) -> None:
        queued = self.failures.get(query)
        if queued:
            raise queued.pop(0)

    # -- AccountQueryPort -----------------------------------------------------------------------

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder | None:
        self.calls.append(("fetch_order", symbol, client_order_id))
        self._raise_scripted_failure("fetch_order")
        order = self.orders.get(client_order_id)
        if order is None or order.symbol != symbol or not self._visible(client_order_id):
            return None
        return order

    async def fetch_order_by_venue_id(self, symbol: str, venue_order_id: str) -> VenueOrder | None:
        self.calls.append(("fetch_order_by_venue_id", symbol, venue_order_id))
        self._raise_scripted_failure("fetch_order_by_venue_id")
        for cid, order in self.orders.items():
            if order.venue_order_id == venue_order_id and order.symbol == symbol:
                return order if self._visible(cid) else None
        return None

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[VenueOrder]:
        self.calls.append(("fetch_open_orders", *symbols))
        self._raise_scripted_failure("fetch_open_orders")
        return [
            o
            for cid, o in self.orders.items()
            if o.status.is_open and o.symbol in symbols and self._visible(cid)
        ]

    async def fetch_trades_since(self, symbol: str, since_ms: int) -> list[VenueTrade]:
        self.calls.append(("fetch_trades_since", symbol, str(since_ms)))
        self._raise_scripted_failure("fetch_trades_since")
        hidden = {o.venue_order_id for cid, o in self.orders.items() if not self._visible(cid)}
        return [
            t
            for t in self.trades
            if t.symbol == symbol
            and t.ts_ms >= since_ms
            and t.trade_id not in self.omitted_trade_ids
            and t.venue_order_id not in hidden
        ]

    async def fetch_balances(self) -> list[VenueBalance]:
        self.calls.append(("fetch_balances",))
        self._raise_scripted_failure("fetch_balances")
        return [b for a, b in sorted(self.balances.items()) if a not in self.omitted_assets]

    # -- ExchangePort ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def capabilities(self) -> VenueCapabilities:
        return VenueCapabilities(oco=False)

    def connect(self, sink: ReportSink) -> None:
        self._sink = sink

    def submit_order(self, order: Order) -> None:
        self.calls.append(("submit_order", order.order_id))
        self.submitted.append(order)
        outcome = self.submit_outcome
        if outcome is SubmitOutcome.REJECTED:
            raise RejectedError(f"Order {order.order_id} was refused.", "check the order")
        if outcome is SubmitOutcome.REQUEST_LOST:
            raise UnknownOutcomeError(f"Submitting {order.order_id} timed out.", "reconcile")
        cid = self._client_order_id(order.order_id)
        venue = self.place(
            cid, order.symbol, order.side, order.quantity, order.order_type, order.limit_price
        )
        trade = None
        if self.fill_on_submit_price is not None:
            trade = self.execute(cid, order.quantity, self.fill_on_submit_price)
        if outcome is SubmitOutcome.RESPONSE_LOST:
            raise UnknownOutcomeError(f"Submitting {order.order_id} timed out.", "reconcile")
        if self._sink is not None:
            now_ms = self._clock.now_ms()
            self._sink(
                OrderAcceptedReport(order.order_id, VenueOrderId(venue.venue_order_id), now_ms)
            )
            if trade is not None:
                self._sink(OrderFilledReport(fill_of(trade, order.order_id)))

    def submit_oco(self, first: Order, second: Order) -> None:
        raise NotImplementedError("the scripted account has no OCO orders")

    def cancel_order(self, order_id: OrderId) -> None:
        self.calls.append(("cancel_order", order_id))
        self.cancel_requests.append(order_id)


def fill_of(trade: VenueTrade, order_id: OrderId) -> Fill:
    """The fill report an adapter would make of a venue trade of order ``order_id``."""
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
