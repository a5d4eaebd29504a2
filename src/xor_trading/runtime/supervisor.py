"""The supervisor: runs the bots this worker owns, many in one asyncio loop.

Every ``poll_every_ms`` (:meth:`Supervisor.tick`):

1. Read the bots that should run from the :class:`BotDirectory` (the database is the
   source of truth; the API moves states): ``starting``, the trading loop and ``paused``.
2. Renew the leases held, every ``renew_every_ms``. A lease that is lost (another worker
   took it) fences its bot at once: it sends nothing more, and its task is cancelled. A
   renewal that fails (database unreachable) fences the bot once the lease's own expiry
   is near, so a partitioned worker stops before anyone may take over.
3. Follow the recorded state of each bot it runs: ``paused`` -> :meth:`pause`,
   ``starting`` again -> :meth:`resume`; a bot no longer wanted (stopped, deleted,
   halted, failed) is wound down (the directory says how: cancel its open orders,
   flatten for a kill switch that asks for it; a live bot waits until the venue confirms
   its orders are cancelled), fenced, stopped and its lease released. Bots are followed
   concurrently, so a global kill switch cancels every bot's orders at once.
4. Acquire the lease of each wanted bot not running here and start its runtime (built by
   the injected factory, which restores what an earlier run left).

:meth:`Supervisor.shutdown` (SIGTERM): every bot is fenced at once (no new entries),
optionally flattened first, its task cancelled and its lease released; the recorded state
is left as it is, so another worker (or this one, restarted) resumes the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from xor_trading.core.clock import Clock
from xor_trading.domain.bot_lifecycle import ACTIVE_STATES, BotState
from xor_trading.runtime.bot_runtime import BotRuntime
from xor_trading.runtime.lease import Lease, LeaseStore, LeaseTiming

logger = logging.getLogger("xor.runtime")

RUN_STATES: frozenset[BotState] = ACTIVE_STATES | {BotState.PAUSED}
"""Recorded states in which a bot should be running somewhere."""

DEFAULT_POLL_EVERY_MS = 1_000
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class WindDown:
    """What to do with a bot's orders and positions when it stops running here."""

    cancel_orders: bool = True
    flatten: bool = False


class BotDirectory(Protocol):
    """The bots' recorded states (the database)."""

    def wanted_bots(self) -> dict[str, BotState]:
        """Every bot this worker may run whose recorded state is in :data:`RUN_STATES`."""
        ...

    def wind_down(self, bot_id: str) -> WindDown:
        """How to leave a bot that is no longer wanted (read its state and switches)."""
        ...


RuntimeFactory = Callable[[str, Lease, BotState], BotRuntime]
"""Builds the runtime of a bot just acquired (its recorded state given); may raise."""


@dataclass(slots=True)
class _Held:
    lease: Lease
    runtime: BotRuntime
    task: asyncio.Task[None]


class Supervisor:
    """Runs the bots of one worker process (see the module)."""

    def __init__(
        self,
        worker_id: str,
        leases: LeaseStore,
        directory: BotDirectory,
        factory: RuntimeFactory,
        clock: Clock,
        *,
        timing: LeaseTiming | None = None,
        poll_every_ms: int = DEFAULT_POLL_EVERY_MS,
        max_bots: int | None = None,
    ) -> None:
        self.worker_id = worker_id
        self._leases = leases
        self._directory = directory
        self._factory = factory
        self._clock = clock
        self.timing = timing or LeaseTiming()
        self._poll_s = poll_every_ms / 1000
        self._max_bots = max_bots
        self.held: dict[str, _Held] = {}
        self._last_renew = time.monotonic()

    # -- the loop -----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set (the caller then calls :meth:`shutdown`)."""
        while not stop.is_set():
            await self.tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll_s)

    async def tick(self) -> None:
        try:
            wanted: dict[str, BotState] | None = self._directory.wanted_bots()
        except Exception:
            logger.exception("could not read which bots should run")
            wanted = None
        await self._renew_due()
        if wanted is None:
            return
        await asyncio.gather(*(self._follow(b, wanted.get(b)) for b in list(self.held)))
        for bot_id, state in wanted.items():
            if bot_id in self.held:
                continue
            if self._max_bots is not None and len(self.held) >= self._max_bots:
                break
            self._acquire(bot_id, state)

    # -- leases -------------------------------------------------------------------------

    async def _renew_due(self) -> None:
        if (time.monotonic() - self._last_renew) * 1000 < self.timing.renew_every_ms:
            return
        self._last_renew = time.monotonic()
        for bot_id, held in list(self.held.items()):
            now = self._clock.now_ms()
            try:
                renewed = self._leases.renew(held.lease, now, self.timing.ttl_ms)
            except Exception:
                logger.exception("could not renew the lease of bot %s", bot_id)
                # Stop before the lease can expire: someone may take over right after.
                if now + self.timing.renew_every_ms >= held.lease.expires_ms:
                    await self._drop(bot_id, "the lease could not be renewed in time")
                continue
            if renewed is None:
                await self._drop(bot_id, "the lease was taken over by another worker")
            else:
                held.lease = renewed

    def _acquire(self, bot_id: str, state: BotState) -> None:
        try:
            lease = self._leases.acquire(
                bot_id, self.worker_id, self._clock.now_ms(), self.timing.ttl_ms
            )
        except Exception:
            logger.exception("could not acquire the lease of bot %s", bot_id)
            return
        if lease is None:
            return  # another worker runs it
        try:
            runtime = self._factory(bot_id, lease, state)
        except Exception:
            logger.exception("could not start bot %s", bot_id)
            self._release(lease)
            return
        task = asyncio.create_task(runtime.run(), name=f"bot-{bot_id}")
        self.held[bot_id] = _Held(lease, runtime, task)
        logger.info("bot %s started (fencing token %d)", bot_id, lease.fencing_token)

    def _release(self, lease: Lease) -> None:
        try:
            self._leases.release(lease, self._clock.now_ms())
        except Exception:
            logger.exception("could not release the lease of bot %s", lease.bot_id)

    # -- following recorded states ------------------------------------------------------

    async def _follow(self, bot_id: str, recorded: BotState | None) -> None:
        held = self.held[bot_id]
        runtime = held.runtime
        if recorded is None:
            try:
                how = self._directory.wind_down(bot_id)
            except Exception:
                logger.exception("could not read how to wind down bot %s", bot_id)
                how = WindDown()
            try:
                await runtime.leave(cancel_orders=how.cancel_orders, flatten=how.flatten)
            except Exception:
                logger.exception("could not wind down bot %s", bot_id)
            await self._stop(bot_id, "the bot is no longer meant to run", release=True)
            return
        if held.task.done():
            # The run ended (a failure recorded as ERROR, or one it could not record):
            # start afresh next tick, under a new token.
            await self._stop(bot_id, "the bot's run ended", release=True)
            return
        if recorded is BotState.PAUSED and runtime.state is not BotState.PAUSED:
            runtime.pause()
        elif recorded is BotState.STARTING and runtime.state is BotState.PAUSED:
            runtime.resume()

    async def _drop(self, bot_id: str, reason: str) -> None:
        """Lost the lease: fence at once, stop, and do not touch the lease any more."""
        logger.warning("bot %s: %s; it sends nothing more from this worker", bot_id, reason)
        await self._stop(bot_id, reason, release=False)

    async def _stop(self, bot_id: str, reason: str, *, release: bool) -> None:
        held = self.held.pop(bot_id)
        held.runtime.fence(reason)
        held.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(held.task, STOP_TIMEOUT_S)
        try:
            await asyncio.wait_for(held.runtime.close(), STOP_TIMEOUT_S)
        except Exception:
            logger.exception("could not close the connections of bot %s", bot_id)
        if release:
            self._release(held.lease)

    async def shutdown(self, *, flatten: bool = False) -> None:
        """Stop every bot here (see the module); the recorded states stay as they are."""
        for held in self.held.values():
            held.runtime.fence("the worker is shutting down")  # no new entries, at once
        for bot_id in list(self.held):
            held = self.held[bot_id]
            if flatten:
                try:
                    await held.runtime.leave(cancel_orders=True, flatten=True)
                except Exception:
                    logger.exception("could not flatten bot %s", bot_id)
            await self._stop(bot_id, "the worker is shutting down", release=True)
