"""The bus recorder: writes what one bot's engines publish into the database.

Engines never import persistence; this class only listens. Attach one per bot kernel::

    BusRecorder(database, kernel.bus, clock, owner_id=..., bot_id=..., strategy="sma_cross",
                orders=kernel.execution.cache)

What it records, and when
-------------------------
* ``OrderStatusChanged``: the order row. The first event of an order (the engine's
  ``initialized``, published *before* the venue is called) inserts it as
  ``pending_submit``; later events update its status, reason and venue order id. Order
  details (side, type, quantity, prices) come from ``orders`` (the execution engine's
  order cache, read only) because the event carries only the status.
* ``OrderDenied``: an order row in status ``denied`` (reason = the rule's sentence) and a
  ``denial`` risk event.
* ``PositionChanged`` then ``OrderFilled`` (the portfolio publishes the position change
  while handling the fill, so it arrives first): one transaction inserts the fill, updates
  the order's filled quantity and average price, the position row, closes a round trip
  into ``trades`` when the position goes flat or reverses, and appends a PnL snapshot.
* ``BreakerTripped``/``BreakerReset``/``KillSwitchEngaged``/``KillSwitchRearmed``: a risk
  event each.
* ``CandleClosed``: only remembers the close as the mark price; a PnL snapshot is written at
  most once per ``snapshot_interval_ms`` of clock time.

Transactions: one short transaction per event, committed before the handler returns
(not batched). That is what makes an order intent durable before the engine sends it, at a
cost of one commit per order event (about a millisecond on SQLite WAL) — fine for paper and
live bots, which is where a recorder belongs (backtests keep their results in memory).

Idempotence: a fill is applied once. ``(bot_id, venue_trade_id)`` is unique; a fill whose
trade id is already recorded (an event delivered twice) changes nothing, and the position
change that came with it is dropped too. A denial delivered twice is recorded once (its
client order id is unique).

Failures propagate: if the database refuses a write, the handler raises into the engine's
``publish``. For an order intent that aborts the submission, so no order is sent without
its intent committed; the bot's runner decides whether to pause.

Limits: a round trip open when the recorder starts (a restart) is continued from the
position row: its entry is the row's quantity at its average price, entered at the row's
``updated_at``. Amounts in snapshots and trades are in the bot's quote currency.

Fees: the fill row keeps the fee as charged (``fee``, ``fee_currency``); fee totals (PnL
snapshots, a trade's ``fees``) add its quote value: a commission in the base asset at the
fill price, one in a third asset (BNB) at zero (no price source; the fill rows have it). A
trade's quantities follow the position (``PositionChanged``), so a buy whose commission
was taken in the base asset enters what the account received, and the round trip closes
when the position is flat though dust below one lot is still held (``domain/positions.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.core.crash_points import crash_point
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.events import (
    CandleClosed,
    OrderDenied,
    OrderFilled,
    OrderStatusChanged,
    PositionChanged,
)
from xor_trading.domain.orders import Order, OrderStatus
from xor_trading.domain.positions import base_and_quote, fee_in_quote
from xor_trading.persistence.database import Database, DbSession
from xor_trading.persistence.repositories.orders import (
    client_order_id_for,
    fill_exists,
    get_order_by_client_id,
)
from xor_trading.persistence.repositories.positions import get_position
from xor_trading.persistence.tables.orders import FillRow, OrderRow, RecordedOrderStatus
from xor_trading.persistence.tables.pnl import PnlSnapshotRow
from xor_trading.persistence.tables.positions import PositionRow
from xor_trading.persistence.tables.risk_events import RiskEventKind, RiskEventRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.risk.events import (
    KILL_SWITCH,
    BreakerReset,
    BreakerTripped,
    KillSwitchEngaged,
    KillSwitchRearmed,
)

ZERO = Decimal(0)
PRICE_QUANTUM = Decimal("1e-18")
"""Derived prices (averages) are rounded half-even to the 18 decimals the columns hold."""


def to_datetime(ts_ms: int) -> datetime:
    """UTC epoch milliseconds as an aware UTC datetime, exactly (no float division)."""
    return datetime.fromtimestamp(ts_ms // 1000, UTC) + timedelta(milliseconds=ts_ms % 1000)


def to_ms(at: datetime) -> int:
    """An aware datetime as UTC epoch milliseconds (the inverse of :func:`to_datetime`)."""
    return (at - _EPOCH) // timedelta(milliseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def average(value: Decimal, quantity: Decimal) -> Decimal:
    """``value / quantity`` rounded to :data:`PRICE_QUANTUM` (zero when ``quantity`` is)."""
    return (value / quantity).quantize(PRICE_QUANTUM) if quantity else ZERO


def recorded_status(status: OrderStatus) -> RecordedOrderStatus:
    """The stored status of an engine status: ``initialized`` is recorded as ``pending_submit``."""
    if status is OrderStatus.INITIALIZED:
        return RecordedOrderStatus.PENDING_SUBMIT
    return RecordedOrderStatus(status.value)


def order_intent_row(owner_id: str, bot_id: str, order: Order, at: datetime) -> OrderRow:
    """The ``pending_submit`` row of ``order``, the intent (also written by the journal)."""
    return OrderRow(
        owner_id=owner_id,
        bot_id=bot_id,
        client_order_id=client_order_id_for(bot_id, order.order_id),
        engine_order_id=order.order_id,
        venue_order_id=order.venue_order_id,
        symbol=order.symbol,
        side=order.side.value,
        type=order.order_type.value,
        time_in_force=order.time_in_force.value,
        status=RecordedOrderStatus.PENDING_SUBMIT.value,
        quantity=order.quantity,
        price=order.limit_price,
        stop_price=order.stop_price,
        filled_quantity=ZERO,
        average_price=None,
        tag=order.tag,
        reason=order.reason,
        created_at=to_datetime(order.created_ms),
        updated_at=at,
    )


TradeClosedHook = Callable[[DbSession, TradeRow], None]
"""Called in the transaction that records a closed round trip (the platform fee)."""


class OrderSource(Protocol):
    """Where the recorder reads an order's details (the execution engine's ``OrderCache``)."""

    def get(self, order_id: OrderId) -> Order | None: ...


@dataclass(slots=True)
class _OpenTrade:
    side: str
    entry_ms: int
    entry_qty: Decimal = ZERO
    entry_value: Decimal = ZERO
    exit_qty: Decimal = ZERO
    exit_value: Decimal = ZERO
    fees: Decimal = ZERO
    realised: Decimal = ZERO
    exit_tag: str = ""


@dataclass(slots=True)
class _Holding:
    quantity: Decimal
    average_price: Decimal


class BusRecorder:
    """Records one bot's orders, fills, positions, trades, PnL and risk events (see module)."""

    def __init__(
        self,
        database: Database,
        bus: MessageBus,
        clock: Clock,
        *,
        owner_id: str,
        bot_id: str,
        strategy: str,
        orders: OrderSource,
        starting_equity: Decimal = ZERO,
        snapshot_interval_ms: int = 60_000,
        intents_journaled: bool = False,
        on_trade_closed: TradeClosedHook | None = None,
    ) -> None:
        """``intents_journaled``: an intent journal writes each order's ``pending_submit``
        row (fenced), so the ``initialized`` event inserts nothing here. ``on_trade_closed``
        runs in the transaction that records each closed round trip, after its row."""
        self._db = database
        self._clock = clock
        self.owner_id = owner_id
        self.bot_id = bot_id
        self.strategy = strategy
        self._orders = orders
        self._starting_equity = starting_equity
        self._snapshot_interval_ms = snapshot_interval_ms
        self._intents_journaled = intents_journaled
        self._on_trade_closed = on_trade_closed
        self._pending_positions: dict[Symbol, PositionChanged] = {}
        self._open_trades: dict[str, _OpenTrade] = {}
        self._holdings: dict[str, _Holding] = {}
        self._marks: dict[str, Decimal] = {}
        self._realised, self._fees, self._last_snapshot_ms = self._load_totals()
        bus.subscribe(OrderStatusChanged, self._on_status)
        bus.subscribe(OrderDenied, self._on_denied)
        bus.subscribe(PositionChanged, self._on_position)
        bus.subscribe(OrderFilled, self._on_fill)
        bus.subscribe(CandleClosed, self._on_candle)
        bus.subscribe(BreakerTripped, self._on_risk_event)
        bus.subscribe(BreakerReset, self._on_risk_event)
        bus.subscribe(KillSwitchEngaged, self._on_risk_event)
        bus.subscribe(KillSwitchRearmed, self._on_risk_event)

    def _load_totals(self) -> tuple[Decimal, Decimal, int | None]:
        """Cumulative realised PnL and fees from the bot's last snapshot (restart)."""
        with self._db.read_session() as session:
            last = session.scalar(
                select(PnlSnapshotRow)
                .where(PnlSnapshotRow.bot_id == self.bot_id)
                .order_by(PnlSnapshotRow.at.desc(), PnlSnapshotRow.id.desc())
                .limit(1)
            )
            if last is None:
                return ZERO, ZERO, None
            return last.realised_pnl, last.fees, to_ms(last.at)

    # -- orders ---------------------------------------------------------------------------

    def _on_status(self, event: OrderStatusChanged) -> None:
        if self._intents_journaled and event.status is OrderStatus.INITIALIZED:
            return  # the journal writes the intent row, fenced, right after this event
        order = self._orders.get(event.order_id)
        if order is None:
            raise LookupError(
                f"status of an order the order source does not know: {event.order_id}"
            )
        if event.status is OrderStatus.ACCEPTED:
            crash_point("after_ack_before_persist")  # R4 tests only; a no-op otherwise
        at = to_datetime(event.ts_ms)
        with self._db.session() as session:
            row = get_order_by_client_id(session, client_order_id_for(self.bot_id, order.order_id))
            if row is None:
                row = self._new_order_row(order, at)
                session.add(row)
            row.status = recorded_status(event.status).value
            row.reason = event.reason or row.reason
            row.venue_order_id = order.venue_order_id or row.venue_order_id
            row.updated_at = at

    def _new_order_row(self, order: Order, at: datetime) -> OrderRow:
        return order_intent_row(self.owner_id, self.bot_id, order, at)

    def _on_denied(self, event: OrderDenied) -> None:
        cmd = event.command
        client_id = client_order_id_for(self.bot_id, cmd.order_id)
        at = to_datetime(event.ts_ms)
        with self._db.session() as session:
            if get_order_by_client_id(session, client_id) is not None:
                return  # delivered twice
            session.add(
                OrderRow(
                    owner_id=self.owner_id,
                    bot_id=self.bot_id,
                    client_order_id=client_id,
                    symbol=cmd.symbol,
                    side=cmd.side.value,
                    type=cmd.order_type.value,
                    time_in_force=cmd.time_in_force.value,
                    status=RecordedOrderStatus.DENIED.value,
                    quantity=cmd.quantity,
                    price=cmd.limit_price,
                    stop_price=cmd.stop_price,
                    filled_quantity=ZERO,
                    tag=cmd.tag,
                    reason=event.message,
                    created_at=to_datetime(cmd.ts_ms),
                    updated_at=at,
                )
            )
            details = {
                "client_order_id": client_id,
                "symbol": cmd.symbol,
                "side": cmd.side.value,
                "quantity": str(cmd.quantity),
            }
            self._add_risk_event(
                session, RiskEventKind.DENIAL, event.rule, event.message, at, details
            )

    # -- fills, positions, trades, snapshots ----------------------------------------------

    def _on_position(self, event: PositionChanged) -> None:
        earlier = self._pending_positions.pop(event.symbol, None)
        if earlier is not None:  # a position change no fill claimed: record it on its own
            with self._db.session() as session:
                self._apply_position(session, earlier)
        self._pending_positions[event.symbol] = event

    def flush(self) -> None:
        """Write position changes still waiting for their fill (none in normal operation)."""
        pending, self._pending_positions = self._pending_positions, {}
        if pending:
            with self._db.session() as session:
                for event in pending.values():
                    self._apply_position(session, event)

    def _on_fill(self, event: OrderFilled) -> None:
        crash_point("after_fill_before_position")  # R4 tests only; a no-op otherwise
        fill = event.fill
        change = self._pending_positions.pop(fill.symbol, None)
        if change is not None and change.ts_ms != fill.ts_ms:  # not this fill's: keep it apart
            self._pending_positions[fill.symbol] = change
            change = None
        try:
            with self._db.session() as session:
                if fill_exists(session, self.bot_id, fill.trade_id):
                    return  # delivered twice: the fill, and its position change, are on record
                self._apply_fill(session, event, change)
        except IntegrityError:
            with self._db.read_session() as session:
                if fill_exists(session, self.bot_id, fill.trade_id):
                    return  # a concurrent delivery recorded it first
            raise

    def _apply_fill(
        self, session: DbSession, event: OrderFilled, change: PositionChanged | None
    ) -> None:
        fill = event.fill
        order_row = get_order_by_client_id(session, client_order_id_for(self.bot_id, fill.order_id))
        if order_row is None:
            raise LookupError(f"fill {fill.trade_id} of an order never recorded: {fill.order_id}")
        at = to_datetime(fill.ts_ms)
        session.add(
            FillRow(
                owner_id=self.owner_id,
                bot_id=self.bot_id,
                order_id=order_row.id,
                venue_trade_id=fill.trade_id,
                symbol=fill.symbol,
                side=fill.side.value,
                quantity=fill.quantity,
                price=fill.price,
                fee=fill.fee,
                fee_currency=fill.fee_currency,
                liquidity=fill.liquidity.value,
                at=at,
            )
        )
        session.flush()  # the unique (bot, venue trade) check happens here, before any update
        fills = session.scalars(select(FillRow).where(FillRow.order_id == order_row.id)).all()
        filled = sum((f.quantity for f in fills), ZERO)
        order_row.filled_quantity = filled
        order_row.average_price = average(sum((f.price * f.quantity for f in fills), ZERO), filled)
        order_row.updated_at = at
        fee = fee_in_quote(fill, *base_and_quote(fill.symbol))
        self._fees += fee
        if change is not None:
            before = self._holding(session, fill.symbol).quantity
            self._apply_position(session, change)
            self._track_trade(session, event, before, change, fee)
        self._write_snapshot(session, fill.ts_ms)

    def _holding(self, session: DbSession, symbol: str) -> _Holding:
        holding = self._holdings.get(symbol)
        if holding is None:
            row = get_position(session, self.bot_id, symbol)
            holding = (
                _Holding(ZERO, ZERO) if row is None else _Holding(row.quantity, row.average_price)
            )
            self._holdings[symbol] = holding
            if row is not None and row.quantity != 0:  # a round trip open before a restart
                self._open_trades[symbol] = _OpenTrade(
                    "long" if row.quantity > 0 else "short",
                    to_ms(row.updated_at),
                    entry_qty=abs(row.quantity),
                    entry_value=abs(row.quantity) * row.average_price,
                )
        return holding

    def _apply_position(self, session: DbSession, change: PositionChanged) -> None:
        holding = self._holding(session, change.symbol)
        holding.quantity = change.quantity
        holding.average_price = change.avg_entry.quantize(PRICE_QUANTUM)
        self._realised += change.realized_pnl_delta
        at = to_datetime(change.ts_ms)
        row = get_position(session, self.bot_id, change.symbol)
        if row is None:
            session.add(
                PositionRow(
                    owner_id=self.owner_id,
                    bot_id=self.bot_id,
                    symbol=change.symbol,
                    quantity=change.quantity,
                    average_price=holding.average_price,
                    realised_pnl=change.realized_pnl_delta,
                    updated_at=at,
                )
            )
            return
        row.quantity = change.quantity
        row.average_price = holding.average_price
        row.realised_pnl = row.realised_pnl + change.realized_pnl_delta
        row.updated_at = at

    def _track_trade(
        self,
        session: DbSession,
        event: OrderFilled,
        before: Decimal,
        change: PositionChanged,
        fee: Decimal,
    ) -> None:
        """Quantities from the position's change (a fill's quantity with a quote fee; what the
        account received or gave with a base-asset fee); ``fee`` in quote."""
        fill = event.fill
        after = change.quantity
        symbol = fill.symbol
        trade = self._open_trades.get(symbol)
        if trade is None:
            if before == 0 and after == 0:
                return  # a buy that added less than one lot: dust, no round trip
            trade = self._open_trades[symbol] = _OpenTrade(
                "long" if after > 0 else "short", fill.ts_ms
            )
        trade.fees += fee
        if before == 0 or ((before > 0) == (after > 0) and abs(after) > abs(before)):
            opened = abs(after) - abs(before)
            trade.entry_qty += opened
            trade.entry_value += opened * fill.price
            return
        # The fill reduced, closed or reversed the position.
        flipped = after == 0 or (after > 0) != (before > 0)
        closing = abs(before) if flipped else abs(before) - abs(after)
        trade.exit_qty += closing
        trade.exit_value += closing * fill.price
        trade.realised += change.realized_pnl_delta
        trade.exit_tag = event.tag
        if flipped:
            self._close_trade(session, symbol, trade, fill.ts_ms)
            opened = abs(after)
            if opened > 0:  # reversed: the rest of the fill opens the next round trip
                self._open_trades[symbol] = _OpenTrade(
                    "long" if after > 0 else "short",
                    fill.ts_ms,
                    entry_qty=opened,
                    entry_value=opened * fill.price,
                )

    def _close_trade(self, session: DbSession, symbol: str, t: _OpenTrade, ts_ms: int) -> None:
        del self._open_trades[symbol]
        row = TradeRow(
            owner_id=self.owner_id,
            bot_id=self.bot_id,
            strategy=self.strategy,
            symbol=symbol,
            side=t.side,
            quantity=t.entry_qty,
            entry_price=average(t.entry_value, t.entry_qty),
            exit_price=average(t.exit_value, t.exit_qty),
            entry_at=to_datetime(t.entry_ms),
            exit_at=to_datetime(ts_ms),
            gross_pnl=t.realised,
            fees=t.fees,
            net_pnl=t.realised - t.fees,
            exit_reason=t.exit_tag or "signal",
        )
        session.add(row)
        if self._on_trade_closed is not None:
            session.flush()  # the trade's id, for whoever charges it
            self._on_trade_closed(session, row)

    def _on_candle(self, event: CandleClosed) -> None:
        symbol, candle = event
        self._marks[symbol] = Decimal(str(candle.close))
        now = self._clock.now_ms()
        last = self._last_snapshot_ms
        if last is None or now - last >= self._snapshot_interval_ms:
            with self._db.session() as session:
                self._write_snapshot(session, now)

    def _write_snapshot(self, session: DbSession, ts_ms: int) -> None:
        unrealised = ZERO
        for symbol, holding in self._holdings.items():
            mark = self._marks.get(symbol)
            if holding.quantity and mark is not None:
                unrealised += (mark - holding.average_price) * holding.quantity
        unrealised = unrealised.quantize(PRICE_QUANTUM)
        session.add(
            PnlSnapshotRow(
                owner_id=self.owner_id,
                bot_id=self.bot_id,
                at=to_datetime(ts_ms),
                equity=self._starting_equity + self._realised - self._fees + unrealised,
                realised_pnl=self._realised,
                unrealised_pnl=unrealised,
                fees=self._fees,
            )
        )
        self._last_snapshot_ms = ts_ms

    # -- risk events ----------------------------------------------------------------------

    def _on_risk_event(
        self, event: BreakerTripped | BreakerReset | KillSwitchEngaged | KillSwitchRearmed
    ) -> None:
        fields = event.to_dict()
        for key in ("kind", "ts_ms", "reason"):
            fields.pop(key, None)
        if isinstance(event, BreakerTripped | BreakerReset):
            rule = event.breaker
            fields.pop("breaker", None)
            sentence = event.reason
        else:
            rule = KILL_SWITCH
            sentence = event.reason or f"the {event.scope} kill switch was re-armed"
        with self._db.session() as session:
            self._add_risk_event(
                session,
                RiskEventKind(event.kind),
                rule,
                sentence,
                to_datetime(event.ts_ms),
                fields,
            )

    def _add_risk_event(
        self,
        session: DbSession,
        kind: RiskEventKind,
        rule: str,
        sentence: str,
        at: datetime,
        details: Mapping[str, str | int | bool | None],
    ) -> None:
        session.add(
            RiskEventRow(
                owner_id=self.owner_id,
                bot_id=self.bot_id,
                at=at,
                kind=kind.value,
                rule=rule,
                sentence=sentence,
                details=json.dumps(details, sort_keys=True),
            )
        )
