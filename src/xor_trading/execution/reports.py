"""Execution reports: what a venue tells the execution engine about an order.

Adapters (simulated venue, CCXT) translate their venue's messages into these; the
execution engine turns them into order state changes and domain events.
"""

from __future__ import annotations

from dataclasses import dataclass

from xor_trading.core.ids import OrderId, VenueOrderId
from xor_trading.domain.fills import Fill


@dataclass(frozen=True, slots=True)
class OrderAcceptedReport:
    order_id: OrderId
    venue_order_id: VenueOrderId
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderRejectedReport:
    order_id: OrderId
    reason: str
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderTriggeredReport:
    order_id: OrderId
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderCanceledReport:
    order_id: OrderId
    reason: str
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderExpiredReport:
    """The venue ended an accepted order by its own rules (e.g. it could not be paid for)."""

    order_id: OrderId
    reason: str
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderStatusUnknownReport:
    """The venue may or may not have the order (timeout, 5xx, -1006/-1007, garbage reply).

    Asynchronous adapters send this instead of raising
    :class:`~xor_trading.core.errors.UnknownOutcomeError` from ``submit_order``. The order
    stays UNKNOWN until reconciliation reports what the venue really did; it is never
    treated as failed and never re-sent under a new client order id.
    """

    order_id: OrderId
    reason: str
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderFilledReport:
    fill: Fill


ExecutionReport = (
    OrderAcceptedReport
    | OrderRejectedReport
    | OrderTriggeredReport
    | OrderCanceledReport
    | OrderExpiredReport
    | OrderFilledReport
    | OrderStatusUnknownReport
)
