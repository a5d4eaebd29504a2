"""The execution engine: intent on record before the venue call, UNKNOWN on timeouts, brackets."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.bus.endpoints import EXECUTION
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.core.errors import RejectedError, UnknownOutcomeError
from xor_trading.core.ids import OrderId, StrategyId, Symbol, TradeId, VenueOrderId
from xor_trading.domain.commands import Bracket, CancelOrder, SubmitOrder
from xor_trading.domain.events import OrderFilled, OrderStatusChanged
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.orders import Order, OrderSide, OrderStatus, OrderType, TimeInForce
from xor_trading.execution.engine import ExecutionEngine
from xor_trading.execution.ports import ReportSink, VenueCapabilities
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderFilledReport,
    OrderRejectedReport,
)
from xor_trading.testing.factories import make_instrument

SYM = Symbol("TST/USDT")


class ScriptedVenue:
    """A fake exchange port: records calls; raises what the test scripts."""

    def __init__(self) -> None:
        self.sink: ReportSink | None = None
        self.submitted: list[Order] = []
        self.oco: list[tuple[Order, Order]] = []
        self.canceled: list[str] = []
        self.raise_on_submit: Exception | None = None
        self.statuses_seen_at_submit: list[OrderStatus] = []

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def capabilities(self) -> VenueCapabilities:
        return VenueCapabilities()

    def connect(self, sink: ReportSink) -> None:
        self.sink = sink

    def submit_order(self, order: Order) -> None:
        self.statuses_seen_at_submit.append(order.status)
        if self.raise_on_submit is not None:
            raise self.raise_on_submit
        self.submitted.append(order)

    def submit_oco(self, first: Order, second: Order) -> None:
        self.oco.append((first, second))

    def cancel_order(self, order_id: OrderId) -> None:
        self.canceled.append(order_id)


@pytest.fixture
def setup() -> tuple[MessageBus, ExecutionEngine, ScriptedVenue, list[object]]:
    bus = MessageBus()
    venue = ScriptedVenue()
    engine = ExecutionEngine(bus, TestClock(1_000), venue, {SYM: make_instrument()})
    events: list[object] = []
    bus.subscribe(OrderStatusChanged, events.append)
    bus.subscribe(OrderFilled, events.append)
    return bus, engine, venue, events


def _submit(
    bus: MessageBus,
    order_id: str = "O-1",
    bracket: Bracket | None = None,
    reduce_only: bool = False,
    side: OrderSide = OrderSide.BUY,
) -> None:
    bus.send(
        EXECUTION,
        SubmitOrder(
            OrderId(order_id),
            StrategyId("s"),
            SYM,
            side,
            OrderType.MARKET,
            D(1),
            1_000,
            bracket=bracket,
            reduce_only=reduce_only,
        ),
    )


def _fill(
    venue: ScriptedVenue, order_id: str, price: str, qty: str = "1", side: OrderSide = OrderSide.BUY
) -> None:
    assert venue.sink is not None
    venue.sink(
        OrderFilledReport(
            Fill(
                TradeId("T"),
                OrderId(order_id),
                SYM,
                side,
                D(price),
                D(qty),
                D("0.1"),
                "USDT",
                Liquidity.TAKER,
                2_000,
            )
        )
    )


def _statuses(events: list[object], order_id: str) -> list[str]:
    return [
        e.status.value
        for e in events
        if isinstance(e, OrderStatusChanged) and e.order_id == order_id
    ]


def test_engine_records_intent_before_calling_the_venue(setup) -> None:  # type: ignore[no-untyped-def]
    bus, engine, venue, events = setup
    _submit(bus)
    # The venue saw the order already SUBMITTED, and INITIALIZED was published before that.
    assert venue.statuses_seen_at_submit == [OrderStatus.SUBMITTED]
    assert _statuses(events, "O-1") == ["initialized", "submitted"]
    assert engine.cache.get(OrderId("O-1")) is not None


def test_engine_timeout_leaves_order_unknown_never_failed(setup) -> None:  # type: ignore[no-untyped-def]
    bus, engine, venue, events = setup
    venue.raise_on_submit = UnknownOutcomeError("request timed out", "reconcile")
    _submit(bus)
    order = engine.cache.get(OrderId("O-1"))
    assert order is not None
    assert order.status is OrderStatus.UNKNOWN
    assert order.reason == "request timed out"
    assert _statuses(events, "O-1")[-1] == "unknown"
    # Reconciliation may later find it filled at the venue.
    _fill(venue, "O-1", "100")
    assert order.status is OrderStatus.FILLED


def test_engine_definitive_rejection_marks_order_rejected(setup) -> None:  # type: ignore[no-untyped-def]
    bus, engine, venue, _ = setup
    venue.raise_on_submit = RejectedError("insufficient balance")
    _submit(bus)
    order = engine.cache.get(OrderId("O-1"))
    assert order is not None
    assert order.status is OrderStatus.REJECTED


def test_engine_places_bracket_as_oco_after_entry_fills(setup) -> None:  # type: ignore[no-untyped-def]
    bus, _engine, venue, _ = setup
    _submit(bus, bracket=Bracket(D(2), D(4)))
    assert venue.sink is not None
    venue.sink(OrderAcceptedReport(OrderId("O-1"), VenueOrderId("V-1"), 1_000))
    assert venue.oco == []  # nothing before the fill
    _fill(venue, "O-1", "100.01")
    ((stop, target),) = venue.oco
    assert (stop.order_type, stop.side, stop.stop_price, stop.quantity) == (
        OrderType.STOP_MARKET,
        OrderSide.SELL,
        D("98.00"),
        D(1),
    )  # 98.0098 rounds down
    assert (target.order_type, target.limit_price) == (OrderType.LIMIT, D("104.02"))  # 104.0104 up
    assert stop.reduce_only
    assert target.reduce_only


def test_engine_exit_cancels_protective_orders_first(setup) -> None:  # type: ignore[no-untyped-def]
    bus, _engine, venue, _ = setup
    _submit(bus, bracket=Bracket(D(2), None))
    _fill(venue, "O-1", "100")
    (stop,) = venue.submitted[1:]
    _submit(bus, "O-2", reduce_only=True, side=OrderSide.SELL)
    assert venue.canceled == [stop.order_id]
    assert venue.submitted[-1].order_id == "O-2"


def test_engine_expired_report_ends_order_as_expired(setup) -> None:  # type: ignore[no-untyped-def]
    bus, engine, venue, _ = setup
    _submit(bus)
    assert venue.sink is not None
    venue.sink(OrderAcceptedReport(OrderId("O-1"), VenueOrderId("V-1"), 1_000))
    venue.sink(OrderExpiredReport(OrderId("O-1"), "insufficient balance", 2_000))
    order = engine.cache.get(OrderId("O-1"))
    assert order is not None
    assert order.status is OrderStatus.EXPIRED


def test_engine_refused_cancel_returns_order_to_its_working_state(setup) -> None:  # type: ignore[no-untyped-def]
    bus, engine, venue, _ = setup
    _submit(bus)
    assert venue.sink is not None
    venue.sink(OrderAcceptedReport(OrderId("O-1"), VenueOrderId("V-1"), 1_000))
    bus.send(EXECUTION, CancelOrder(OrderId("O-1"), 1_500))
    order = engine.cache.get(OrderId("O-1"))
    assert order is not None
    assert order.status is OrderStatus.PENDING_CANCEL
    venue.sink(OrderRejectedReport(OrderId("O-1"), "cancel refused: too late", 1_600))
    assert order.status is OrderStatus.ACCEPTED
    venue.sink(OrderCanceledReport(OrderId("O-1"), "canceled", 1_700))
    assert order.status is OrderStatus.CANCELED


def test_engine_report_for_unknown_order_is_an_error(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, venue, _ = setup
    with pytest.raises(LookupError, match="never sent"):
        _fill(venue, "O-404", "100")


def test_execution_order_from_command_copies_every_field() -> None:
    bus, venue = MessageBus(), ScriptedVenue()
    ExecutionEngine(bus, TestClock(1_000), venue, {SYM: make_instrument()})
    bus.send(
        EXECUTION,
        SubmitOrder(
            OrderId("O-9"), StrategyId("s-2"), SYM, OrderSide.SELL, OrderType.STOP_LIMIT,
            D("0.25"), 1_234, limit_price=D("99.5"), stop_price=D("99.75"),
            time_in_force=TimeInForce.IOC, reduce_only=True, reference_price=D(100), tag="t",
        ),
    )  # fmt: skip
    (order,) = venue.submitted
    assert (order.order_id, order.strategy_id, order.symbol, order.side, order.order_type) == (
        "O-9", "s-2", SYM, OrderSide.SELL, OrderType.STOP_LIMIT,
    )  # fmt: skip
    assert (order.quantity, order.created_ms, order.limit_price, order.stop_price) == (
        D("0.25"), 1_234, D("99.5"), D("99.75"),
    )  # fmt: skip
    assert (order.time_in_force, order.reduce_only, order.tag) == (TimeInForce.IOC, True, "t")


def test_execution_builds_no_status_event_while_nobody_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("OrderStatusChanged built without a subscriber")

    monkeypatch.setattr("xor_trading.execution.engine.OrderStatusChanged", never)
    bus, venue = MessageBus(), ScriptedVenue()
    engine = ExecutionEngine(bus, TestClock(1_000), venue, {SYM: make_instrument()})
    filled: list[object] = []
    bus.subscribe(OrderFilled, filled.append)
    _submit(bus)
    _fill(venue, "O-1", "100")
    order = engine.cache.get(OrderId("O-1"))
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert len(filled) == 1


def test_execution_status_events_reach_a_subscriber_that_came_after_the_first_order() -> None:
    bus, venue = MessageBus(), ScriptedVenue()
    ExecutionEngine(bus, TestClock(1_000), venue, {SYM: make_instrument()})
    _submit(bus, "O-1")
    events: list[object] = []
    bus.subscribe(OrderStatusChanged, events.append)
    _fill(venue, "O-1", "100")
    _submit(bus, "O-2")
    assert _statuses(events, "O-1") == ["filled"]
    assert _statuses(events, "O-2") == ["initialized", "submitted"]
