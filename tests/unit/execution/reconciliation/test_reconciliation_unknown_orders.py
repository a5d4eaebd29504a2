"""UNKNOWN orders are resolved by query, never by re-sending (R3, R12, spec 3.2 point 3).

Defaults: 3 "not found" answers over >= 10 s, recvWindow 5 s, clock offset 1 s; the
periodic check runs every second (the test moves the clock).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.commands import CancelOrder
from xor_trading.domain.orders import OrderStatus
from xor_trading.execution.reconciliation_result import (
    ReconciliationResult,
    ReconciliationStatus,
)
from xor_trading.execution.unknown_resolution import INFLIGHT_TIMEOUT_REASON
from xor_trading.testing.scripted_account import SubmitOutcome

SYM = Symbol("TST/USDT")
CID = "xbot1-O-1"
WorldFactory = Callable[..., Any]  # conftest.build_world
CI_EXAMPLES = 150  # derandomized; nightly: 5_000 (hide times and check intervals)
TERMINAL_SEEN = {OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED}


def test_submit_response_lost_after_instant_fill_found_by_client_id_never_resent(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.RESPONSE_LOST
    world.account.fill_on_submit_price = D(100)
    order = world.submit("O-1", qty="1")
    assert order.status is OrderStatus.UNKNOWN

    result = world.reconcile()

    assert result.status is ReconciliationStatus.RECONCILED
    assert ("fetch_order", str(SYM), CID) in world.account.calls
    assert [c for c in world.account.calls if c[0] == "submit_order"] == [("submit_order", "O-1")]
    assert (order.status, order.filled_qty) == (OrderStatus.FILLED, D(1))
    assert result.resolved_orders == (OrderId("O-1"),)
    assert [f.fill.trade_id for f in world.fills] == ["T1"]
    assert world.portfolio.position_quantity(SYM) == D(1)


def test_submit_response_lost_reconciled_again_no_duplicate_fill(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.RESPONSE_LOST
    world.account.fill_on_submit_price = D(100)
    world.submit("O-1", qty="1")
    world.reconcile()
    world.cursors = {SYM: world.t0_ms}  # as if the new cursor had not been persisted

    for _ in range(3):
        assert world.reconcile().status is ReconciliationStatus.RECONCILED

    assert len(world.fills) == 1
    assert len(world.account.submitted) == 1


def test_submit_request_lost_rejected_inflight_timeout_only_when_every_condition_holds(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.REQUEST_LOST
    order = world.submit("O-1")
    seen = []

    for _ in range(11):  # a check every second; first answer at +1 s, span 10 s at +11 s
        world.clock.advance(1_000)
        seen.append((world.check().status, order.status))

    assert seen[:10] == [(ReconciliationStatus.INCOMPLETE, OrderStatus.UNKNOWN)] * 10
    assert seen[10] == (ReconciliationStatus.RECONCILED, OrderStatus.REJECTED)
    assert order.reason == INFLIGHT_TIMEOUT_REASON
    assert len(world.account.submitted) == 1


def test_startup_reconcile_recent_unknown_order_incomplete(make_world: WorldFactory) -> None:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.REQUEST_LOST
    world.submit("O-1")

    result = world.reconcile()

    assert result.status is ReconciliationStatus.INCOMPLETE
    assert not result.status.may_trade
    assert result.unresolved_orders == (OrderId("O-1"),)


def test_pending_cancel_of_order_never_at_venue_canceled_inflight_timeout(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.REQUEST_LOST
    order = world.submit("O-1")
    world.engine.execute(CancelOrder(OrderId("O-1"), world.clock.now_ms()))
    assert order.status is OrderStatus.PENDING_CANCEL

    for _ in range(11):
        world.clock.advance(1_000)
        world.check()

    assert (order.status, order.reason) == (OrderStatus.CANCELED, INFLIGHT_TIMEOUT_REASON)


def test_unknown_order_canceled_at_venue_canceled(make_world: WorldFactory) -> None:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.RESPONSE_LOST
    order = world.submit("O-1", limit="100")
    world.account.cancel(CID)

    result = world.check()

    assert result.status is ReconciliationStatus.RECONCILED
    assert order.status is OrderStatus.CANCELED
    assert order.venue_order_id == "V1"


def test_unknown_order_rejected_at_venue_rejected(make_world: WorldFactory) -> None:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.RESPONSE_LOST
    order = world.submit("O-1", limit="100")
    world.account.reject(CID)

    world.check()

    assert order.status is OrderStatus.REJECTED


def _hidden_order_checks(
    make_world: WorldFactory, hide_ms: int, interval_ms: int
) -> tuple[list[OrderStatus], OrderStatus]:
    world = make_world()
    world.account.submit_outcome = SubmitOutcome.RESPONSE_LOST
    world.account.hide_new_orders_ms = hide_ms
    order = world.submit("O-1", limit="100")
    statuses = []
    while world.clock.now_ms() < world.t0_ms + hide_ms + 2 * interval_ms:
        world.clock.advance(interval_ms)
        world.check()
        statuses.append(order.status)
    return statuses, order.status


@pytest.mark.parametrize("hide_ms", [0, 1_000, 2_500, 5_000])
def test_venue_hides_new_order_stays_unknown_then_accepted(
    make_world: WorldFactory, hide_ms: int
) -> None:
    statuses, final = _hidden_order_checks(make_world, hide_ms, interval_ms=500)

    hidden_checks = hide_ms // 500 - 1  # the check at exactly hide_ms sees the order
    assert statuses[: max(hidden_checks, 0)] == [OrderStatus.UNKNOWN] * max(hidden_checks, 0)
    assert final is OrderStatus.ACCEPTED


@settings(
    max_examples=CI_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the fixture is a factory
)
@given(hide_ms=st.integers(0, 5_000), interval_ms=st.integers(50, 2_000))
def test_venue_hides_new_order_up_to_5s_no_false_terminal_state(
    make_world: WorldFactory, hide_ms: int, interval_ms: int
) -> None:
    statuses, final = _hidden_order_checks(make_world, hide_ms, interval_ms)

    assert not TERMINAL_SEEN & set(statuses)
    assert final is OrderStatus.ACCEPTED


def test_periodic_checks_run_until_stopped_and_keep_cursors(make_world: WorldFactory) -> None:
    world = make_world(check_interval_ms=10)
    world.submit("O-1", qty="1", limit="100")
    trade = world.account.execute(CID, D(1), D(100))
    results = []
    stop = asyncio.Event()

    def on_result(result: ReconciliationResult) -> None:
        results.append(result)
        if len(results) == 2:
            stop.set()

    asyncio.run(world.reconciler.run_in_flight_checks(world.cursors, stop, on_result))

    assert [r.status for r in results] == [ReconciliationStatus.RECONCILED] * 2
    assert world.order("O-1").status is OrderStatus.FILLED
    assert world.cursors == {SYM: trade.ts_ms + 1}
    # the second check had nothing open to look at: no venue query at all
    assert world.account.calls[-1] == ("fetch_trades_since", str(SYM), str(world.t0_ms))
