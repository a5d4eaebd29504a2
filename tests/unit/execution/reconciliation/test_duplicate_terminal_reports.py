"""The same end of an order told twice (the port's own poll and reconciliation both found
it, R1): the second report is a duplicate, applied once, never an error."""

from __future__ import annotations

import pytest

from xor_trading.core.ids import OrderId
from xor_trading.domain.events import OrderStatusChanged
from xor_trading.domain.orders import OrderStatus
from xor_trading.execution.reports import (
    ExecutionReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderRejectedReport,
)
from xor_trading.testing.scripted_account import SubmitOutcome

OID = OrderId("O-1")


@pytest.mark.parametrize(
    ("end", "acknowledged", "status"),
    [
        (OrderRejectedReport(OID, "inflight_timeout", 1), False, OrderStatus.REJECTED),
        (OrderCanceledReport(OID, "canceled", 1), True, OrderStatus.CANCELED),
        (OrderExpiredReport(OID, "expired", 1), True, OrderStatus.EXPIRED),
    ],
)
def test_terminal_report_repeated_applied_once_without_error(
    make_world: object, end: ExecutionReport, acknowledged: bool, status: OrderStatus
) -> None:
    world = make_world()  # type: ignore[operator]
    if not acknowledged:
        world.account.submit_outcome = SubmitOutcome.REQUEST_LOST
    order = world.submit("O-1", limit="100")
    assert order.status is (OrderStatus.ACCEPTED if acknowledged else OrderStatus.UNKNOWN)
    world.engine.on_report(end)
    published = len(world.statuses)

    world.engine.on_report(end)  # the second source tells the same end

    assert order.status is status
    assert len(world.statuses) == published  # nothing new published
    assert all(isinstance(s, OrderStatusChanged) for s in world.statuses)
