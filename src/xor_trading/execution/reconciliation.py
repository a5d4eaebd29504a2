"""Reconciliation: make the bot's orders, fills and holdings agree with the venue's.

Implements the reliability spec, section 3.2 points 2 to 6. :meth:`Reconciler.reconcile` is
the startup / after-reconnect gate (the bot may trade only when
``result.status.may_trade``); :meth:`Reconciler.check_in_flight` is the periodic check of
in-flight and open orders, run every ``in_flight_check_interval_ms`` by
:meth:`Reconciler.run_in_flight_checks`. Both read the venue only through
:class:`~xor_trading.execution.ports.AccountQueryPort` and change local state only by
feeding execution reports to the :class:`~xor_trading.execution.engine.ExecutionEngine`
(whose portfolio follows on the bus). Times are UTC epoch milliseconds of the injected
clock; quantities exact ``Decimal``.

The rules, in the order a run applies them:

1. **Read first, then apply.** Open orders, each local open order's venue order, trades
   since each symbol's cursor and (full runs) balances are all read before anything
   changes. A failed query (any :class:`~xor_trading.core.errors.XorError`) ends the run
   ``INCOMPLETE`` with nothing applied: a missing answer is never taken as "no orders",
   "no fills" or "flat". Any other exception is a bug and propagates, also with nothing
   applied.
2. **Query, never re-send.** A local open order (SUBMITTED, UNKNOWN, PENDING_CANCEL or
   working) that is not among the venue's open orders is queried by its client order id
   (the injected ``client_order_id`` mapping). The reconciler never submits anything.
3. **Found: move the order to the venue's truth** with the reports the engine knows:
   accepted (venue order id learned), then every trade of that venue order as a fill (rule
   4), then canceled or expired. A venue REJECTED becomes REJECTED for an order without
   fills. A venue order whose symbol, side, quantity or venue id contradicts ours is a
   mismatch and is left alone.
4. **Fills are facts keyed by venue trade id.** Every trade since the cursor whose venue
   order id belongs to a known order (open or not) is fed as a fill, oldest first; the
   engine applies each (symbol, trade id) once, books a fill after a cancel as a late fill
   and refuses a fill beyond the order quantity (reported as a mismatch). A venue order
   snapshot that shows *less* filled than the trades never voids a fill.
5. **Not found.** "Not found" counts toward the UNKNOWN resolution policy
   (:mod:`~xor_trading.execution.unknown_resolution`); before it is final the order stays
   as it is and the run is ``INCOMPLETE`` (a venue shows a new order late, R12). Once
   final, an order never acknowledged (no venue id, no fill, never working) in SUBMITTED
   or UNKNOWN becomes REJECTED(``inflight_timeout``), in PENDING_CANCEL CANCELED
   (``inflight_timeout``); an order the venue had acknowledged is *vanished*: mismatch.
6. **Foreign orders.** An open venue order whose client id has our prefix and that no
   local order owns is reported in ``foreign_orders`` (mismatch); it is never adopted.
   Orders without our prefix (other bots' orders, the account holder's manual orders) are
   ignored.
7. **Foreign fills.** A trade on a venue order that no local order owns (a manual trade on
   the bot's symbol, another process trading the bot's account, or a lost intent) is
   reported in ``foreign_trades`` and is a mismatch under every policy: the reconciler
   cannot tell whose it is, so a person decides. It is never booked. Exception: with a
   ``sibling_client_order_id_pattern`` the venue order of each such trade is looked up
   (by venue order id); a trade whose order carries *another* bot's client id (it matches
   the pattern, not our prefix) is that bot's: it is ignored and returned in
   ``sibling_trades``. It moves the account's holdings, so the holdings expected in rule 9
   include it (the caller moves its baseline by it once the cursor passed it).
8. **Fill gaps.** A venue order that says it filled more than its known trades add up to
   (the venue omitted a trade report, or the trade is older than the cursor) is a gap.
   Full run: aligned by a synthetic fill on that order (trade id ``RECONCILIATION:...``,
   at the order's limit price or the reference price, no fee) when policy allows, else a
   mismatch. Periodic check: ``INCOMPLETE`` (the trades may only lag the order).
9. **Holdings (full runs).** The holdings view is compared with the venue's balances per
   asset (:mod:`~xor_trading.execution.position_check`): an asset the venue omits is
   unreported (``INCOMPLETE``, never flat); a difference is aligned by a synthetic
   position fill tagged ``RECONCILIATION`` (published as ``OrderFilled`` on the bus) when
   policy allows and the asset is the base of exactly one instrument with a reference
   price, else a mismatch. Holdings are compared again after aligning; what still differs
   is a mismatch.
10. **Precedence.** ``INCOMPLETE`` before ``MISMATCH`` (a difference seen while something
    is unknown may be explained by it) before ``ALIGNED`` before ``RECONCILED``. Nothing is
    aligned unless everything else agrees, and no position fill is booked unless every
    difference can be aligned.
11. **Trade cursors.** A successful run (reconciled or aligned) returns, per symbol read,
    one millisecond past its newest trade (never earlier than the cursor given); any other
    run returns the cursors unchanged, so nothing unexplained is skipped. A trade the venue
    shows late with a time at or before an advanced cursor is not re-read; the next full
    run's holdings comparison then fails closed.

Before the first run after a restart the caller restores every order that may still be
working or may own a trade at or after the cursors (:meth:`ExecutionEngine.restore`, with
its applied trade ids); an intent recorded but perhaps never sent is restored as UNKNOWN.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.core.errors import InvalidOrderTransition, XorError
from xor_trading.core.ids import OrderId, StrategyId, Symbol, TradeId, VenueOrderId
from xor_trading.domain.events import OrderFilled
from xor_trading.domain.fills import Fill, Liquidity
from xor_trading.domain.instruments import Instrument
from xor_trading.domain.orders import Order, OrderSide, OrderStatus
from xor_trading.execution.engine import ExecutionEngine
from xor_trading.execution.ports import AccountQueryPort
from xor_trading.execution.position_check import (
    HoldingsComparison,
    compare_holdings,
    instrument_for_base,
    position_alignment_fill,
)
from xor_trading.execution.reconciliation_config import ReconciliationConfig
from xor_trading.execution.reconciliation_result import (
    RECONCILIATION_TAG,
    FillGap,
    ReconciliationResult,
    ReconciliationStatus,
    SyntheticFill,
)
from xor_trading.execution.reports import (
    ExecutionReport,
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderFilledReport,
    OrderRejectedReport,
)
from xor_trading.execution.unknown_resolution import INFLIGHT_TIMEOUT_REASON, UnknownResolver
from xor_trading.execution.venue_snapshot import VenueSnapshot, read_venue_snapshot
from xor_trading.execution.venue_state import VenueOrder, VenueOrderStatus, VenueTrade

ClientOrderIdOf = Callable[[OrderId], str]
"""The client order id the venue knows an order by."""
RequestTimestampOf = Callable[[Order], int]
"""The ``timestamp`` (epoch ms) of the signed request that submitted an order."""
HoldingsView = Callable[[], Mapping[str, Decimal]]
"""What the bot believes the venue holds per asset, for the assets to compare."""
ReferencePrice = Callable[[Symbol], Decimal | None]
"""A recent price of a symbol, to price synthetic fills; None when there is none."""

RECONCILIATION_STRATEGY = StrategyId("reconciliation")

_S = OrderStatus
_IN_FLIGHT = frozenset({_S.SUBMITTED, _S.UNKNOWN, _S.PENDING_CANCEL})
_NOT_ACKNOWLEDGED = frozenset({_S.SUBMITTED, _S.UNKNOWN})
_WORKING = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})


class _RunNotes:
    """What one run found; turned into a :class:`ReconciliationResult` at the end."""

    def __init__(self) -> None:
        self.reports_applied = 0
        self.mismatch: list[str] = []
        self.incomplete: list[str] = []
        self.skipped: set[OrderId] = set()  # orders that contradict the venue: left alone
        self.vanished: list[OrderId] = []
        self.foreign_orders: list[VenueOrder] = []
        self.foreign_trades: list[VenueTrade] = []
        self.synthetic: list[SyntheticFill] = []
        self.sibling_trades: list[VenueTrade] = []


class Reconciler:
    def __init__(
        self,
        engine: ExecutionEngine,
        account: AccountQueryPort,
        clock: Clock,
        bus: MessageBus,
        instruments: Mapping[Symbol, Instrument],
        config: ReconciliationConfig,
        *,
        client_order_id: ClientOrderIdOf,
        request_ts_ms: RequestTimestampOf,
        holdings: HoldingsView,
        reference_price: ReferencePrice | None = None,
    ) -> None:
        self._engine = engine
        self._account = account
        self._clock = clock
        self._bus = bus
        self._instruments = instruments
        self._config = config
        self._client_order_id = client_order_id
        self._request_ts_ms = request_ts_ms
        self._holdings = holdings
        self._reference_price = reference_price
        self._resolver = UnknownResolver(config.unknown)
        pattern = config.sibling_client_order_id_pattern
        self._sibling = None if pattern is None else re.compile(pattern)

    # -- entry points ---------------------------------------------------------------------

    async def reconcile(self, trade_cursors_ms: Mapping[Symbol, int]) -> ReconciliationResult:
        """The startup / after-reconnect gate: orders, fills and holdings (rules 1-11)."""
        return await self._run(trade_cursors_ms, full=True)

    async def check_in_flight(self, trade_cursors_ms: Mapping[Symbol, int]) -> ReconciliationResult:
        """The periodic check: open and in-flight orders and their fills, no holdings."""
        return await self._run(trade_cursors_ms, full=False)

    async def run_in_flight_checks(
        self,
        trade_cursors_ms: dict[Symbol, int],
        stop: asyncio.Event,
        on_result: Callable[[ReconciliationResult], None],
    ) -> None:
        """Check every ``in_flight_check_interval_ms`` until ``stop`` is set; ``trade_cursors_ms``
        is kept up to date in place (persist it from ``on_result``)."""
        interval_s = self._config.in_flight_check_interval_ms / 1000
        while not stop.is_set():
            result = await self.check_in_flight(trade_cursors_ms)
            trade_cursors_ms.update(result.trade_cursors_ms)
            on_result(result)
            with contextlib.suppress(TimeoutError):  # the interval passed without a stop
                await asyncio.wait_for(stop.wait(), interval_s)

    # -- one run --------------------------------------------------------------------------

    async def _run(self, cursors_in: Mapping[Symbol, int], full: bool) -> ReconciliationResult:
        local = [o for o in self._engine.cache.all() if o.status.is_open]
        cursors = self._cursors_to_read(cursors_in, local, full)
        known_venue_ids = (
            None
            if self._sibling is None
            else {o.venue_order_id for o in self._engine.cache.all() if o.venue_order_id}
        )
        try:
            snapshot = await read_venue_snapshot(
                self._account,
                local,
                self._client_order_id,
                cursors,
                with_balances=full,
                known_venue_order_ids=known_venue_ids,
            )
        except XorError as exc:
            return ReconciliationResult(
                ReconciliationStatus.INCOMPLETE,
                dict(cursors_in),
                reasons=(f"A venue query failed: {exc.one_line()}",),
            )
        before = {o.order_id: o.status for o in local}
        notes = _RunNotes()
        self._apply_acknowledgements(local, snapshot, notes)
        self._apply_not_found(local, snapshot, notes)
        self._apply_trades(snapshot, notes)
        self._apply_end_states(local, snapshot, notes)
        self._find_foreign_orders(snapshot, notes)
        resolved = tuple(
            o.order_id
            for o in local
            if before[o.order_id] in _IN_FLIGHT and o.status not in _IN_FLIGHT
        )
        unresolved = tuple(o.order_id for o in local if o.status in _NOT_ACKNOWLEDGED)
        if unresolved:
            notes.incomplete.append(
                f"{len(unresolved)} order(s) are still unknown at the venue; run again later."
            )
        gaps = self._fill_gaps(local, snapshot, notes)
        comparison = None
        if full:
            assert snapshot.balances is not None
            comparison = compare_holdings(self._expected_holdings(notes), snapshot.balances)
            if comparison.unreported_assets:
                notes.incomplete.append(
                    "The venue did not report a balance for "
                    f"{', '.join(comparison.unreported_assets)}; a missing balance is not zero."
                )
        elif gaps:
            notes.incomplete.append(
                f"{len(gaps)} order(s) show more filled at the venue than their known trades; "
                "the trades may lag, the next check or a full reconciliation decides."
            )
        status = self._decide(notes, gaps, comparison, snapshot)

        # ``differences`` and ``fill_gaps`` are what was found, before any alignment.
        return ReconciliationResult(
            status=status,
            trade_cursors_ms=self._next_cursors(cursors_in, snapshot, status),
            reasons=tuple(notes.incomplete + notes.mismatch),
            reports_applied=notes.reports_applied,
            resolved_orders=resolved,
            unresolved_orders=unresolved,
            vanished_orders=tuple(notes.vanished),
            foreign_orders=tuple(notes.foreign_orders),
            foreign_trades=tuple(notes.foreign_trades),
            fill_gaps=gaps,
            differences=comparison.differences if comparison else (),
            unreported_assets=comparison.unreported_assets if comparison else (),
            synthetic_fills=tuple(notes.synthetic),
            sibling_trades=tuple(notes.sibling_trades),
        )

    def _decide(
        self,
        notes: _RunNotes,
        gaps: tuple[FillGap, ...],
        comparison: HoldingsComparison | None,
        snapshot: VenueSnapshot,
    ) -> ReconciliationStatus:
        if notes.incomplete:
            return ReconciliationStatus.INCOMPLETE
        if notes.mismatch:
            return ReconciliationStatus.MISMATCH
        differs = bool(comparison and comparison.differences)
        if not gaps and not differs:
            return ReconciliationStatus.RECONCILED
        if not self._config.align_with_synthetic_fills:
            notes.mismatch.append(
                "Local orders or holdings differ from the venue and the policy does not allow "
                "aligning them; halt the bot and have an operator reconcile."
            )
            return ReconciliationStatus.MISMATCH
        if not self._align_gaps(gaps, notes):
            return ReconciliationStatus.MISMATCH
        assert snapshot.balances is not None
        if not self._align_positions(snapshot, notes):
            return ReconciliationStatus.MISMATCH
        return ReconciliationStatus.ALIGNED

    # -- applying the venue's truth ---------------------------------------------------------

    def _feed(self, report: ExecutionReport, order: Order, notes: _RunNotes) -> None:
        state = (order.status, order.filled_qty)
        try:
            self._engine.on_report(report)
        except (InvalidOrderTransition, LookupError) as exc:
            notes.mismatch.append(
                f"The venue's report for order {order.order_id} was refused: {exc}"
            )
            notes.skipped.add(order.order_id)
            return
        if (order.status, order.filled_qty) != state:
            notes.reports_applied += 1

    def _contradiction(self, order: Order, venue: VenueOrder) -> str | None:
        if order.venue_order_id is not None and order.venue_order_id != venue.venue_order_id:
            return f"venue order id {venue.venue_order_id}, ours {order.venue_order_id}"
        if venue.symbol != order.symbol or venue.side is not order.side:
            return f"{venue.side.value} {venue.symbol}, ours {order.side.value} {order.symbol}"
        if venue.quantity != order.quantity or venue.filled_quantity > order.quantity:
            return (
                f"quantity {venue.quantity} filled {venue.filled_quantity}, ours {order.quantity}"
            )
        return None

    def _apply_acknowledgements(
        self, local: list[Order], snapshot: VenueSnapshot, notes: _RunNotes
    ) -> None:
        now_ms = self._clock.now_ms()
        for order in local:
            venue = snapshot.orders[order.order_id]
            if venue is None:
                continue
            self._resolver.observe_found(order.order_id)
            contradiction = self._contradiction(order, venue)
            if contradiction is not None:
                notes.mismatch.append(
                    f"The venue's order for {order.order_id} contradicts ours ({contradiction})."
                )
                notes.skipped.add(order.order_id)
                continue
            if venue.status is VenueOrderStatus.REJECTED:
                if order.filled_qty == 0 and order.status in _NOT_ACKNOWLEDGED:
                    self._feed(
                        OrderRejectedReport(order.order_id, "rejected by the venue", now_ms),
                        order,
                        notes,
                    )
                else:
                    notes.mismatch.append(
                        f"The venue says order {order.order_id} was rejected, "
                        f"but it is {order.status.value} here."
                    )
                    notes.skipped.add(order.order_id)
                continue
            if order.status in _NOT_ACKNOWLEDGED or order.venue_order_id is None:
                accepted = OrderAcceptedReport(
                    order.order_id, VenueOrderId(venue.venue_order_id), now_ms
                )
                self._feed(accepted, order, notes)

    def _apply_not_found(
        self, local: list[Order], snapshot: VenueSnapshot, notes: _RunNotes
    ) -> None:
        now_ms = self._clock.now_ms()
        for order in local:
            if snapshot.orders[order.order_id] is not None:
                continue
            acknowledged = (
                order.venue_order_id is not None
                or order.filled_qty > 0
                or any(s in _WORKING for s in (*order.history, order.status))
            )
            if acknowledged:
                # The venue's queries lag its matching engine (R12): a new order it
                # acknowledged may not show yet. Vanished only once "not found" is final.
                if not self._resolver.observe_not_found(
                    order.order_id, self._request_ts_ms(order), now_ms
                ):
                    notes.incomplete.append(
                        f"The venue does not show order {order.order_id}, which it "
                        "acknowledged; asking again later."
                    )
                    continue
                notes.vanished.append(order.order_id)
                notes.mismatch.append(
                    f"The venue no longer knows order {order.order_id}, which it had acknowledged."
                )
                continue
            if not self._resolver.observe_not_found(
                order.order_id, self._request_ts_ms(order), now_ms
            ):
                continue
            report: ExecutionReport
            if order.status is _S.PENDING_CANCEL:
                report = OrderCanceledReport(order.order_id, INFLIGHT_TIMEOUT_REASON, now_ms)
            else:
                report = OrderRejectedReport(order.order_id, INFLIGHT_TIMEOUT_REASON, now_ms)
            self._feed(report, order, notes)

    def _apply_trades(self, snapshot: VenueSnapshot, notes: _RunNotes) -> None:
        owner = {
            o.venue_order_id: o for o in self._engine.cache.all() if o.venue_order_id is not None
        }
        for trades in snapshot.trades.values():
            for trade in trades:
                order = owner.get(VenueOrderId(trade.venue_order_id))
                if order is None and self._is_siblings(snapshot, trade):
                    notes.sibling_trades.append(trade)
                    continue
                if order is None or order.symbol != trade.symbol:
                    notes.foreign_trades.append(trade)
                    notes.mismatch.append(
                        f"The venue reports trade {trade.trade_id} on {trade.symbol} for order "
                        f"{trade.venue_order_id}, which this bot never sent."
                    )
                    continue
                if order.order_id in notes.skipped:
                    continue
                if trade.side is not order.side:
                    notes.mismatch.append(
                        f"Trade {trade.trade_id} is a {trade.side.value}, order "
                        f"{order.order_id} a {order.side.value}."
                    )
                    notes.skipped.add(order.order_id)
                    continue
                self._feed(OrderFilledReport(_fill_of(trade, order)), order, notes)

    def _is_siblings(self, snapshot: VenueSnapshot, trade: VenueTrade) -> bool:
        """Whether ``trade`` belongs to an order of another bot on this account (rule 7)."""
        client_id = snapshot.trade_owners.get(trade.venue_order_id)
        return (
            self._sibling is not None
            and client_id is not None
            and not client_id.startswith(self._config.client_order_id_prefix)
            and self._sibling.match(client_id) is not None
        )

    def _expected_holdings(self, notes: _RunNotes) -> dict[str, Decimal]:
        """The holdings view plus what the other bots' trades of this run moved (rule 9)."""
        expected = dict(self._holdings())
        for asset, delta in sibling_base_deltas(notes.sibling_trades, self._instruments).items():
            if asset in expected:
                expected[asset] += delta
        return expected

    def _apply_end_states(
        self, local: list[Order], snapshot: VenueSnapshot, notes: _RunNotes
    ) -> None:
        now_ms = self._clock.now_ms()
        for order in local:
            venue = snapshot.orders[order.order_id]
            if venue is None or order.order_id in notes.skipped or order.status.is_terminal:
                continue
            if venue.status is VenueOrderStatus.CANCELED:
                self._feed(
                    OrderCanceledReport(order.order_id, "canceled at the venue", now_ms),
                    order,
                    notes,
                )
            elif venue.status is VenueOrderStatus.EXPIRED:
                self._feed(
                    OrderExpiredReport(order.order_id, "expired at the venue", now_ms),
                    order,
                    notes,
                )

    def _find_foreign_orders(self, snapshot: VenueSnapshot, notes: _RunNotes) -> None:
        prefix = self._config.client_order_id_prefix
        known = {self._client_order_id(o.order_id) for o in self._engine.cache.all()}
        for venue in snapshot.open_orders:
            if venue.client_order_id.startswith(prefix) and venue.client_order_id not in known:
                notes.foreign_orders.append(venue)
                notes.mismatch.append(
                    f"The venue has an open order {venue.client_order_id} with this bot's "
                    "prefix that the bot does not know; it was not adopted."
                )

    def _fill_gaps(
        self, local: list[Order], snapshot: VenueSnapshot, notes: _RunNotes
    ) -> tuple[FillGap, ...]:
        gaps = []
        for order in local:
            venue = snapshot.orders[order.order_id]
            if venue is None or order.order_id in notes.skipped:
                continue
            if venue.filled_quantity > order.filled_qty:
                gaps.append(FillGap(order.order_id, order.filled_qty, venue.filled_quantity))
        return tuple(gaps)

    # -- aligning (policy) ------------------------------------------------------------------

    def _price(self, symbol: Symbol) -> Decimal | None:
        price = None if self._reference_price is None else self._reference_price(symbol)
        return price if price is not None and price > 0 else None

    def _align_gaps(self, gaps: tuple[FillGap, ...], notes: _RunNotes) -> bool:
        planned = []
        for gap in gaps:
            order = self._engine.cache.get(gap.order_id)
            assert order is not None
            price = (
                order.limit_price if order.limit_price is not None else self._price(order.symbol)
            )
            if price is None:
                notes.mismatch.append(
                    f"Order {order.order_id} misses {gap.venue_filled - gap.local_filled} of fills "
                    "and no price is known to align it."
                )
                return False
            planned.append((order, gap, price))
        now_ms = self._clock.now_ms()
        for order, gap, price in planned:
            fill = Fill(
                trade_id=TradeId(f"{RECONCILIATION_TAG}:{order.order_id}:{gap.venue_filled}"),
                order_id=order.order_id,
                symbol=order.symbol,
                side=order.side,
                price=price,
                quantity=gap.venue_filled - gap.local_filled,
                fee=Decimal(0),
                fee_currency=self._quote_of(order.symbol),
                liquidity=Liquidity.TAKER,
                ts_ms=now_ms,
            )
            self._feed(OrderFilledReport(fill), order, notes)
            notes.synthetic.append(
                SyntheticFill(fill, order.order_id, "the venue reports fills without their trades")
            )
        return not notes.mismatch

    def _align_positions(self, snapshot: VenueSnapshot, notes: _RunNotes) -> bool:
        assert snapshot.balances is not None
        comparison = compare_holdings(self._expected_holdings(notes), snapshot.balances)
        planned = []
        for difference in comparison.differences:
            instrument = instrument_for_base(difference.asset, self._instruments.values())
            price = None if instrument is None else self._price(instrument.symbol)
            if instrument is None or price is None:
                notes.mismatch.append(
                    f"The bot holds {difference.local} {difference.asset}, the venue "
                    f"{difference.venue}; no fill can align it (no single instrument with this "
                    "base asset, or no reference price)."
                )
                return False
            planned.append(
                position_alignment_fill(difference, instrument, price, self._clock.now_ms())
            )
        for fill in planned:
            self._bus.publish(OrderFilled(fill, RECONCILIATION_STRATEGY, RECONCILIATION_TAG))
            notes.synthetic.append(
                SyntheticFill(fill, None, "the venue's balance differs from the bot's position")
            )
        after = compare_holdings(self._expected_holdings(notes), snapshot.balances)
        if after.differences:
            notes.mismatch.extend(
                f"After aligning, the bot holds {d.local} {d.asset} and the venue {d.venue}."
                for d in after.differences
            )
            return False
        return True

    # -- cursors and small lookups ----------------------------------------------------------

    def _cursors_to_read(
        self, cursors_in: Mapping[Symbol, int], local: list[Order], full: bool
    ) -> dict[Symbol, int]:
        """Full runs read every cursor given; checks only the symbols with open orders. A
        symbol with open orders and no cursor is read from its oldest open order."""
        cursors = dict(cursors_in) if full else {}
        for order in local:
            start = cursors_in.get(order.symbol, order.created_ms)
            cursors[order.symbol] = min(cursors.get(order.symbol, start), start)
        return cursors

    @staticmethod
    def _next_cursors(
        cursors_in: Mapping[Symbol, int], snapshot: VenueSnapshot, status: ReconciliationStatus
    ) -> dict[Symbol, int]:
        cursors = dict(cursors_in)
        if not status.may_trade:
            return cursors
        for symbol, trades in snapshot.trades.items():
            if trades:
                newest = max(t.ts_ms for t in trades) + 1
                cursors[symbol] = max(cursors.get(symbol, newest), newest)
        return cursors

    def _quote_of(self, symbol: Symbol) -> str:
        instrument = self._instruments.get(symbol)
        return instrument.quote if instrument is not None else symbol.rsplit("/", 1)[-1]


def sibling_base_deltas(
    trades: Iterable[VenueTrade], instruments: Mapping[Symbol, Instrument]
) -> dict[str, Decimal]:
    """How much of each base asset ``trades`` added to the account (negative: removed): a
    buy adds its quantity, a sell removes it, a fee paid in the base asset removes it."""
    deltas: dict[str, Decimal] = {}
    for trade in trades:
        instrument = instruments.get(Symbol(trade.symbol))
        if instrument is None:
            continue
        base = instrument.base
        signed = trade.quantity if trade.side is OrderSide.BUY else -trade.quantity
        if trade.fee_currency == base:
            signed -= trade.fee
        deltas[base] = deltas.get(base, Decimal(0)) + signed
    return deltas


def _fill_of(trade: VenueTrade, order: Order) -> Fill:
    return Fill(
        trade_id=TradeId(trade.trade_id),
        order_id=order.order_id,
        symbol=order.symbol,
        side=trade.side,
        price=trade.price,
        quantity=trade.quantity,
        fee=trade.fee,
        fee_currency=trade.fee_currency,
        liquidity=Liquidity.MAKER if trade.is_maker else Liquidity.TAKER,
        ts_ms=trade.ts_ms,
    )
