"""The bot worker: runs bots from the database, paper and live, under leases.

:class:`BotWorker` wires a :class:`~xor_trading.runtime.supervisor.Supervisor` to the
database and, for each bot it acquires, builds the runtime:

* **Spec.** The bot's configuration in force (``BotConfig``) becomes a
  :class:`~xor_trading.runtime.bot_spec.BotSpec`; the stake and the paper capital come from
  :class:`WorkerOptions` (the configuration has no such fields yet).
* **Venue.** Paper: the simulated venue (no key is ever loaded, no client built). Live:
  the injected :data:`LiveVenueFactory` (``services/live_venue.py``: the CCXT live port,
  built with the bot's decrypted key); once the bot is assembled and restored it gives
  the bot's :class:`~xor_trading.runtime.live_session.LiveSession` (the startup gate,
  in-flight checks, cancel-all). Without a factory, live bots are left to a worker that
  has one (never acquired here).
* **Restart.** The bot's working orders are given back to the engine under their own ids
  (with the venue trade ids already applied), its positions to the portfolio and the
  risk state, its cash (capital + realised PnL - fees) to the account; a paper venue gets
  the working orders placed again and its balances rebuilt from the fills. A live bot
  also gets back its finished orders that own fills at or after its oldest trade cursor,
  so reconciliation knows whose trades those are (never a "foreign" trade). New order ids
  carry the new fencing token, so they never collide with the old client order ids.
* **Journal and recorder.** Every intent is written fenced (:class:`FencedIntentJournal`);
  the :class:`BusRecorder` records the rest. The platform fee of each closed round trip
  is charged in the transaction that records it (``charge_fee``, idempotent by trade id),
  for live bots, and for paper bots only with ``WorkerOptions.platform_fees_on_paper``
  (paper profit is not money).
* **Entries.** Before each new entry: the kill switch (:func:`is_trading_allowed`) and,
  where fees apply, ``can_open_positions``; a refusal is a denied order and a ``denial``
  risk event carrying the sentence. Exits are never refused.
* **Event log.** With ``WorkerOptions.record_dir``, each run is recorded to
  ``<record_dir>/<bot_id>-<fencing token>.jsonl`` for ``xor replay``
  (``runtime/bot_recording.py``, docs/replay.md).
* **Stream.** A :class:`~xor_trading.services.bot_stream_publisher.BotStreamPublisher`
  per bot, attached after the recorder, announces each committed order update, fill and
  closed round trip (PnL) on the live stream, and the live candles (each once per worker:
  :attr:`BotWorker.candles`); best effort, never raised into the bot.
* **Lifecycle.** Every move is recorded with ``record_runtime_transition``; ``halted``
  and ``error`` are also delivered as critical alerts (``AlertDeliveryService.deliver``,
  in a thread: deliveries do network I/O). A move is recorded (and streamed) at the event
  loop's next turn, once the bus event that caused it has been handled to the end: the
  fill that opened a position or tripped a breaker is committed and on the stream before
  the state it caused (:class:`PersistedLifecycle`).
* **Private stream** (live bots). A
  :class:`~xor_trading.services.private_stream_reporter.PrivateStreamReporter` per run
  records the stream's state for the API and alerts the owner when it drops, stalls or
  recovers, with one :class:`~xor_trading.services.stream_alert_rule.StreamAlertRule` per
  bot for the life of the worker (at most one drop warning per bot per 5 minutes), its
  I/O on one thread of the worker (:attr:`BotWorker.stream_io`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from xor_trading.core.clock import Clock
from xor_trading.core.errors import ConflictError, NotFoundError
from xor_trading.core.ids import OrderId, Symbol, TradeId, VenueOrderId
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.domain.bot_lifecycle import BotState
from xor_trading.domain.orders import Order, OrderSide, OrderStatus, OrderType, TimeInForce
from xor_trading.domain.positions import base_and_quote
from xor_trading.domain.values import Price, Quantity
from xor_trading.execution.ports import ExchangePort
from xor_trading.persistence.database import Database, DbSession
from xor_trading.persistence.intent_journal import FencedIntentJournal
from xor_trading.persistence.recorder import BusRecorder, TradeClosedHook, to_ms
from xor_trading.persistence.repositories import bot_leases as leases_repo
from xor_trading.persistence.repositories import bot_restart as restart_repo
from xor_trading.persistence.repositories import bots as bots_repo
from xor_trading.persistence.repositories import trade_cursors as cursors_repo
from xor_trading.persistence.tables.orders import FillRow, OrderRow, RecordedOrderStatus
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.runtime.bot_assembly import (
    AssembledBot,
    assemble_bot,
    bot_instruments,
    paper_venue,
    quote_of,
)
from xor_trading.runtime.bot_recording import BotRecording
from xor_trading.runtime.bot_runtime import BotRuntime
from xor_trading.runtime.bot_spec import DEFAULT_PAPER_BALANCE, DEFAULT_STAKE, BotSpec, RunMode
from xor_trading.runtime.command_guard import CommandGuard, EntryPolicy
from xor_trading.runtime.lease import Lease, LeaseTiming
from xor_trading.runtime.lifecycle_tracker import LifecycleTracker
from xor_trading.runtime.live_session import LiveVenue
from xor_trading.runtime.supervisor import RUN_STATES, Supervisor, WindDown
from xor_trading.services.alert_delivery import AlertDeliveryService, AlertEvent
from xor_trading.services.bot_config import BotConfig, BotMode, parse_bot_config
from xor_trading.services.bot_service import BotService
from xor_trading.services.bot_stream_publisher import BotStreamPublisher, CandleOnce
from xor_trading.services.client_funds_service import ClientFundsService
from xor_trading.services.container import Container
from xor_trading.services.intent_audit import live_intent_audit
from xor_trading.services.kill_switch_service import (
    KILL_SWITCH_RULE,
    is_trading_allowed,
    switches_affecting,
)
from xor_trading.services.private_stream_reporter import PrivateStreamReporter
from xor_trading.services.stream_alert_rule import StreamAlertRule

__all__ = [
    "FEE_BALANCE_RULE",
    "BotWorker",
    "DatabaseBotDirectory",
    "DatabaseLeaseStore",
    "FeedFactory",
    "LiveVenueFactory",
    "WorkerOptions",
    "new_worker_id",
    "spec_from_config",
]

logger = logging.getLogger("xor.worker")

FEE_BALANCE_RULE = "fee_balance"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

FeedFactory = Callable[[BotSpec], CandleFeed]
"""The candle feed of a bot (a replay feed in tests and demos, the CCXT feed for markets)."""

LiveVenueFactory = Callable[[BotSpec, Clock], LiveVenue]
"""A live bot's venue: its port, then its session (decrypts the bot's key)."""

ClockFactory = Callable[[BotSpec], Clock]


def new_worker_id() -> str:
    """``host:pid:random``: unique per process, readable in the lease table."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{secrets.token_hex(4)}"


def _at(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How this worker runs bots."""

    worker_id: str = field(default_factory=new_worker_id)
    timing: LeaseTiming = field(default_factory=LeaseTiming)
    poll_every_ms: int = 1_000
    max_bots: int | None = None
    stake: Decimal = DEFAULT_STAKE
    paper_balance: Decimal = DEFAULT_PAPER_BALANCE
    platform_fees_on_paper: bool = False
    warmup_candles: int | None = None  # None: what the strategy needs, plus one
    record_dir: Path | None = None  # each run's event log goes here (xor replay)


def spec_from_config(
    bot_id: str, owner_id: str, config: BotConfig, options: WorkerOptions
) -> BotSpec:
    """The runtime's view of a stored configuration (stake and paper capital: options)."""
    spec = BotSpec(
        bot_id=bot_id,
        owner_id=owner_id,
        strategy=config.strategy,
        symbols=config.symbols,
        timeframe=config.timeframe,
        params=dict(config.params),
        exchange=config.exchange,
        mode=RunMode(config.mode.value),
        credential_id=config.exchange_credential_id,
        risk=config.risk,
        sizing=config.sizing,
        exits=config.exits,
        stake=options.stake,
        paper_venue=config.paper_venue_config(),
    )
    quote = quote_of(spec)
    return _with_balances(spec, {quote: options.paper_balance})


def _with_balances(spec: BotSpec, balances: dict[str, Decimal]) -> BotSpec:
    return BotSpec(
        bot_id=spec.bot_id, owner_id=spec.owner_id, strategy=spec.strategy,
        symbols=spec.symbols, timeframe=spec.timeframe, params=spec.params,
        exchange=spec.exchange, mode=spec.mode, credential_id=spec.credential_id,
        risk=spec.risk, sizing=spec.sizing, exits=spec.exits, stake=spec.stake,
        balances=balances, paper_venue=spec.paper_venue,
    )  # fmt: skip


# -- leases and the directory -------------------------------------------------------------


class DatabaseLeaseStore:
    """:class:`~xor_trading.runtime.lease.LeaseStore` on the database (``bot_leases``)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def acquire(self, bot_id: str, worker_id: str, now_ms: int, ttl_ms: int) -> Lease | None:
        with self._db.session() as session:
            row = leases_repo.acquire_lease(
                session, bot_id, worker_id, _at(now_ms), timedelta(milliseconds=ttl_ms)
            )
            if row is None:
                return None
            return Lease(bot_id, worker_id, row.fencing_token, to_ms(row.expires_at))

    def renew(self, lease: Lease, now_ms: int, ttl_ms: int) -> Lease | None:
        with self._db.session() as session:
            row = leases_repo.renew_lease(
                session,
                lease.bot_id,
                lease.worker_id,
                lease.fencing_token,
                _at(now_ms),
                timedelta(milliseconds=ttl_ms),
            )
            if row is None:
                return None
            return Lease(lease.bot_id, lease.worker_id, row.fencing_token, to_ms(row.expires_at))

    def release(self, lease: Lease, now_ms: int) -> None:
        with self._db.session() as session:
            leases_repo.release_lease(
                session, lease.bot_id, lease.worker_id, lease.fencing_token, _at(now_ms)
            )


class DatabaseBotDirectory:
    """:class:`~xor_trading.runtime.supervisor.BotDirectory` on the ``bots`` table."""

    def __init__(self, database: Database, *, live: bool) -> None:
        self._db = database
        self._modes = [BotMode.PAPER.value] + ([BotMode.LIVE.value] if live else [])

    def wanted_bots(self) -> dict[str, BotState]:
        with self._db.read_session() as session:
            bots = restart_repo.runnable_bots(session, [s.value for s in RUN_STATES], self._modes)
        return {b.bot_id: BotState(b.state) for b in bots}

    def wind_down(self, bot_id: str) -> WindDown:
        with self._db.read_session() as session:
            row = restart_repo.bot_row(session, bot_id)
            if row is None or row.state != BotState.HALTED.value:
                return WindDown(cancel_orders=True, flatten=False)
            switches = switches_affecting(session, row.owner_id, bot_id)
        return WindDown(cancel_orders=True, flatten=any(s.flatten for s in switches))


# -- restoring an earlier run --------------------------------------------------------------


def _restored_order(row: OrderRow, strategy_id: str) -> Order | None:
    if row.engine_order_id is None:
        return None
    status = (
        OrderStatus.SUBMITTED
        if row.status == RecordedOrderStatus.PENDING_SUBMIT.value
        else OrderStatus(row.status)
    )
    order = Order(
        order_id=OrderId(row.engine_order_id),
        symbol=Symbol(row.symbol),
        side=OrderSide(row.side),
        order_type=OrderType(row.type),
        quantity=Quantity(row.quantity),
        created_ms=to_ms(row.created_at),
        strategy_id=strategy_id,  # type: ignore[arg-type]  # a StrategyId
        limit_price=None if row.price is None else Price(row.price),
        stop_price=None if row.stop_price is None else Price(row.stop_price),
        time_in_force=TimeInForce(row.time_in_force),
        tag=row.tag,
        status=status,
        venue_order_id=None if row.venue_order_id is None else VenueOrderId(row.venue_order_id),
        reason=row.reason,
    )
    order.reduce_only = row.tag in _REDUCE_ONLY_TAGS
    if row.filled_quantity:
        order.filled_qty = row.filled_quantity
        order.filled_value = row.filled_quantity * (row.average_price or Decimal(0))
    return order


# Tags of exits (the order row has no reduce-only flag): strategy exits, brackets, the
# exit manager, the kill switch and flattening.
_REDUCE_ONLY_TAGS = frozenset(
    {"signal", "exit", "stop_loss", "take_profit", "time_stop", "kill_switch", "flatten"}
)


def _restore(session: DbSession, bot: AssembledBot, start: Decimal) -> None:
    """Give ``bot`` what an earlier run left in the database (see the module); ``start``:
    the capital the bot started with, in its quote currency."""
    spec = bot.spec
    positions = restart_repo.positions_of_bot(session, spec.bot_id)
    fills = restart_repo.fills_of_bot(session, spec.bot_id)
    fees = sum((_fee_in_quote(f) for f in fills), Decimal(0))
    now = bot.clock.now_ms()
    bot.restore_account(start + restart_repo.realised_total(positions) - fees, now)
    held = _held_by_fills(fills)
    for pos in positions:
        if pos.symbol not in bot.runners:
            continue
        # Dust (below one lot, left by commissions in the base asset) is not on the position
        # row: it is what the bot's fills hold beyond the recorded position.
        dust = held.get(pos.symbol, Decimal(0)) - pos.quantity
        if not 0 <= dust < bot.instruments[Symbol(pos.symbol)].lot_size:
            dust = Decimal(0)  # not dust (fills the position does not show): reconciliation
        if pos.quantity != 0 or dust:
            bot.restore_position(
                pos.symbol, pos.quantity, pos.average_price, to_ms(pos.updated_at), dust
            )
    trade_ids: dict[str, list[TradeId]] = {}
    for f in fills:
        trade_ids.setdefault(f.order_id, []).append(TradeId(f.venue_trade_id))
    for row in restart_repo.working_orders(session, spec.bot_id):
        if row.symbol not in bot.runners:
            continue
        order = _restored_order(row, bot.strategy_id_of(row.symbol))
        if order is None:
            logger.warning("order %s of bot %s has no engine id: not restored", row.id, spec.bot_id)
            continue
        bot.restore_order(order, tuple(trade_ids.get(row.id, ())))
    if not spec.is_paper:
        _restore_owners_of_recent_fills(session, bot, trade_ids)


def _fee_in_quote(f: FillRow) -> Decimal:
    """A recorded fee valued in its symbol's quote (as the portfolio booked it)."""
    base, quote = base_and_quote(f.symbol)
    if f.fee_currency == base:
        return f.fee * f.price
    return f.fee if f.fee_currency == quote else Decimal(0)


def _held_by_fills(fills: list[FillRow]) -> dict[str, Decimal]:
    """Per symbol, the base asset the fills left in the account (net of base-asset fees)."""
    held: dict[str, Decimal] = {}
    for f in fills:
        base, _ = base_and_quote(f.symbol)
        signed = f.quantity if f.side == OrderSide.BUY.value else -f.quantity
        if f.fee_currency == base:
            signed -= f.fee
        held[f.symbol] = held.get(f.symbol, Decimal(0)) + signed
    return held


def _restore_owners_of_recent_fills(
    session: DbSession, bot: AssembledBot, trade_ids: dict[str, list[TradeId]]
) -> None:
    """Finished orders with a fill at or after the oldest trade cursor: reconciliation
    reads those trades again and must know the order that owns each one."""
    cursors = cursors_repo.trade_cursors(session, bot.spec.bot_id)
    if not cursors:
        return
    since = _at(min(cursors.values()))
    cache = bot.kernel.execution.cache
    for row in restart_repo.orders_with_fills_since(session, bot.spec.bot_id, since):
        if row.symbol not in bot.runners or row.engine_order_id is None:
            continue
        if cache.get(OrderId(row.engine_order_id)) is not None:
            continue  # a working order, restored already
        order = _restored_order(row, bot.strategy_id_of(row.symbol))
        if order is not None:
            bot.kernel.execution.restore(order, tuple(trade_ids.get(row.id, ())))


def _paper_balances(session: DbSession, spec: BotSpec, quote: str) -> dict[str, Decimal]:
    """A paper venue's balances after the bot's recorded fills (spot: quote and bases)."""
    balances = dict(spec.balances)
    for f in restart_repo.fills_of_bot(session, spec.bot_id):
        base = f.symbol.split("/")[0]
        signed = f.quantity if f.side == OrderSide.BUY.value else -f.quantity
        balances[base] = balances.get(base, Decimal(0)) + signed
        balances[quote] = balances.get(quote, Decimal(0)) - signed * f.price
        if f.fee_currency:
            balances[f.fee_currency] = balances.get(f.fee_currency, Decimal(0)) - f.fee
    return balances


# -- lifecycle persistence -----------------------------------------------------------------


def _both(first: TradeClosedHook | None, then: TradeClosedHook) -> TradeClosedHook:
    """``first`` (the platform fee, when it applies), then ``then``, in one transaction."""
    if first is None:
        return then

    def hook(session: DbSession, trade: TradeRow) -> None:
        first(session, trade)
        then(session, trade)

    return hook


class PersistedLifecycle:
    """:class:`~xor_trading.runtime.lifecycle_tracker.LifecycleSink` on the bot service."""

    def __init__(self, container: Container, owner_id: str, bot_id: str) -> None:
        self._container = container
        self.owner_id = owner_id
        self.bot_id = bot_id

    def transition(self, target: BotState, reason: str) -> None:
        """Record the move at the event loop's next turn (at once without a running loop).

        The tracker moves inside the bus event that caused the move (a fill publishes the
        position change that opens a position; a fill can trip the drawdown breaker), and
        the recorder and the stream publisher handle that event after the tracker. Deferred
        to the next turn, the whole event has been handled first: the fill is committed
        and on the stream before the state it caused. Moves keep their order (FIFO).
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._record(target, reason)
            return
        loop.call_soon(self._record, target, reason)

    def _record(self, target: BotState, reason: str) -> None:
        try:
            BotService(self._container).record_runtime_transition(
                self.owner_id, self.bot_id, target, reason=reason
            )
        except (ConflictError, NotFoundError) as exc:
            # Moved meanwhile (stopped, paused by its owner): the supervisor follows.
            logger.info("bot %s not moved to %s: %s", self.bot_id, target.value, exc.message)
            return
        except Exception:  # the database is down: the supervisor corrects the runtime
            logger.exception("could not record the move of bot %s to %s", self.bot_id, target)
            return
        if target in (BotState.HALTED, BotState.ERROR):
            self._alert(f"bot {self.bot_id} is {target.value}: {reason}")

    def _alert(self, message: str) -> None:
        def deliver() -> None:
            AlertDeliveryService(self._container).deliver(
                self.owner_id, AlertEvent.BOT_STATUS, message, level="critical"
            )

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            deliver()
            return
        loop.run_in_executor(None, deliver)


# -- the worker ----------------------------------------------------------------------------


class BotWorker:
    """Builds the supervisor of this process and the runtime of each bot (see the module)."""

    def __init__(
        self,
        container: Container,
        feed_factory: FeedFactory,
        *,
        options: WorkerOptions | None = None,
        live_venue_factory: LiveVenueFactory | None = None,
        bot_clock: ClockFactory | None = None,
    ) -> None:
        self.container = container
        self._db = container.database
        self._feeds = feed_factory
        self.options = options or WorkerOptions()
        self._live = live_venue_factory
        self._bot_clock = bot_clock or (lambda _spec: container.clock)
        self.runtimes: dict[str, BotRuntime] = {}  # the latest runtime built per bot
        self.candles = CandleOnce()  # each closed candle is streamed once by this process
        self.stream_alert_rules: dict[str, StreamAlertRule] = {}  # per live bot, kept
        self._stream_io: ThreadPoolExecutor | None = None

    @property
    def stream_io(self) -> ThreadPoolExecutor:
        """The one thread of this worker that records private stream states and delivers
        their alerts, in order (created with the first live bot)."""
        if self._stream_io is None:
            self._stream_io = ThreadPoolExecutor(1, thread_name_prefix="xor-private-stream")
        return self._stream_io

    def _report_private_stream(self, bot: AssembledBot, lease: Lease, bot_name: str) -> None:
        spec = bot.spec
        rule = self.stream_alert_rules.get(spec.bot_id)
        if rule is None:
            rule = self.stream_alert_rules[spec.bot_id] = StreamAlertRule(bot_name, spec.exchange)
        rule.bot_name, rule.exchange = bot_name, spec.exchange
        PrivateStreamReporter(
            self.container,
            owner_id=spec.owner_id,
            bot_id=spec.bot_id,
            fencing_token=lease.fencing_token,
            rule=rule,
            clock=bot.clock,
            io=self.stream_io,
        ).attach(bot.kernel.bus)

    def supervisor(self) -> Supervisor:
        o = self.options
        return Supervisor(
            o.worker_id,
            DatabaseLeaseStore(self._db),
            DatabaseBotDirectory(self._db, live=self._live is not None),
            self.runtime_for,
            self.container.clock,
            timing=o.timing,
            poll_every_ms=o.poll_every_ms,
            max_bots=o.max_bots,
        )

    def spec_of(self, bot_id: str) -> BotSpec:
        """The spec of the bot's configuration in force."""
        with self._db.read_session() as session:
            row = restart_repo.bot_row(session, bot_id)
            if row is None:
                raise NotFoundError(f"bot {bot_id} not found", "list bots with xor bots")
            version = bots_repo.get_version(session, row.owner_id, bot_id, row.config_version)
            if version is None:
                raise NotFoundError(f"bot {bot_id} has no configuration", "recreate the bot")
            owner_id, text = row.owner_id, version.config
        config = parse_bot_config(json.loads(text))
        return spec_from_config(bot_id, owner_id, config, self.options)

    def _fees_apply(self, spec: BotSpec) -> bool:
        return not spec.is_paper or self.options.platform_fees_on_paper

    def entry_policy(self, spec: BotSpec) -> EntryPolicy:
        """Kill switch, then (where fees apply) the prepaid fee balance."""
        owner_id, bot_id = spec.owner_id, spec.bot_id
        fees = self._fees_apply(spec)

        def policy() -> tuple[str, str] | None:
            with self._db.read_session() as session:
                allowed, sentence = is_trading_allowed(session, owner_id, bot_id)
            if not allowed:
                return KILL_SWITCH_RULE, sentence
            if fees:
                permission = ClientFundsService(self.container).can_open_positions(owner_id)
                if not permission.allowed:
                    return FEE_BALANCE_RULE, permission.reason
            return None

        return policy

    def _fee_hook(self, spec: BotSpec) -> Callable[[DbSession, TradeRow], None] | None:
        if not self._fees_apply(spec):
            return None
        owner_id = spec.owner_id

        def charge(session: DbSession, trade: TradeRow) -> None:
            ClientFundsService(self.container).charge_fee(
                session, owner_id, trade.id, trade.net_pnl
            )

        return charge

    def runtime_for(self, bot_id: str, lease: Lease, state: BotState) -> BotRuntime:
        """The runtime of ``bot_id`` under ``lease`` (the supervisor's factory)."""
        spec = self.spec_of(bot_id)
        clock = self._bot_clock(spec)
        live: LiveVenue | None = None
        quote = quote_of(spec, bot_instruments(spec))
        start = spec.balances.get(quote, DEFAULT_PAPER_BALANCE)
        with self._db.read_session() as session:
            if spec.is_paper:
                spec = _with_balances(spec, _paper_balances(session, spec, quote))
                # A new trade id prefix per run: the recorder keeps one fill per (bot,
                # venue trade id), so a restarted venue counting from T-1 would lose fills.
                venue: ExchangePort = paper_venue(
                    spec, clock, trade_id_prefix=f"T-{lease.order_id_prefix}"
                )
            else:
                if self._live is None:
                    raise NotFoundError(
                        f"bot {bot_id} is live and this worker has no live venue",
                        "run a worker with live trading enabled",
                    )
                live = self._live(spec, clock)
                venue = live.port
            guard = CommandGuard(self.entry_policy(spec))
            journal = FencedIntentJournal(
                self._db,
                clock,
                owner_id=spec.owner_id,
                bot_id=bot_id,
                worker_id=lease.worker_id,
                fencing_token=lease.fencing_token,
                audit_intent=None
                if spec.is_paper
                else live_intent_audit(
                    self.container,
                    owner_id=spec.owner_id,
                    bot_id=bot_id,
                    fencing_token=lease.fencing_token,
                ),
            )
            record_dir = self.options.record_dir
            recording = (
                None
                if record_dir is None
                else BotRecording.around(
                    record_dir, bot_id, lease.fencing_token, venue, guard, journal
                )
            )
            bot = assemble_bot(
                spec,
                clock,
                venue if recording is None else recording.venue,
                intent_journal=journal if recording is None else recording.journal,
                order_id_prefix=lease.order_id_prefix,
                command_gate=guard if recording is None else recording.gate,
                account_balance=Decimal(0),
                matching_venue=None if recording is None else recording.matching_venue,
            )
            guard.attach(bot.kernel)
            _restore(session, bot, start)
            bot_row = restart_repo.bot_row(session, bot_id)
            bot_name = bot_id if bot_row is None else bot_row.name
        session_of_live = None if live is None else live.session(bot, guard)
        if session_of_live is not None:
            self._report_private_stream(bot, lease, bot_name)
        stream = BotStreamPublisher(
            self.container, bot, candles=self.candles, live=lambda: not guard.warming_up
        )
        BusRecorder(
            self._db,
            bot.kernel.bus,
            clock,
            owner_id=spec.owner_id,
            bot_id=bot_id,
            strategy=spec.strategy,
            orders=bot.kernel.execution.cache,
            starting_equity=start,
            intents_journaled=True,
            on_trade_closed=_both(self._fee_hook(spec), stream.trade_closed),
        )
        stream.attach()  # after the recorder: each message follows its committed record
        tracker = LifecycleTracker(
            bot.kernel, PersistedLifecycle(self.container, spec.owner_id, bot_id), state
        )
        feed = self._feeds(spec)
        event_log = (
            None
            if recording is None
            else recording.start(bot, order_id_prefix=lease.order_id_prefix)
        )
        runtime = BotRuntime(
            bot,
            guard,
            tracker,
            feed,
            clock,
            warmup_candles=self.options.warmup_candles,
            live=session_of_live,
            event_log=event_log,
        )
        self.runtimes[bot_id] = runtime
        return runtime
