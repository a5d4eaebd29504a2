"""The order state machine (domain/orders.py).

``EXPECTED`` below is the specification, written out by hand from the diagram in the module
docstring; every one of the 12 x 12 (from, to) pairs is checked against it.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from xor_trading.core.errors import InvalidOrderTransition
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.orders import (
    TRANSITIONS,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from xor_trading.domain.values import Price, Quantity

D = Decimal
S = OrderStatus

EXPECTED: dict[OrderStatus, set[OrderStatus]] = {
    S.INITIALIZED: {S.SUBMITTED, S.DENIED},
    S.SUBMITTED: {
        S.ACCEPTED,
        S.REJECTED,
        S.UNKNOWN,
        S.FILLED,
        S.PARTIALLY_FILLED,
        S.CANCELED,
        S.PENDING_CANCEL,
        S.EXPIRED,
    },
    S.ACCEPTED: {
        S.TRIGGERED,
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.PENDING_CANCEL,
        S.CANCELED,
        S.EXPIRED,
        S.UNKNOWN,
    },
    S.TRIGGERED: {
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.PENDING_CANCEL,
        S.CANCELED,
        S.EXPIRED,
        S.UNKNOWN,
    },
    S.PARTIALLY_FILLED: {
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.PENDING_CANCEL,
        S.CANCELED,
        S.EXPIRED,
        S.UNKNOWN,
    },
    S.PENDING_CANCEL: {
        S.CANCELED,
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.ACCEPTED,
        S.TRIGGERED,
        S.UNKNOWN,
    },
    S.UNKNOWN: {
        S.ACCEPTED,
        S.TRIGGERED,
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.CANCELED,
        S.REJECTED,
        S.EXPIRED,
        S.PENDING_CANCEL,
    },
    S.DENIED: set(),
    S.FILLED: set(),
    S.CANCELED: set(),
    S.REJECTED: set(),
    S.EXPIRED: set(),
}

TERMINAL = {S.DENIED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}
ALLOWED_PAIRS = [(a, b) for a, targets in EXPECTED.items() for b in sorted(targets, key=str)]
FORBIDDEN_PAIRS = [
    (a, b) for a, b in itertools.product(OrderStatus, OrderStatus) if b not in EXPECTED[a]
]


def _order(
    status: OrderStatus = S.INITIALIZED,
    qty: str = "1",
    order_type: OrderType = OrderType.MARKET,
    limit_price: str | None = None,
    stop_price: str | None = None,
) -> Order:
    return Order(
        order_id=OrderId("O-1"),
        symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY,
        order_type=order_type,
        quantity=Quantity(D(qty)),
        created_ms=1_000,
        limit_price=None if limit_price is None else Price(D(limit_price)),
        stop_price=None if stop_price is None else Price(D(stop_price)),
        status=status,
    )


def _status(order: Order) -> OrderStatus:
    """The status read through a call, so mypy does not narrow it across mutations."""
    return order.status


def _pair_id(pair: tuple[OrderStatus, OrderStatus]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


# -- the transition table --------------------------------------------------------------------


def test_transitions_table_has_an_entry_for_every_status() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


def test_transitions_table_equals_specification() -> None:
    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED


def test_pair_enumeration_covers_all_144_pairs() -> None:
    assert len(ALLOWED_PAIRS) + len(FORBIDDEN_PAIRS) == len(OrderStatus) ** 2 == 144


@pytest.mark.parametrize("pair", ALLOWED_PAIRS, ids=_pair_id)
def test_order_transition_allowed_pair_moves_and_records_history(
    pair: tuple[OrderStatus, OrderStatus],
) -> None:
    src, dst = pair
    order = _order(src)
    order.transition(dst)
    assert order.status is dst
    assert order.history == [src]


@pytest.mark.parametrize("pair", FORBIDDEN_PAIRS, ids=_pair_id)
def test_order_transition_forbidden_pair_raises_and_leaves_order_unchanged(
    pair: tuple[OrderStatus, OrderStatus],
) -> None:
    src, dst = pair
    order = _order(src)
    with pytest.raises(InvalidOrderTransition) as info:
        order.transition(dst, reason="should not stick")
    assert info.value.message == f"order O-1: {src.value} -> {dst.value} is not allowed"
    assert "reconcile" in info.value.hint
    assert order.status is src
    assert order.history == []
    assert order.reason == ""


@pytest.mark.parametrize("status", sorted(TERMINAL, key=str))
def test_order_status_terminal_has_no_exits(status: OrderStatus) -> None:
    assert status.is_terminal
    assert not status.is_open
    assert TRANSITIONS[status] == frozenset()


@pytest.mark.parametrize("status", sorted(set(OrderStatus) - TERMINAL, key=str))
def test_order_status_non_terminal_has_exits(status: OrderStatus) -> None:
    assert not status.is_terminal
    assert TRANSITIONS[status]


@pytest.mark.parametrize(
    ("status", "is_open"),
    [
        (S.INITIALIZED, False),
        (S.SUBMITTED, True),
        (S.ACCEPTED, True),
        (S.TRIGGERED, True),
        (S.PARTIALLY_FILLED, True),
        (S.PENDING_CANCEL, True),
        (S.UNKNOWN, True),
        (S.DENIED, False),
        (S.FILLED, False),
        (S.CANCELED, False),
        (S.REJECTED, False),
        (S.EXPIRED, False),
    ],
)
def test_order_status_is_open_only_when_possibly_working_at_venue(
    status: OrderStatus, is_open: bool
) -> None:
    assert status.is_open is is_open


@pytest.mark.parametrize(
    "resolved", [S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED, S.ACCEPTED, S.PARTIALLY_FILLED]
)
def test_order_unknown_reconciles_to_what_the_venue_reports(resolved: OrderStatus) -> None:
    order = _order(S.SUBMITTED)
    order.transition(S.UNKNOWN, reason="submit timed out")
    order.transition(resolved)
    assert order.status is resolved
    assert order.history == [S.SUBMITTED, S.UNKNOWN]
    assert order.reason == "submit timed out"


@pytest.mark.parametrize("impossible", [S.DENIED, S.INITIALIZED, S.SUBMITTED, S.UNKNOWN])
def test_order_unknown_cannot_become_a_never_sent_state(impossible: OrderStatus) -> None:
    order = _order(S.UNKNOWN)
    with pytest.raises(InvalidOrderTransition):
        order.transition(impossible)


def test_order_transition_with_reason_sets_reason_and_empty_reason_keeps_it() -> None:
    order = _order()
    order.transition(S.SUBMITTED)
    order.transition(S.REJECTED, reason="insufficient balance")
    assert order.reason == "insufficient balance"
    order2 = _order()
    order2.transition(S.SUBMITTED, reason="sent")
    order2.transition(S.ACCEPTED)
    assert order2.reason == "sent"


def test_order_happy_path_history_lists_previous_states_in_order() -> None:
    order = _order(qty="1")
    order.transition(S.SUBMITTED)
    order.transition(S.ACCEPTED)
    order.add_fill(D("0.4"), D("100"), D("0.04"))
    order.add_fill(D("0.6"), D("110"), D("0.066"))
    assert order.status is S.FILLED
    assert order.history == [S.INITIALIZED, S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED]


# -- fills --------------------------------------------------------------------------------------


def test_order_add_fill_partial_then_full_statuses_and_totals() -> None:
    order = _order(S.ACCEPTED, qty="1")
    order.add_fill(D("0.4"), D("100"), D("0.04"))
    assert _status(order) is S.PARTIALLY_FILLED
    assert order.filled_qty == D("0.4")
    assert order.remaining_qty == D("0.6")
    order.add_fill(D("0.6"), D("110"), D("0.066"))
    assert _status(order) is S.FILLED
    assert order.filled_qty == D("1.0")
    assert order.remaining_qty == 0
    assert order.filled_value == D("106.0")
    assert order.fees == D("0.106")


def test_order_add_fill_three_partials_stay_partially_filled_until_complete() -> None:
    order = _order(S.ACCEPTED, qty="0.3")
    order.add_fill(D("0.1"), D("100"), D(0))
    order.add_fill(D("0.1"), D("100"), D(0))
    assert _status(order) is S.PARTIALLY_FILLED
    order.add_fill(D("0.1"), D("100"), D(0))
    assert _status(order) is S.FILLED


def test_order_add_fill_whole_quantity_at_once_from_submitted_is_filled() -> None:
    order = _order(S.SUBMITTED, qty="0.00947")
    order.add_fill(D("0.00947"), D("105554.32"), D("0.99959942"))
    assert order.status is S.FILLED
    assert order.history == [S.SUBMITTED]


def test_order_add_fill_while_pending_cancel_is_accepted() -> None:
    order = _order(S.PENDING_CANCEL, qty="1")
    order.add_fill(D("0.5"), D("100"), D(0))
    assert order.status is S.PARTIALLY_FILLED


def test_order_add_fill_beyond_intent_raises_and_leaves_order_unchanged() -> None:
    order = _order(S.ACCEPTED, qty="1")
    order.add_fill(D("0.7"), D("100"), D("0.07"))
    with pytest.raises(InvalidOrderTransition) as info:
        order.add_fill(D("0.30001"), D("100"), D("0.03"))
    assert "exceeds the remaining 0.3" in info.value.message
    assert order.filled_qty == D("0.7")
    assert order.filled_value == D("70.0")
    assert order.fees == D("0.07")
    assert order.status is S.PARTIALLY_FILLED


def test_order_add_fill_on_filled_order_raises() -> None:
    order = _order(S.ACCEPTED, qty="1")
    order.add_fill(D("1"), D("100"), D(0))
    with pytest.raises(InvalidOrderTransition):
        order.add_fill(D("0.1"), D("100"), D(0))


@pytest.mark.parametrize("qty", ["0", "-0.1"])
def test_order_add_fill_non_positive_quantity_raises_value_error(qty: str) -> None:
    order = _order(S.ACCEPTED)
    with pytest.raises(ValueError, match="fill quantity must be positive"):
        order.add_fill(D(qty), D("100"), D(0))
    assert order.filled_qty == 0


@pytest.mark.parametrize("status", [S.INITIALIZED, S.CANCELED])
def test_order_add_fill_refused_by_state_machine_leaves_order_unchanged(
    status: OrderStatus,
) -> None:
    order = _order(status, qty="1")
    with pytest.raises(InvalidOrderTransition):
        order.add_fill(D("0.5"), D("100"), D("0.05"))
    assert (order.filled_qty, order.filled_value, order.fees) == (D(0), D(0), D(0))


def test_order_average_fill_price_unfilled_is_none() -> None:
    assert _order().average_fill_price is None


def test_order_average_fill_price_is_volume_weighted() -> None:
    order = _order(S.ACCEPTED, qty="1")
    order.add_fill(D("0.4"), D("100"), D(0))
    assert order.average_fill_price == D("100")
    order.add_fill(D("0.6"), D("110"), D(0))
    assert order.average_fill_price == D("106")


# -- construction ---------------------------------------------------------------------------------


def test_order_defaults() -> None:
    order = _order()
    assert order.status is S.INITIALIZED
    assert order.strategy_id == "manual"
    assert order.time_in_force is TimeInForce.GTC
    assert order.reduce_only is False
    assert order.filled_qty == order.filled_value == order.fees == 0
    assert order.remaining_qty == D(1)
    assert order.history == []
    assert order.venue_order_id is None


@pytest.mark.parametrize(
    ("order_type", "limit_price", "stop_price"),
    [
        (OrderType.MARKET, None, None),
        (OrderType.LIMIT, "100", None),
        (OrderType.STOP_MARKET, None, "90"),
        (OrderType.STOP_LIMIT, "89", "90"),
    ],
)
def test_order_constructor_prices_required_by_type_are_accepted(
    order_type: OrderType, limit_price: str | None, stop_price: str | None
) -> None:
    order = _order(order_type=order_type, limit_price=limit_price, stop_price=stop_price)
    assert order.order_type is order_type


@pytest.mark.parametrize(
    ("order_type", "limit_price", "stop_price", "missing_or_extra"),
    [
        (OrderType.MARKET, "100", None, "limit price 100"),
        (OrderType.MARKET, None, "90", "stop price 90"),
        (OrderType.LIMIT, None, None, "limit price None"),
        (OrderType.LIMIT, "100", "90", "stop price 90"),
        (OrderType.STOP_MARKET, None, None, "stop price None"),
        (OrderType.STOP_MARKET, "89", "90", "limit price 89"),
        (OrderType.STOP_LIMIT, "89", None, "stop price None"),
        (OrderType.STOP_LIMIT, None, "90", "limit price None"),
    ],
)
def test_order_constructor_wrong_prices_for_type_raise_value_error(
    order_type: OrderType, limit_price: str | None, stop_price: str | None, missing_or_extra: str
) -> None:
    with pytest.raises(ValueError, match=f"^{order_type.value} order: {missing_or_extra}$"):
        _order(order_type=order_type, limit_price=limit_price, stop_price=stop_price)


@pytest.mark.parametrize("qty", ["0", "-1"])
def test_order_constructor_non_positive_quantity_raises_value_error(qty: str) -> None:
    with pytest.raises(ValueError, match="order quantity must be positive"):
        _order(qty=qty)


def test_order_side_sign_and_opposite() -> None:
    assert OrderSide.BUY.sign == 1
    assert OrderSide.SELL.sign == -1
    assert OrderSide.BUY.opposite is OrderSide.SELL
    assert OrderSide.SELL.opposite is OrderSide.BUY
