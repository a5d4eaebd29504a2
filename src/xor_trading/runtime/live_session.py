"""A live bot's session with its venue: the startup gate, continuous checks, cancel-all.

Reliability spec section 3.2 points 5 and 6, rows R4, R5, R7 and R16. One
:class:`LiveSession` per run of a live bot, built by :meth:`LiveVenue.session` once the
bot is assembled and what an earlier run left is restored. :class:`BotRuntime` drives it:

* :meth:`LiveSession.start`: the port syncs its clock and starts its private stream and
  in-flight poller. Orders restored from the database are tracked by the port first, so
  their fills and ends are reported and they can be cancelled.
* :meth:`LiveSession.gate` (the **startup gate**): a full reconciliation (orders, trades
  since the persisted cursors, holdings) before the command guard opens. ``reconciled``
  or ``aligned``: the new cursors are persisted and the bot may trade. ``incomplete``
  (a query failed, an order is still unknown): run again every ``gate_retry_s`` for at
  most ``gate_timeout_s``. ``mismatch`` twice in a row, or still incomplete at the
  deadline: :class:`LiveTradingHaltedError`; the runtime moves the bot to ``halted``
  (an operator alert) and sends nothing, not even a cancel.
* :meth:`LiveSession.watch` (while the bot runs): an in-flight check every
  ``in_flight_check_interval_ms`` (open and unknown orders and their fills), a full
  reconciliation every ``full_check_every_s`` (holdings drift), and the gate again each
  time the port signals its private stream dropped and each time it is connected again,
  with every new order refused (rule ``reconciling``) from the signal until the gate that
  followed the last signal passed. A mismatch that persists (two runs in a row) halts the
  bot the same way. What the private stream looks like to the owner (connected,
  reconnecting, stalled; orders held or not) is published on the bot's bus by
  :class:`~xor_trading.runtime.stream_health.StreamHealth` at each signal, at each wake of
  the watch and once the resync after a signal passed; :meth:`LiveSession.close` ends it.
* :meth:`LiveSession.cancel_all` (kill switch, stop): every open order of the bot is
  cancelled and the venue is asked again until it lists none of them (venue-confirmed),
  re-cancelling what is still open, within ``cancel_all_timeout_s``.

**Holdings.** The bot compares only the base assets of its symbols (its positions); the
quote currency is the account's cash, which other bots and the user share. Other bots on
the same account and symbol (``sibling_trades`` of a run: orders with another bot's client
id) move the baseline by what they bought or sold, persisted with the cursor that passed
their trades (one transaction), so each of their trades is counted once. The venue
account may hold coins that are not the bot's: at the bot's first gate the difference
between the venue's balance and the bot's position is stored as its *baseline*
(``persistence/tables/trade_cursors.py``), and the bot expects ``baseline + position``
from then on. ``position`` is the portfolio's *holding*: the position net of commissions
paid in the base asset, plus its dust below one lot (``portfolio/engine.py``). The port
asks Binance with ``omitZeroBalances=true``, so an asset missing from a complete answer
is zero (:class:`_ZeroFilledBalances`).

Times are UTC epoch milliseconds of the injected clock (the venue's time for cursors);
durations in seconds where the name says ``_s``. Quantities are exact ``Decimal``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from xor_trading.core.crash_points import crash_point
from xor_trading.core.errors import FatalError, XorError
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.domain.commands import CancelAllOrders
from xor_trading.domain.orders import Order, OrderStatus
from xor_trading.exchanges.ccxt_client.live_port import LiveExchangePort
from xor_trading.execution.reconciliation import Reconciler, sibling_base_deltas
from xor_trading.execution.reconciliation_config import ReconciliationConfig
from xor_trading.execution.reconciliation_result import (
    ReconciliationResult,
    ReconciliationStatus,
)
from xor_trading.execution.venue_state import VenueBalance, VenueOrder, VenueTrade
from xor_trading.runtime.bot_assembly import AssembledBot
from xor_trading.runtime.command_guard import CommandGuard
from xor_trading.runtime.stream_health import StreamHealth

__all__ = [
    "LiveSession",
    "LiveSessionConfig",
    "LiveTradingHaltedError",
    "LiveVenue",
    "ReconciliationMarks",
    "ReconnectSignal",
]

logger = logging.getLogger("xor.runtime")

_MISMATCHES_TO_HALT = 2  # a mismatch seen twice in a row is not a race between two reads


class LiveTradingHaltedError(FatalError):
    """The venue and the bot disagree (or the venue cannot be read) and a person must
    decide: the bot is halted and sends nothing."""

    code = "live_trading_halted"


class ReconciliationMarks(Protocol):
    """Where a live bot's trade cursors and holding baseline are kept (the database)."""

    def load(self) -> tuple[dict[Symbol, int], dict[str, Decimal] | None]:
        """``(cursors, baseline)``; the baseline is ``None`` before the first gate."""
        ...

    def save_cursors(
        self, cursors_ms: Mapping[Symbol, int], baseline_shift: Mapping[str, Decimal] | None = None
    ) -> None:
        """Persist ``cursors_ms`` and, in the same transaction, add ``baseline_shift`` to
        the stored baseline (both or neither: a trade is never counted twice)."""
        ...

    def save_baseline(self, baseline: Mapping[str, Decimal]) -> None: ...


@dataclass(frozen=True, slots=True)
class LiveSessionConfig:
    """How a live bot reconciles (seconds where the name says ``_s``)."""

    reconciliation: ReconciliationConfig
    gate_timeout_s: float = 60.0
    gate_retry_s: float = 1.0
    full_check_every_s: float = 60.0
    cancel_all_timeout_s: float = 5.0


class ReconnectSignal:
    """Carries the port's "private stream reconnected" callback to the bot's session
    (the port is built before the session exists)."""

    def __init__(self) -> None:
        self._listener: Callable[[], None] | None = None

    def listen(self, listener: Callable[[], None]) -> None:
        self._listener = listener

    def __call__(self) -> None:
        if self._listener is not None:
            self._listener()


@dataclass(slots=True)
class LiveVenue:
    """What the live venue factory gives a live bot: its port (before the bot is
    assembled) and, once assembled and restored, its session."""

    port: LiveExchangePort
    marks: ReconciliationMarks
    config: LiveSessionConfig
    client_order_id: Callable[[OrderId], str]
    reconnects: ReconnectSignal

    def session(self, bot: AssembledBot, guard: CommandGuard) -> LiveSession:
        return LiveSession(self, bot, guard)


class _ZeroFilledBalances:
    """The port for the reconciler, with the balances of ``assets`` that a complete reply
    omitted set to zero (the request asked the venue to omit zero balances)."""

    def __init__(self, port: LiveExchangePort, assets: Sequence[str]) -> None:
        self._port = port
        self._assets = tuple(assets)

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder | None:
        return await self._port.fetch_order(symbol, client_order_id)

    async def fetch_order_by_venue_id(self, symbol: str, venue_order_id: str) -> VenueOrder | None:
        return await self._port.fetch_order_by_venue_id(symbol, venue_order_id)

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[VenueOrder]:
        return await self._port.fetch_open_orders(symbols)

    async def fetch_trades_since(self, symbol: str, since_ms: int) -> list[VenueTrade]:
        return await self._port.fetch_trades_since(symbol, since_ms)

    async def fetch_balances(self) -> list[VenueBalance]:
        balances = await self._port.fetch_balances()
        listed = {b.asset for b in balances}
        zero = Decimal(0)
        return balances + [VenueBalance(a, zero, zero) for a in self._assets if a not in listed]


class LiveSession:
    """One run of a live bot against its venue (see the module)."""

    def __init__(self, venue: LiveVenue, bot: AssembledBot, guard: CommandGuard) -> None:
        self.venue = venue
        self._port = venue.port
        self._config = venue.config
        self.bot = bot
        self._guard = guard
        self._clock = bot.clock
        kernel = bot.kernel
        self._bases = {i.base: i.symbol for i in bot.instruments.values()}
        self._balances = _ZeroFilledBalances(venue.port, sorted(self._bases))
        self._reconciler = Reconciler(
            kernel.execution,
            self._balances,
            bot.clock,
            kernel.bus,
            bot.instruments,
            venue.config.reconciliation,
            client_order_id=venue.client_order_id,
            request_ts_ms=lambda order: order.created_ms,
            holdings=self._holdings,
        )
        cursors, baseline = venue.marks.load()
        self.cursors_ms: dict[Symbol, int] = dict(cursors)
        self._baseline = baseline
        self._reconnected = asyncio.Event()
        self._resync_pending = False  # signalled, and the gate after the last signal not passed
        self.health = StreamHealth(kernel.bus, bot.clock)
        self.last_result: ReconciliationResult | None = None
        venue.reconnects.listen(self._on_reconnect)
        for order in kernel.execution.cache.all():
            if order.status.is_open:  # restored from an earlier run: watch it
                self._port.track(
                    order,
                    venue.client_order_id(order.order_id),
                    unknown=order.venue_order_id is None,
                )

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the port (clock sync, private stream, in-flight poller); sends nothing."""
        await self._port.start()

    async def close(self) -> None:
        """Stop the port's tasks and close its connections; the stream's health ends."""
        self.health.end()
        await self._port.close()

    def observe_stream(self) -> None:
        """Report the private stream's state now (published only when it changed)."""
        self.health.observe(self._port.stream_status, resync_pending=self._resync_pending)

    # -- the gate -------------------------------------------------------------------------

    async def gate(self, why: str) -> ReconciliationResult:
        """Reconcile until the bot may trade (see the module); raises
        :class:`LiveTradingHaltedError` when it may not."""
        deadline = time.monotonic() + self._config.gate_timeout_s
        mismatches = 0
        while True:
            result = await self._full_run()
            if result.status.may_trade:
                logger.info(
                    "bot %s reconciled (%s): %s, %d report(s) applied",
                    self.bot.spec.bot_id, why, result.status.value, result.reports_applied,
                )  # fmt: skip
                return result
            mismatches = mismatches + 1 if result.status is ReconciliationStatus.MISMATCH else 0
            reasons = " ".join(result.reasons) or "no reason given"
            if mismatches >= _MISMATCHES_TO_HALT:
                raise LiveTradingHaltedError(
                    f"reconciliation {why} found the venue and the bot disagreeing: {reasons}",
                    "compare the bot's orders and positions with the exchange, correct them, "
                    "then stop and start the bot",
                )
            if time.monotonic() >= deadline:
                raise LiveTradingHaltedError(
                    f"reconciliation {why} could not complete in "
                    f"{self._config.gate_timeout_s:.0f} s: {reasons}",
                    "check that the exchange is reachable and the key valid, then stop and "
                    "start the bot",
                )
            logger.warning("bot %s not reconciled yet (%s): %s", self.bot.spec.bot_id, why, reasons)
            await asyncio.sleep(self._config.gate_retry_s)

    async def _full_run(self) -> ReconciliationResult:
        try:
            await self._ensure_baseline()
        except XorError as exc:
            return ReconciliationResult(
                ReconciliationStatus.INCOMPLETE,
                dict(self.cursors_ms),
                reasons=(f"The venue's balances could not be read: {exc.one_line()}",),
            )
        result = await self._reconciler.reconcile(self.cursors_ms)
        self._record(result)
        return result

    async def _ensure_baseline(self) -> None:
        """Take the baseline of every base asset without one, and a cursor (now) for every
        symbol without one, before the first run that compares them."""
        known = self._baseline or {}
        missing = [asset for asset in self._bases if asset not in known]
        new_cursors = {
            s: self._clock.now_ms() for s in self.bot.instruments if s not in self.cursors_ms
        }
        if missing:
            held = {b.asset: b.total for b in await self._port.fetch_balances()}
            portfolio = self.bot.kernel.portfolio
            taken = {
                a: held.get(a, Decimal(0)) - portfolio.holding(self._bases[a]) for a in missing
            }
            self.venue.marks.save_baseline(taken)
            self._baseline = {**known, **taken}
            logger.info("bot %s holding baseline taken: %s", self.bot.spec.bot_id, taken)
        if new_cursors:
            self.venue.marks.save_cursors(new_cursors)
            self.cursors_ms.update(new_cursors)

    def _holdings(self) -> dict[str, Decimal]:
        baseline = self._baseline or {}
        portfolio = self.bot.kernel.portfolio
        return {
            asset: baseline.get(asset, Decimal(0)) + portfolio.holding(symbol)
            for asset, symbol in self._bases.items()
        }

    def _record(self, result: ReconciliationResult) -> None:
        """Keep the result; persist the cursors of a run that may trade."""
        crash_point("during_reconciliation")  # reports applied, cursors not on record yet
        self.last_result = result
        if not result.status.may_trade:
            return
        advanced = {
            s: c for s, c in result.trade_cursors_ms.items() if c > self.cursors_ms.get(s, -1)
        }
        # Other bots' trades on this account, now behind the cursors: their coins move the
        # baseline (what the venue holds that is not this bot's), never the position.
        shift = sibling_base_deltas(result.sibling_trades, self.bot.instruments)
        shift = {a: d for a, d in shift.items() if d != 0 and a in (self._baseline or {})}
        if advanced:
            if shift:
                self.venue.marks.save_cursors(advanced, shift)
            else:
                self.venue.marks.save_cursors(advanced)
            self.cursors_ms.update(advanced)
            if shift and self._baseline is not None:
                self._baseline = {
                    a: q + shift.get(a, Decimal(0)) for a, q in self._baseline.items()
                }
        for synthetic in result.synthetic_fills:
            logger.warning(
                "bot %s: synthetic fill %s booked by reconciliation: %s",
                self.bot.spec.bot_id, synthetic.fill.trade_id, synthetic.reason,
            )  # fmt: skip

    # -- while running --------------------------------------------------------------------

    def _on_reconnect(self) -> None:
        # Called by the port's stream task the moment the stream drops and again when it
        # is connected again: refuse new orders at once, resync in watch().
        self._guard.reconciling_reason = (
            "the exchange's private stream dropped or reconnected: the bot resyncs with the "
            "exchange before it sends a new order"
        )
        self._resync_pending = True
        self._reconnected.set()
        self.observe_stream()  # the drop is reported now, not after the resync

    async def watch(self) -> None:
        """In-flight checks, periodic full checks and resyncs after reconnects, until
        cancelled; raises :class:`LiveTradingHaltedError` on a mismatch that persists."""
        cfg = self._config
        interval_s = cfg.reconciliation.in_flight_check_interval_ms / 1000
        next_full = time.monotonic() + cfg.full_check_every_s
        mismatches = 0
        while True:
            self.observe_stream()  # e.g. the first connection, which is not signalled
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reconnected.wait(), interval_s)
            if self._reconnected.is_set():
                self._reconnected.clear()
                await self.gate("after the private stream dropped or reconnected")
                if not self._reconnected.is_set():  # else: signalled again during the gate
                    self._guard.reconciling_reason = None
                    self._resync_pending = False
                next_full = time.monotonic() + cfg.full_check_every_s
                continue
            if time.monotonic() >= next_full:
                next_full = time.monotonic() + cfg.full_check_every_s
                result = await self._full_run()
            else:
                result = await self._reconciler.check_in_flight(self.cursors_ms)
                self._record(result)
            if result.status is not ReconciliationStatus.MISMATCH:
                mismatches = 0
                continue
            mismatches += 1
            if mismatches >= _MISMATCHES_TO_HALT:
                raise LiveTradingHaltedError(
                    "the exchange and the bot disagree while it trades: "
                    + (" ".join(result.reasons) or "no reason given"),
                    "compare the bot's orders and positions with the exchange, correct them, "
                    "then stop and start the bot",
                )

    # -- cancel-all (kill switch, stop) ---------------------------------------------------

    async def cancel_all(self) -> bool:
        """Cancel every open order of the bot until the venue lists none of them; whether
        that was confirmed within ``cancel_all_timeout_s``."""
        deadline = time.monotonic() + self._config.cancel_all_timeout_s
        execution = self.bot.kernel.execution
        execution.execute(CancelAllOrders(self._clock.now_ms()))
        symbols = sorted(self.bot.instruments)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._port.drain(), max(deadline - time.monotonic(), 0))
            ours = {self.venue.client_order_id(o.order_id): o for o in execution.cache.all()}
            try:
                still_open = [
                    ours[v.client_order_id]
                    for v in await self._port.fetch_open_orders(symbols)
                    if v.client_order_id in ours
                ]
            except XorError as exc:
                logger.warning("bot %s cancel-all: %s", self.bot.spec.bot_id, exc.message)
                still_open = None
            if still_open == []:
                await self._settle_local_orders()
                return True
            if time.monotonic() >= deadline:
                logger.error(
                    "bot %s: open orders not confirmed cancelled within %.0f s",
                    self.bot.spec.bot_id, self._config.cancel_all_timeout_s,
                )  # fmt: skip
                return False
            for order in still_open or []:
                self._port.cancel_order(order.order_id)  # again: the last try failed
            await asyncio.sleep(0.05)

    async def settle_orders(self) -> None:
        """Wait (at most ``cancel_all_timeout_s``) for the orders sent so far to be answered,
        then check what is still unsettled once (after flattening, before the port closes)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._port.drain(), self._config.cancel_all_timeout_s)
        await self._settle_local_orders()

    async def _settle_local_orders(self) -> None:
        """After the venue confirmed: move local orders whose cancel outcome was unknown
        to what the venue says (one in-flight check)."""
        if any(_unsettled(o) for o in self.bot.kernel.execution.cache.all()):
            result = await self._reconciler.check_in_flight(self.cursors_ms)
            self._record(result)


def _unsettled(order: Order) -> bool:
    return order.status in (OrderStatus.UNKNOWN, OrderStatus.PENDING_CANCEL)
