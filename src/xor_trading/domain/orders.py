"""Orders and their state machine.

The life of an order (see docs/architecture.md)::

    INITIALIZED --submit--> SUBMITTED --ack--> ACCEPTED --fill--> PARTIALLY_FILLED --fill--> FILLED
         |                     |                  |  \\--cancel--> PENDING_CANCEL --> CANCELED
         +--deny--> DENIED     +--reject--> REJECTED  +--trigger (stops)--> TRIGGERED
                               +--timeout--> UNKNOWN --reconcile--> (any state the venue reports)

``DENIED`` means our own risk engine refused it (it never left the process);
``REJECTED`` means the venue refused it. ``UNKNOWN`` is the state of an order whose
submission timed out: it may be live at the venue, so it is never treated as failed
until reconciliation says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from xor_trading.core.errors import InvalidOrderTransition
from xor_trading.core.ids import OrderId, StrategyId, Symbol, VenueOrderId
from xor_trading.domain.values import ZERO, Price, Quantity


class OrderSide(Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is _BUY else -1

    @property
    def opposite(self) -> OrderSide:
        return _SELL if self is _BUY else _BUY


class OrderType(Enum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"


# Enum members bound once: attribute access on an Enum class costs ~0.2 us (order path).
_BUY = OrderSide.BUY
_SELL = OrderSide.SELL
_WITH_LIMIT = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_WITH_STOP = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


class TimeInForce(Enum):
    GTC = "gtc"
    IOC = "ioc"


class OrderStatus(Enum):
    INITIALIZED = "initialized"
    DENIED = "denied"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    TRIGGERED = "triggered"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        """Working at the venue (or possibly so, for UNKNOWN)."""
        return self not in _TERMINAL and self is not _INITIALIZED


_S = OrderStatus
_INITIALIZED = _S.INITIALIZED
_TERMINAL = frozenset({_S.DENIED, _S.FILLED, _S.CANCELED, _S.REJECTED, _S.EXPIRED})
_WORKING = {_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED}
# Reconciliation may resolve UNKNOWN to anything the venue can report.
_FROM_UNKNOWN = {
    _S.ACCEPTED,
    _S.TRIGGERED,
    _S.PARTIALLY_FILLED,
    _S.FILLED,
    _S.CANCELED,
    _S.REJECTED,
    _S.EXPIRED,
    _S.PENDING_CANCEL,
}

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.INITIALIZED: frozenset({_S.SUBMITTED, _S.DENIED}),
    _S.SUBMITTED: frozenset(
        {
            _S.ACCEPTED,
            _S.REJECTED,
            _S.UNKNOWN,
            _S.FILLED,
            _S.PARTIALLY_FILLED,
            _S.CANCELED,
            _S.PENDING_CANCEL,
            _S.EXPIRED,
        }
    ),
    _S.ACCEPTED: frozenset(
        {
            _S.TRIGGERED,
            _S.PARTIALLY_FILLED,
            _S.FILLED,
            _S.PENDING_CANCEL,
            _S.CANCELED,
            _S.EXPIRED,
            _S.UNKNOWN,
        }
    ),
    _S.TRIGGERED: frozenset(
        {_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.CANCELED, _S.EXPIRED, _S.UNKNOWN}
    ),
    _S.PARTIALLY_FILLED: frozenset(
        {_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.CANCELED, _S.EXPIRED, _S.UNKNOWN}
    ),
    _S.PENDING_CANCEL: frozenset(
        {_S.CANCELED, _S.PARTIALLY_FILLED, _S.FILLED} | _WORKING | {_S.UNKNOWN}
    ),
    _S.UNKNOWN: frozenset(_FROM_UNKNOWN),
    _S.DENIED: frozenset(),
    _S.FILLED: frozenset(),
    _S.CANCELED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset(),
}
# The same table keyed by identity, as tuples: membership by identity needs no Enum.__hash__,
# which is a Python-level call (this check runs several times per order).
_ALLOWED: dict[int, tuple[OrderStatus, ...]] = {id(k): tuple(v) for k, v in TRANSITIONS.items()}
_FILLED = OrderStatus.FILLED
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED


MANUAL = StrategyId("manual")


@dataclass(slots=True)
class Order:
    """An order and what is known of it; mutated only by :meth:`transition` and :meth:`add_fill`.

    ``quantity`` is the intent (base asset); ``filled_qty`` never exceeds it.
    ``stop_price`` is set for stop orders, ``limit_price`` for limit and stop-limit orders.
    """

    order_id: OrderId
    symbol: Symbol
    side: OrderSide
    order_type: OrderType
    quantity: Quantity
    created_ms: int
    strategy_id: StrategyId = MANUAL
    limit_price: Price | None = None
    stop_price: Price | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    tag: str = ""
    status: OrderStatus = OrderStatus.INITIALIZED
    venue_order_id: VenueOrderId | None = None
    filled_qty: Decimal = ZERO
    filled_value: Decimal = ZERO  # sum of price * quantity over fills, in the quote currency
    fees: Decimal = ZERO
    reason: str = ""
    history: list[OrderStatus] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {self.quantity}")
        needs_limit = self.order_type in _WITH_LIMIT
        needs_stop = self.order_type in _WITH_STOP
        if needs_limit != (self.limit_price is not None):
            raise ValueError(f"{self.order_type.value} order: limit price {self.limit_price}")
        if needs_stop != (self.stop_price is not None):
            raise ValueError(f"{self.order_type.value} order: stop price {self.stop_price}")

    @property
    def remaining_qty(self) -> Decimal:
        return self.quantity - self.filled_qty

    @property
    def average_fill_price(self) -> Decimal | None:
        return self.filled_value / self.filled_qty if self.filled_qty else None

    def transition(self, to: OrderStatus, reason: str = "") -> None:
        """Move to ``to``; raises :class:`InvalidOrderTransition` if the machine forbids it."""
        if to not in _ALLOWED[id(self.status)]:
            raise InvalidOrderTransition(
                f"order {self.order_id}: {self.status.value} -> {to.value} is not allowed",
                "this is a bug or a venue anomaly; reconcile the order with the venue",
            )
        self.history.append(self.status)
        self.status = to
        if reason:
            self.reason = reason

    def add_late_fill(self, qty: Decimal, fill_price: Decimal, fee: Decimal) -> None:
        """Record a fill that the venue reports after the order ended (CANCELED or EXPIRED).

        Fills are facts: a cancel acknowledged before a racing execution was reported does
        not undo the execution. The status stays terminal (the order works no more); the
        filled quantity, value and fees grow. Never more than ordered.
        """
        if self.status not in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            raise InvalidOrderTransition(
                f"order {self.order_id}: a late fill needs a canceled or expired order, "
                f"not {self.status.value}",
                "this is a bug or a venue anomaly; reconcile the order with the venue",
            )
        if qty <= 0 or self.filled_qty + qty > self.quantity:
            raise InvalidOrderTransition(
                f"order {self.order_id}: late fill of {qty} with {self.remaining_qty} remaining",
                "the venue reported more than was ordered; reconcile before trading on",
            )
        self.filled_qty += qty
        self.filled_value += qty * fill_price
        self.fees += fee

    def add_fill(self, qty: Decimal, fill_price: Decimal, fee: Decimal) -> None:
        """Record a fill and move to PARTIALLY_FILLED or FILLED."""
        if qty <= 0:
            raise ValueError(f"fill quantity must be positive, got {qty}")
        if self.filled_qty + qty > self.quantity:
            raise InvalidOrderTransition(
                f"order {self.order_id}: fill of {qty} exceeds the remaining {self.remaining_qty}",
                "the venue reported more than was ordered; reconcile before trading on",
            )
        done = self.filled_qty + qty == self.quantity
        # Transition first: a fill the state machine refuses must leave the order untouched.
        self.transition(_FILLED if done else _PARTIALLY_FILLED)
        self.filled_qty += qty
        self.filled_value += qty * fill_price
        self.fees += fee
