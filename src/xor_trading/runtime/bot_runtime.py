"""One running bot, async: warm-up, reconciliation, then closed candles until stopped.

:meth:`BotRuntime.run`, in order:

1. **Warm-up.** For each symbol, ``feed.history`` returns the last ``warmup_candles``
   closed candles before the current one; strategies and indicators see them
   (:meth:`AssembledBot.warm_up`), the venue does not, and the command guard drops every
   order meanwhile: history is never traded.
2. **Reconciliation**: a live bot's :class:`~xor_trading.runtime.live_session.LiveSession`
   starts its port and runs the startup gate (or the injected ``reconcile`` coroutine;
   none for paper). No order is sent before it returns; a gate that refuses moves the
   bot to ``HALTED`` (an alert) and the bot sends nothing at all, not even a cancel.
3. The guard opens, strategies start (``on_start``), the lifecycle leaves ``STARTING``
   (or, for a bot taken over in the loop, walks to the state its positions call for).
4. **Candles.** ``feed.closed_candles`` of every symbol, from the first candle after the
   warm-up, each handed to :meth:`AssembledBot.feed_candle` exactly as a backtest does.
   After each one a strategy failure moves the bot to ``ERROR`` and ends the run. A live
   bot's session watches beside them (in-flight checks, resync after a reconnect).

Control (from the supervisor, same event loop): :meth:`pause` (no new entries; exits,
stops and targets still managed), :meth:`resume` (through ``STARTING`` again),
:meth:`fence` (the lease is lost: nothing at all is sent any more, at once),
:meth:`wind_down` (cancel open orders, optionally flatten; before a stop or a halt);
:meth:`leave` is its awaitable form, which for a live bot waits until the venue confirms
that no order of the bot is open any more (kill switch, R16).

A failure of the runtime itself (the feed, the database under the recorder) moves the
bot to ``ERROR`` with the error's sentence; cancellation (a stop) does not.

Event log (optional, ``xor worker --record-dir``): the strategies' start and the runtime's
own commands (:meth:`wind_down`) go through the :class:`EventLogRecorder` as inputs, and
:meth:`close` writes its footer (docs/replay.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from xor_trading.bus.endpoints import RISK
from xor_trading.core.clock import Clock
from xor_trading.core.errors import XorError
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.core.timeframes import Timeframe
from xor_trading.data.candle_feed import CandleFeed
from xor_trading.domain.bot_lifecycle import BotState
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import CancelAllOrders, SubmitOrder
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.runtime.bot_assembly import AssembledBot
from xor_trading.runtime.command_guard import CommandGuard
from xor_trading.runtime.event_log import EventLogRecorder
from xor_trading.runtime.lifecycle_tracker import LifecycleTracker
from xor_trading.runtime.live_session import LiveSession, LiveTradingHaltedError
from xor_trading.timeseries.price_grid import tick_of

logger = logging.getLogger("xor.runtime")

Reconcile = Callable[[], Awaitable[None]]
FLATTEN_TAG = "flatten"


class BotRuntime:
    """Runs one assembled bot from a candle feed (see the module)."""

    def __init__(
        self,
        bot: AssembledBot,
        guard: CommandGuard,
        tracker: LifecycleTracker,
        feed: CandleFeed,
        clock: Clock,
        *,
        warmup_candles: int | None = None,
        reconcile: Reconcile | None = None,
        live: LiveSession | None = None,
        event_log: EventLogRecorder | None = None,
    ) -> None:
        self.bot = bot
        self.guard = guard
        self.tracker = tracker
        self._feed = feed
        self._clock = clock
        self._reconcile = reconcile
        self.live = live
        self.event_log = event_log
        self.halted_by_reconciliation = False  # the venue disagrees: send nothing at all
        self._timeframe = Timeframe.parse(bot.spec.timeframe)
        strategies_need = max(r.strategy.warmup_bars for r in bot.runners.values())
        self.warmup_candles = strategies_need + 1 if warmup_candles is None else warmup_candles
        self.ready = asyncio.Event()  # set once warmed up and reconciled
        self.candles_seen = 0
        self._last: dict[Symbol, Candle] = {}
        self._flatten_ids = 0
        if tracker.state is BotState.PAUSED:
            guard.paused = True

    @property
    def state(self) -> BotState:
        return self.tracker.state

    # -- the run ------------------------------------------------------------------------

    async def run(self) -> None:
        """Warm up, reconcile, trade closed candles until cancelled (see the module)."""
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            inner = exc.exceptions[0] if isinstance(exc, ExceptionGroup) else exc
            if isinstance(inner, _StrategyFailedError):
                return
            if isinstance(inner, LiveTradingHaltedError):
                self._halt(inner)
                return
            sentence = (
                inner.message if isinstance(inner, XorError) else f"{type(inner).__name__}: {inner}"
            )
            logger.error("bot %s failed: %s", self.bot.spec.bot_id, sentence)
            self.guard.fenced_reason = f"the bot's runtime failed: {sentence}"
            self.tracker.move(BotState.ERROR, f"runtime failure: {sentence}"[:255])

    async def close(self) -> None:
        """Release what the run holds outside the process (a live bot's connections); call
        once the run is over and the bot left (:meth:`leave`). The event log's footer is
        written first: nothing the bot does after this is part of its run."""
        if self.event_log is not None:
            try:
                self.event_log.close()
            except OSError:
                logger.exception("bot %s: could not finish its event log", self.bot.spec.bot_id)
        if self.live is not None:
            await self.live.close()

    def _halt(self, error: LiveTradingHaltedError) -> None:
        logger.error("bot %s halted: %s", self.bot.spec.bot_id, error.message)
        self.halted_by_reconciliation = True
        self.guard.fenced_reason = f"the bot is halted: {error.message}"
        self.tracker.move(BotState.HALTED, error.message[:255])

    async def _run(self) -> None:
        start_ms = await self._warm_up()
        if self.live is not None:
            await self.live.start()
            await self.live.gate("at startup")
        if self._reconcile is not None:
            await self._reconcile()
        self.guard.warming_up = False
        if self.event_log is not None:
            self.event_log.start(self.bot.start)
        else:
            self.bot.start()
        if not self.guard.paused:
            self.tracker.settle("reconciled and warmed up: watching candles")
        self.ready.set()
        if self._stopped_by_failure():
            return
        async with asyncio.TaskGroup() as group:
            for symbol in self.bot.runners:
                group.create_task(self._trade(symbol, start_ms))
            if self.live is not None:
                group.create_task(self.live.watch())

    async def _warm_up(self) -> int:
        """Replay history to the strategies; the open time of the first live candle."""
        tf = self._timeframe.ms
        current_open = self._clock.now_ms() // tf * tf
        since = current_open - self.warmup_candles * tf
        for symbol in self.bot.runners:
            for candle in await self._feed.history(symbol, self._timeframe, since, current_open):
                self.bot.warm_up(candle, symbol)
                self._last[symbol] = candle
        return current_open

    async def _trade(self, symbol: Symbol, since_ms: int) -> None:
        async for candle in self._feed.closed_candles(symbol, self._timeframe, since_ms):
            self.bot.feed_candle(candle, symbol)
            self._last[symbol] = candle
            self.candles_seen += 1
            if self._stopped_by_failure():
                raise _StrategyFailedError

    def _stopped_by_failure(self) -> bool:
        failure = self.bot.failure
        if failure is None:
            return False
        self.guard.fenced_reason = failure.message  # the bot sends nothing more
        self.tracker.move(BotState.ERROR, failure.message[:255])
        return True

    # -- control ------------------------------------------------------------------------

    def pause(self) -> None:
        """No new entries; exits, stops and targets are still managed."""
        self.guard.paused = True
        self.tracker.state = BotState.PAUSED  # recorded by the user's command already

    def resume(self) -> None:
        """Trade again (the recorded state is ``starting``, moved by the user's command)."""
        self.guard.paused = False
        self.tracker.state = BotState.STARTING
        if self.ready.is_set():
            self.tracker.settle("resumed: watching candles")

    def fence(self, reason: str) -> None:
        """Send nothing more, from now on (the lease is lost or being given up)."""
        self.guard.fenced_reason = reason

    def wind_down(self, *, cancel_orders: bool, flatten: bool) -> None:
        """Before a stop or a halt: cancel every open order and, when ``flatten``, close
        every position at market (reduce-only; on a paper venue at the last close)."""
        kernel = self.bot.kernel
        now = self._clock.now_ms()
        if cancel_orders or flatten:
            self._send_own(CancelAllOrders(now))
        if not flatten:
            return
        for symbol, position in list(kernel.portfolio.positions.items()):
            if position.quantity == 0:
                continue
            self._flatten_ids += 1
            inst = self.bot.instruments[symbol]
            last = self._last.get(symbol)
            reference = (
                Decimal(tick_of(last.close, float(inst.tick_size))) * inst.tick_size
                if last is not None
                else None
            )
            self._send_own(
                SubmitOrder(
                    order_id=OrderId(f"{kernel.order_id_prefix}F-{self._flatten_ids}"),
                    strategy_id=self._strategy_of(symbol),
                    symbol=symbol,
                    side=OrderSide.SELL if position.quantity > 0 else OrderSide.BUY,
                    order_type=OrderType.MARKET,
                    quantity=abs(position.quantity),
                    ts_ms=now,
                    reduce_only=True,
                    reference_price=reference,
                    tag=FLATTEN_TAG,
                ),
            )
            venue = self.bot.matching_venue
            if venue is not None and last is not None:
                venue.fill_market_orders_at_close(symbol, last, now)

    async def leave(self, *, cancel_orders: bool, flatten: bool) -> None:
        """:meth:`wind_down`, awaited: a live bot's open orders are cancelled until the venue
        confirms none is open (its session's deadline); a bot halted by reconciliation
        sends nothing (the venue and the bot disagree: a person decides)."""
        if self.live is None:
            self.wind_down(cancel_orders=cancel_orders, flatten=flatten)
            return
        if self.halted_by_reconciliation or not self.ready.is_set():
            return  # never reconciled, or disagreeing with the venue: send nothing
        if cancel_orders or flatten:
            confirmed = await self.live.cancel_all()
            logger.info(
                "bot %s: open orders cancelled%s",
                self.bot.spec.bot_id, "" if confirmed else " (not all confirmed by the venue)",
            )  # fmt: skip
        if flatten:
            self.wind_down(cancel_orders=False, flatten=True)
            await self.live.settle_orders()  # the closing orders are answered before close

    def _send_own(self, command: object) -> None:
        """A command of the runtime itself, to the risk engine (on record when recording)."""
        bus = self.bot.kernel.bus
        if self.event_log is None:
            bus.send(RISK, command)
        else:
            self.event_log.runtime_command(command, lambda: bus.send(RISK, command))

    def _strategy_of(self, symbol: Symbol) -> StrategyId:
        return self.bot.runners[symbol].strategy.ctx.strategy_id


class _StrategyFailedError(Exception):
    """A strategy raised; the bot moved to ERROR (internal: ends the candle tasks)."""
