"""R5: the startup gate makes the bot agree with the venue, or says why it cannot.

Downtime is simulated by the venue acting without sending reports (the scripted account
only reports on submission). "Reconciled" only when orders, fills and holdings agree; a
missing report is never taken as flat; a foreign fill is never booked.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

from xor_trading.core.errors import RetryableError
from xor_trading.core.ids import OrderId, Symbol, TradeId
from xor_trading.domain.orders import OrderSide, OrderStatus
from xor_trading.execution.reconciliation_result import (
    RECONCILIATION_TAG,
    AssetDifference,
    FillGap,
    ReconciliationStatus,
)

SYM = Symbol("TST/USDT")
T0_MS = 1_700_000_000_000
CID = "xbot1-O-1"
WorldFactory = Callable[..., Any]  # conftest.build_world


def test_reconcile_everything_agrees_reconciled_without_changes(make_world: WorldFactory) -> None:
    world = make_world()
    world.submit("O-1", limit="100")

    result = world.reconcile()

    assert result.status is ReconciliationStatus.RECONCILED
    assert result.status.may_trade
    assert result.reports_applied == 0
    assert result.reasons == ()
    assert world.order("O-1").status is OrderStatus.ACCEPTED
    assert result.trade_cursors_ms == {SYM: T0_MS}


def test_reconcile_fill_during_downtime_books_the_fill(make_world: WorldFactory) -> None:
    world = make_world()
    world.submit("O-1", limit="100")
    world.clock.advance(60_000)
    trade = world.account.execute(CID, D(1), D(100), fee=D("0.1"))

    result = world.reconcile()

    assert result.status is ReconciliationStatus.RECONCILED
    order = world.order("O-1")
    assert (order.status, order.filled_qty, order.average_fill_price) == (
        OrderStatus.FILLED,
        D(1),
        D(100),
    )
    assert [f.fill.trade_id for f in world.fills] == [TradeId(trade.trade_id)]
    assert world.portfolio.position_quantity(SYM) == D(1)
    assert world.portfolio.cash() == D("9899.9")
    assert result.trade_cursors_ms == {SYM: trade.ts_ms + 1}
    assert result.reports_applied == 1


def test_reconcile_partial_fill_during_downtime_partially_filled(make_world: WorldFactory) -> None:
    world = make_world()
    world.submit("O-1", qty="1", limit="100")
    world.account.execute(CID, D("0.4"), D(100))

    result = world.reconcile()

    assert result.status is ReconciliationStatus.RECONCILED
    order = world.order("O-1")
    assert (order.status, order.filled_qty) == (OrderStatus.PARTIALLY_FILLED, D("0.4"))
    assert world.portfolio.position_quantity(SYM) == D("0.4")


def test_reconcile_partial_fill_then_cancel_during_downtime_canceled_with_fills_kept(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.submit("O-1", qty="1", limit="100")
    world.account.execute(CID, D("0.4"), D("99.5"))
    world.account.cancel(CID)

    result = world.reconcile()

    assert result.status is ReconciliationStatus.RECONCILED
    order = world.order("O-1")
    assert (order.status, order.filled_qty, order.average_fill_price) == (
        OrderStatus.CANCELED,
        D("0.4"),
        D("99.5"),
    )
    assert world.portfolio.position_quantity(SYM) == D("0.4")


def test_reconcile_twice_books_each_trade_once(make_world: WorldFactory) -> None:
    world = make_world()
    world.submit("O-1", qty="1", limit="100")
    world.account.execute(CID, D("0.4"), D(100))
    world.account.execute(CID, D("0.6"), D(100))
    first = world.reconcile()
    world.cursors = {SYM: T0_MS}  # the cursor was not persisted: every trade is read again

    second = world.reconcile()

    assert (first.status, second.status) == (ReconciliationStatus.RECONCILED,) * 2
    assert second.reports_applied == 0
    assert len(world.fills) == 2
    assert world.order("O-1").filled_qty == D(1)


@pytest.mark.parametrize("align", [False, True])
def test_reconcile_manual_trade_on_venue_mismatch_never_booked(
    make_world: WorldFactory, align: bool
) -> None:
    world = make_world(align=align, reference_price={SYM: D(100)})
    trade = world.account.manual_trade("web_abc", str(SYM), OrderSide.BUY, D(2), D(100))

    result = world.reconcile()

    assert result.status is ReconciliationStatus.MISMATCH
    assert not result.status.may_trade
    assert result.foreign_trades == (trade,)
    assert result.synthetic_fills == ()
    assert world.fills == []
    assert world.portfolio.position_quantity(SYM) == 0
    assert result.trade_cursors_ms == {SYM: T0_MS}  # not advanced past the unexplained trade


def test_reconcile_venue_omits_trade_report_mismatch_with_fill_gap(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.submit("O-1", qty="1", limit="100")
    trade = world.account.execute(CID, D(1), D(100))
    world.account.omitted_trade_ids.add(trade.trade_id)

    result = world.reconcile()

    assert result.status is ReconciliationStatus.MISMATCH
    assert result.fill_gaps == (FillGap(OrderId("O-1"), D(0), D(1)),)
    assert result.differences == (
        AssetDifference("TST", D(0), D(1)),
        AssetDifference("USDT", D(10_000), D(9_900)),
    )
    assert world.order("O-1").status is OrderStatus.ACCEPTED  # not moved on a guess
    assert world.portfolio.position_quantity(SYM) == 0


def test_reconcile_venue_omits_trade_report_aligned_by_reconciliation_fill(
    make_world: WorldFactory,
) -> None:
    world = make_world(align=True)
    world.submit("O-1", qty="1", limit="100")
    trade = world.account.execute(CID, D(1), D(100))
    world.account.omitted_trade_ids.add(trade.trade_id)

    result = world.reconcile()

    assert result.status is ReconciliationStatus.ALIGNED
    assert result.status.may_trade
    [synthetic] = result.synthetic_fills
    assert synthetic.tag == RECONCILIATION_TAG
    assert synthetic.order_id == OrderId("O-1")
    assert synthetic.fill.trade_id == TradeId("RECONCILIATION:O-1:1")
    assert (synthetic.fill.quantity, synthetic.fill.price) == (D(1), D(100))
    assert world.order("O-1").status is OrderStatus.FILLED
    assert world.portfolio.position_quantity(SYM) == D(1)
    assert world.portfolio.cash() == D(9_900)


def test_reconcile_venue_omits_balance_incomplete_never_flat(make_world: WorldFactory) -> None:
    world = make_world(align=True, reference_price={SYM: D(100)})
    world.submit("O-1", qty="1", limit="100")
    world.account.execute(CID, D(1), D(100))
    world.reconcile()
    world.account.omitted_assets.add("TST")

    result = world.reconcile()

    assert result.status is ReconciliationStatus.INCOMPLETE
    assert not result.status.may_trade
    assert result.unreported_assets == ("TST",)
    assert result.synthetic_fills == ()
    assert world.portfolio.position_quantity(SYM) == D(1)


@pytest.mark.parametrize(
    "query", ["fetch_open_orders", "fetch_order", "fetch_trades_since", "fetch_balances"]
)
def test_reconcile_query_fails_incomplete_and_nothing_applied(
    make_world: WorldFactory, query: str
) -> None:
    world = make_world()
    world.submit("O-1", qty="1", limit="100")
    world.account.execute(CID, D(1), D(100))  # filled: no longer open, queried by client id
    world.account.fail_next(query, RetryableError("The venue timed out.", "retry later"))

    result = world.reconcile()

    assert result.status is ReconciliationStatus.INCOMPLETE
    assert result.reasons == ("A venue query failed: The venue timed out. (retry later)",)
    assert world.order("O-1").status is OrderStatus.ACCEPTED
    assert world.fills == []
    assert result.trade_cursors_ms == {SYM: T0_MS}


def test_reconcile_balance_differs_without_policy_mismatch(make_world: WorldFactory) -> None:
    world = make_world()
    world.account.set_balance("USDT", D(10_500))

    result = world.reconcile()

    assert result.status is ReconciliationStatus.MISMATCH
    assert result.differences == (AssetDifference("USDT", D(10_000), D(10_500)),)


def test_reconcile_position_differs_with_policy_aligned_by_position_fill(
    make_world: WorldFactory,
) -> None:
    world = make_world(align=True, with_quote=False, reference_price={SYM: D(100)})
    world.account.set_balance("TST", D("0.5"))  # e.g. an airdrop: no trade explains it

    result = world.reconcile()

    assert result.status is ReconciliationStatus.ALIGNED
    [synthetic] = result.synthetic_fills
    assert synthetic.order_id is None
    assert (synthetic.fill.side, synthetic.fill.quantity, synthetic.fill.price) == (
        OrderSide.BUY,
        D("0.5"),
        D(100),
    )
    assert [(f.tag, f.fill.quantity) for f in world.fills] == [(RECONCILIATION_TAG, D("0.5"))]
    assert world.portfolio.position_quantity(SYM) == D("0.5")


def test_reconcile_position_differs_without_reference_price_mismatch_nothing_booked(
    make_world: WorldFactory,
) -> None:
    world = make_world(align=True, with_quote=False)
    world.account.set_balance("TST", D("0.5"))

    result = world.reconcile()

    assert result.status is ReconciliationStatus.MISMATCH
    assert result.synthetic_fills == ()
    assert world.portfolio.position_quantity(SYM) == 0


def test_reconcile_quote_differs_with_policy_mismatch(make_world: WorldFactory) -> None:
    world = make_world(align=True, reference_price={SYM: D(100)})
    world.account.set_balance("USDT", D(9_000))

    result = world.reconcile()

    assert result.status is ReconciliationStatus.MISMATCH
    assert result.synthetic_fills == ()


def test_reconcile_unknown_open_order_with_our_prefix_foreign_mismatch(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    foreign = world.account.place("xbot1-O-99", str(SYM), OrderSide.SELL, D(1))
    world.account.place("web_manual", str(SYM), OrderSide.SELL, D(1))  # not ours: ignored

    result = world.reconcile()

    assert result.status is ReconciliationStatus.MISMATCH
    assert result.foreign_orders == (foreign,)
    assert len(world.engine.cache) == 0  # never adopted


def test_reconcile_open_order_without_our_prefix_ignored(make_world: WorldFactory) -> None:
    world = make_world()
    world.account.place("web_manual", str(SYM), OrderSide.SELL, D(1))

    assert world.reconcile().status is ReconciliationStatus.RECONCILED


def test_reconcile_acknowledged_order_missing_at_venue_vanished_mismatch(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.submit("O-1", limit="100")
    del world.account.orders[CID]
    first = world.reconcile()  # not found may be the venue's query lag (R12): not yet final
    world.clock.advance(5_000)
    second = world.reconcile()
    world.clock.advance(5_000)

    result = world.reconcile()  # third answer, 10 s span, request past recvWindow + offset

    assert (first.status, first.vanished_orders) == (ReconciliationStatus.INCOMPLETE, ())
    assert (second.status, second.vanished_orders) == (ReconciliationStatus.INCOMPLETE, ())
    assert result.status is ReconciliationStatus.MISMATCH
    assert result.vanished_orders == (OrderId("O-1"),)
    assert world.order("O-1").status is OrderStatus.ACCEPTED


def test_reconcile_trade_arrives_after_gap_aligned_refused_mismatch(
    make_world: WorldFactory,
) -> None:
    world = make_world(align=True)
    world.submit("O-1", qty="1", limit="100")
    trade = world.account.execute(CID, D(1), D(100))
    world.account.omitted_trade_ids.add(trade.trade_id)
    assert world.reconcile().status is ReconciliationStatus.ALIGNED
    world.account.omitted_trade_ids.clear()  # the real trade shows up late
    world.cursors = {SYM: T0_MS}

    result = world.reconcile()

    assert result.status is ReconciliationStatus.MISMATCH
    assert world.order("O-1").filled_qty == D(1)
    assert world.portfolio.position_quantity(SYM) == D(1)


def test_reconcile_after_restart_restored_trades_not_booked_again(
    make_world: WorldFactory,
) -> None:
    world = make_world(with_quote=False)
    world.submit("O-1", qty="1", limit="100")
    world.account.execute(CID, D("0.4"), D(100))
    world.reconcile()
    # A new process: a fresh world restores the order with its applied trade ids and the
    # position the persisted portfolio had, then reconciles from the old cursor.
    restarted = make_world(with_quote=False, restart_of=world)
    order = world.order("O-1")
    restarted.engine.restore(order, (TradeId("T1"),))
    restarted.portfolio.position(Symbol("TST/USDT")).quantity = D("0.4")
    world.account.execute(CID, D("0.6"), D(101))

    result = restarted.reconcile()

    assert result.status is ReconciliationStatus.RECONCILED
    assert [f.fill.trade_id for f in restarted.fills] == [TradeId("T2")]
    assert order.filled_qty == D(1)
    assert order.filled_value == D(40) + D("60.6")
