"""The execution engine: the life of an order from an approved command to its last fill.

It records every order (the intent) in its cache and publishes it as INITIALIZED *before*
the venue is called, so a crash between the two never loses an order. A submission whose
outcome cannot be known (timeout) leaves the order UNKNOWN until reconciliation.
Venue reports become state transitions and events on the bus.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from xor_trading.bus.endpoints import EXECUTION
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.core.errors import RejectedError, SubmissionRefusedError, UnknownOutcomeError
from xor_trading.core.ids import IdGenerator, OrderId, Symbol, TradeId
from xor_trading.domain.commands import (
    Bracket,
    CancelAllOrders,
    CancelOrder,
    SubmitOrder,
    SubmitOrderList,
)
from xor_trading.domain.events import OrderFilled, OrderStatusChanged
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import Order, OrderSide, OrderStatus, OrderType
from xor_trading.domain.values import Price, Quantity
from xor_trading.execution.brackets import bracket_prices
from xor_trading.execution.order_cache import OrderCache
from xor_trading.execution.ports import ExchangePort, IntentJournal
from xor_trading.execution.reports import (
    ExecutionReport,
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderFilledReport,
    OrderRejectedReport,
    OrderStatusUnknownReport,
    OrderTriggeredReport,
)

STOP_LOSS_TAG = "stop_loss"
TAKE_PROFIT_TAG = "take_profit"
_EXIT_TAGS = frozenset({STOP_LOSS_TAG, TAKE_PROFIT_TAG})

# Enum members bound once: attribute access on an Enum class costs ~0.2 us (hot path).
_SUBMITTED = OrderStatus.SUBMITTED
_ACCEPTED = OrderStatus.ACCEPTED
_UNKNOWN = OrderStatus.UNKNOWN
_REJECTED = OrderStatus.REJECTED
_PENDING_CANCEL = OrderStatus.PENDING_CANCEL
_TRIGGERED = OrderStatus.TRIGGERED
_CANCELED = OrderStatus.CANCELED
_EXPIRED = OrderStatus.EXPIRED
_FILLED = OrderStatus.FILLED
_DENIED = OrderStatus.DENIED


class ExecutionEngine:
    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        venue: ExchangePort,
        instruments: dict[Symbol, Instrument],
        order_ids: IdGenerator | None = None,
        intent_journal: IntentJournal | None = None,
    ) -> None:
        self._bus = bus
        self._journal = intent_journal
        self._clock = clock
        self._venue = venue
        self._instruments = instruments
        self._ids = order_ids or IdGenerator("X")
        self.cache = OrderCache()
        # The bus's live list: while empty (a backtest), status events are not even built.
        self._status_handlers = bus.handlers(OrderStatusChanged)
        self._brackets: dict[OrderId, Bracket] = {}  # entry order -> bracket to place
        self._protective: dict[Symbol, list[OrderId]] = {}  # live exit orders per symbol
        # Stops and targets sent by others (the risk engine's exit manager), per symbol, so
        # a strategy's own exit can cancel them without scanning every order ever sent.
        self._tagged_exits: dict[Symbol, list[Order]] = {}
        # Venue trade ids already applied, per symbol (ids are unique per symbol on
        # Binance): the same execution reported twice (WebSocket and REST) counts once.
        # (A set of ids per symbol, not of (symbol, id) tuples: no tuple per fill, which a
        # million-candle backtest with tens of thousands of fills would keep in memory.)
        self._applied_trades: dict[Symbol, set[TradeId]] = {}
        self._handle: dict[type, Callable[[ExecutionReport], None]] = {
            OrderAcceptedReport: self._on_accepted,  # type: ignore[dict-item]
            OrderRejectedReport: self._on_rejected,  # type: ignore[dict-item]
            OrderTriggeredReport: self._on_triggered,  # type: ignore[dict-item]
            OrderCanceledReport: self._on_canceled,  # type: ignore[dict-item]
            OrderExpiredReport: self._on_expired,  # type: ignore[dict-item]
            OrderFilledReport: self._on_filled,  # type: ignore[dict-item]
            OrderStatusUnknownReport: self._on_status_unknown,  # type: ignore[dict-item]
        }
        bus.register(EXECUTION, self.execute)
        venue.connect(self.on_report)

    # -- commands -------------------------------------------------------------------------

    def execute(self, command: object) -> None:
        if isinstance(command, SubmitOrder):
            self._submit(command)
        elif isinstance(command, CancelOrder):
            self._cancel(command.order_id)
        elif isinstance(command, SubmitOrderList):
            first, second = self._order_of(command.first), self._order_of(command.second)
            self._send(first, lambda: self._venue.submit_oco(first, second), second)
        elif isinstance(command, CancelAllOrders):
            for order in self.cache.open_orders(command.symbol):
                self._cancel(order.order_id)
            if command.symbol is None:
                self._protective.clear()
            else:
                self._protective.pop(command.symbol, None)
        else:
            raise TypeError(f"execution engine cannot handle {type(command).__name__}")

    @staticmethod
    def _order_of(cmd: SubmitOrder) -> Order:
        # Positional, in Order's field order: keywords cost a dict per call (hot path).
        limit, stop = cmd.limit_price, cmd.stop_price
        return Order(
            cmd.order_id, cmd.symbol, cmd.side, cmd.order_type, Quantity(cmd.quantity),
            cmd.ts_ms, cmd.strategy_id, None if limit is None else Price(limit),
            None if stop is None else Price(stop), cmd.time_in_force, cmd.reduce_only, cmd.tag,
        )  # fmt: skip

    def _submit(self, cmd: SubmitOrder) -> None:
        if cmd.reduce_only:
            # Exiting on purpose: the position's protective orders must not fire as well,
            # whether the bracket placed them or the risk engine's exit manager did.
            self.cancel_protective(cmd.symbol)
            kept = []
            for order in self._tagged_exits.pop(cmd.symbol, []):
                if order.strategy_id == cmd.strategy_id:
                    self._cancel(order.order_id)
                elif order.status.is_open:
                    kept.append(order)
            if kept:
                self._tagged_exits[cmd.symbol] = kept
        order = self._order_of(cmd)
        if cmd.bracket is not None:
            self._brackets[order.order_id] = cmd.bracket
        self._send(order, lambda: self._venue.submit_order(order))

    def _send(self, order: Order, call: Callable[[], None], *more: Order) -> None:
        for o in (order, *more):
            self.cache.add(o)
            if o.tag in _EXIT_TAGS and o.reduce_only is False:
                exits = self._tagged_exits.setdefault(o.symbol, [])
                exits[:] = [e for e in exits if e.status.is_open]  # forget finished ones
                exits.append(o)
            self._publish_status(o)  # the intent is on record before the venue hears of it
        if self._journal is not None:
            try:
                for o in (order, *more):
                    self._journal.record_intent(o)
            except SubmissionRefusedError as exc:
                for o in (order, *more):
                    o.transition(_DENIED, exc.message)
                    self._publish_status(o)
                self._brackets.pop(order.order_id, None)
                return
        for o in (order, *more):
            o.transition(_SUBMITTED)
            self._publish_status(o)
        try:
            call()
        except UnknownOutcomeError as exc:
            for o in (order, *more):
                if o.status is _SUBMITTED:
                    o.transition(_UNKNOWN, exc.message)
                    self._publish_status(o)
        except RejectedError as exc:
            for o in (order, *more):
                if o.status is _SUBMITTED:
                    o.transition(_REJECTED, exc.message)
                    self._publish_status(o)

    def _cancel(self, order_id: OrderId) -> None:
        order = self.cache.get(order_id)
        if order is None or not order.status.is_open or order.status is _PENDING_CANCEL:
            return
        order.transition(_PENDING_CANCEL)
        self._publish_status(order)
        self._venue.cancel_order(order_id)

    def cancel_protective(self, symbol: Symbol) -> None:
        for order_id in self._protective.pop(symbol, []):
            self._cancel(order_id)

    def restore(self, order: Order, applied_trade_ids: tuple[TradeId, ...] = ()) -> None:
        """Take back an order recorded by an earlier run (restart), with the venue trade ids
        already applied to it, so that its reports are handled and its fills not re-booked.
        Nothing is sent: reconciliation decides what the order's state really is."""
        self.cache.add(order)
        for trade_id in applied_trade_ids:
            self._applied_trades.setdefault(order.symbol, set()).add(trade_id)

    # -- reports --------------------------------------------------------------------------

    def on_report(self, report: ExecutionReport) -> None:
        self._handle[type(report)](report)

    def _order(self, order_id: OrderId) -> Order:
        order = self.cache.get(order_id)
        if order is None:
            raise LookupError(f"report for an order this engine never sent: {order_id}")
        return order

    def _on_accepted(self, report: OrderAcceptedReport) -> None:
        order = self._order(report.order_id)
        order.venue_order_id = report.venue_order_id
        # UNKNOWN too: a late ack, or reconciliation found the order working at the venue.
        if order.status is _SUBMITTED or order.status is _UNKNOWN:
            order.transition(_ACCEPTED)
            self._publish_status(order)

    def _on_rejected(self, report: OrderRejectedReport) -> None:
        order = self._order(report.order_id)
        if order.status is _REJECTED:
            return  # the same end told twice (the port's poll and reconciliation): applied
        if order.status is _PENDING_CANCEL:  # the cancel was refused; it still works
            previous = order.history[-1]
            # Never acknowledged: the venue may not have it at all; reconciliation decides.
            order.transition(_UNKNOWN if previous is _SUBMITTED else previous, report.reason)
        elif order.status not in (_SUBMITTED, _UNKNOWN) and _PENDING_CANCEL in order.history:
            return  # the refusal of a cancel that a fill outran: the order stands as it is
        else:
            order.transition(_REJECTED, report.reason)
            self._brackets.pop(order.order_id, None)
        self._publish_status(order)

    def _on_triggered(self, report: OrderTriggeredReport) -> None:
        order = self._order(report.order_id)
        if order.status in (_ACCEPTED, _SUBMITTED):
            if order.status is _SUBMITTED:
                order.transition(_ACCEPTED)
            order.transition(_TRIGGERED)
            self._publish_status(order)

    def _on_canceled(self, report: OrderCanceledReport) -> None:
        order = self._order(report.order_id)
        if order.status is _CANCELED:
            return  # the same end told twice (the port's poll and reconciliation): applied
        order.transition(_CANCELED, report.reason)
        self._publish_status(order)
        self._forget_protective(order)
        self._place_bracket_if_done(order)

    def _on_expired(self, report: OrderExpiredReport) -> None:
        order = self._order(report.order_id)
        if order.status is _EXPIRED:
            return  # the same end told twice (the port's poll and reconciliation): applied
        order.transition(_EXPIRED, report.reason)
        self._publish_status(order)
        self._forget_protective(order)
        self._place_bracket_if_done(order)

    def _on_status_unknown(self, report: OrderStatusUnknownReport) -> None:
        order = self._order(report.order_id)
        if order.status is _SUBMITTED or order.status is _PENDING_CANCEL:
            order.transition(_UNKNOWN, report.reason)
            self._publish_status(order)

    def _on_filled(self, report: OrderFilledReport) -> None:
        fill = report.fill
        order = self._order(fill.order_id)
        applied = self._applied_trades.get(fill.symbol)
        if applied is None:
            applied = self._applied_trades[fill.symbol] = set()
        elif fill.trade_id in applied:
            return  # already applied: the same execution reported twice
        if order.status is _CANCELED or order.status is _EXPIRED:
            # A racing execution reported after the cancel: a fact, booked as such.
            order.add_late_fill(fill.quantity, fill.price, fill.fee)
            applied.add(fill.trade_id)
            self._bus.publish(OrderFilled(fill, order.strategy_id, order.tag))
            return
        if order.status is _SUBMITTED and 0 < fill.quantity <= order.remaining_qty:
            order.transition(_ACCEPTED)  # (not for a fill add_fill refuses: leave it untouched)
        order.add_fill(fill.quantity, fill.price, fill.fee)
        # Only once booked: a fill the order refused stays unapplied, so that it is booked
        # when reconciliation feeds it again after the order is put right.
        applied.add(fill.trade_id)
        self._bus.publish(OrderFilled(fill, order.strategy_id, order.tag))
        self._publish_status(order)
        if order.status is _FILLED:
            self._forget_protective(order)
            self._place_bracket_if_done(order)

    # -- brackets -------------------------------------------------------------------------

    def _place_bracket_if_done(self, entry: Order) -> None:
        bracket = self._brackets.pop(entry.order_id, None)
        if bracket is None or entry.filled_qty == 0:
            return
        avg = entry.average_fill_price
        assert avg is not None
        inst = self._instruments[entry.symbol]
        prices = bracket_prices(bracket, entry.side, avg, inst)
        exit_side = entry.side.opposite
        qty = Quantity(entry.filled_qty)
        legs = []
        if prices.stop_loss is not None:
            legs.append(
                self._exit_order(
                    entry,
                    exit_side,
                    qty,
                    OrderType.STOP_MARKET,
                    STOP_LOSS_TAG,
                    stop=prices.stop_loss,
                )
            )
        if prices.take_profit is not None:
            legs.append(
                self._exit_order(
                    entry,
                    exit_side,
                    qty,
                    OrderType.LIMIT,
                    TAKE_PROFIT_TAG,
                    limit=prices.take_profit,
                )
            )
        self._protective[entry.symbol] = [o.order_id for o in legs]
        if len(legs) == 2:
            first, second = legs
            self._send(first, lambda: self._venue.submit_oco(first, second), second)
        elif legs:
            self._send(legs[0], lambda: self._venue.submit_order(legs[0]))

    def _exit_order(
        self,
        entry: Order,
        side: OrderSide,
        qty: Quantity,
        kind: OrderType,
        tag: str,
        stop: Price | None = None,
        limit: Price | None = None,
    ) -> Order:
        return Order(
            order_id=OrderId(self._ids.next()),
            symbol=entry.symbol,
            side=side,
            order_type=kind,
            quantity=qty,
            created_ms=self._clock.now_ms(),
            strategy_id=entry.strategy_id,
            limit_price=limit,
            stop_price=stop,
            reduce_only=True,
            tag=tag,
        )

    def _forget_protective(self, order: Order) -> None:
        ids = self._protective.get(order.symbol)
        if ids and order.order_id in ids:
            ids.remove(order.order_id)
            if order.status is _FILLED:
                # One exit completed: the position is closed, the other leg has no purpose.
                for other in list(ids):
                    self._cancel(other)
                self._protective.pop(order.symbol, None)

    def _publish_status(self, order: Order) -> None:
        handlers = self._status_handlers
        if not handlers:
            return  # nobody records status changes (a backtest): skip building the event
        event = OrderStatusChanged(
            order.order_id,
            order.strategy_id,
            order.symbol,
            order.status,
            self._clock.now_ms(),
            order.reason,
        )
        for handler in handlers:
            handler(event)


def signed(side: OrderSide, qty: Decimal) -> Decimal:
    return qty * side.sign
