"""The live session's decisions on a scripted venue account: the startup gate (retry while
incomplete, halt on a mismatch seen twice or at its deadline), the holding baseline taken
once, cursors persisted only after a run that may trade, the resync after a reconnect,
and cancel-all until the venue lists no open order of the bot."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from xor_trading.bus.endpoints import RISK
from xor_trading.core.clock import TestClock
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import Order, OrderSide, OrderStatus, OrderType
from xor_trading.exchanges.ccxt_client.live_port import PrivateStreamStatus
from xor_trading.execution.reconciliation_config import ReconciliationConfig
from xor_trading.execution.reconciliation_result import ReconciliationStatus
from xor_trading.execution.unknown_resolution import UnknownResolutionConfig
from xor_trading.risk.config import RiskConfig
from xor_trading.runtime.bot_assembly import assemble_bot
from xor_trading.runtime.bot_spec import BotSpec, RunMode
from xor_trading.runtime.command_guard import CommandGuard
from xor_trading.runtime.live_session import (
    LiveSession,
    LiveSessionConfig,
    LiveTradingHaltedError,
    LiveVenue,
    ReconnectSignal,
)
from xor_trading.runtime.stream_health import (
    PrivateStreamChanged,
    PrivateStreamEnded,
    PrivateStreamState,
)
from xor_trading.testing.scripted_account import ScriptedAccount

T0_MS = 1_800_000_000_000
BTC = Symbol("BTC/USDT")
T = TypeVar("T")


def client_id(order_id: OrderId) -> str:
    return f"xor-{order_id}"


class ScriptedLivePort(ScriptedAccount):
    """The scripted account with what the session asks of a live port besides queries."""

    def __init__(self, clock: TestClock) -> None:
        super().__init__(clock, client_order_id=client_id)
        self.tracked: list[tuple[OrderId, str, bool]] = []
        self.lose_first_cancel: set[OrderId] = set()
        self.started = self.closed = False
        self.stream_status = PrivateStreamStatus(connected=True, drops=0, stalls=0, events=0)

    def track(self, order: Order, client_order_id: str, *, unknown: bool = False) -> None:
        self.tracked.append((order.order_id, client_order_id, unknown))

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True

    async def drain(self) -> None:
        await asyncio.sleep(0)

    def cancel_order(self, order_id: OrderId) -> None:
        """The venue cancels, except the first request for an order in ``lose_first_cancel``
        (lost on the way: the session must ask again)."""
        super().cancel_order(order_id)
        if order_id in self.lose_first_cancel:
            self.lose_first_cancel.discard(order_id)
            return
        self.cancel(client_id(order_id))


class MemoryMarks:
    def __init__(
        self,
        cursors: Mapping[Symbol, int] | None = None,
        baseline: dict[str, Decimal] | None = None,
    ) -> None:
        self.cursors = dict(cursors or {})
        self.baseline = baseline
        self.saved_baselines: list[dict[str, Decimal]] = []

    def load(self) -> tuple[dict[Symbol, int], dict[str, Decimal] | None]:
        return dict(self.cursors), self.baseline

    def save_cursors(self, cursors_ms: Mapping[Symbol, int]) -> None:
        self.cursors.update(cursors_ms)

    def save_baseline(self, baseline: Mapping[str, Decimal]) -> None:
        self.saved_baselines.append(dict(baseline))
        self.baseline = {**(self.baseline or {}), **baseline}


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def make_session(
    marks: MemoryMarks | None = None, *, gate_timeout_s: float = 5.0
) -> tuple[LiveSession, ScriptedLivePort, MemoryMarks, CommandGuard, TestClock]:
    clock = TestClock(T0_MS)
    port = ScriptedLivePort(clock)
    port.set_balance("USDT", Decimal(1_000))
    marks = marks or MemoryMarks()
    spec = BotSpec(
        bot_id="b1", owner_id="u1", strategy="sma_cross", symbols=("BTC/USDT",),
        timeframe="1m", params={"fast": 1, "slow": 2}, mode=RunMode.LIVE, credential_id="c1",
        risk=RiskConfig.disabled(),
    )  # fmt: skip
    guard = CommandGuard()
    bot = assemble_bot(spec, clock, port, command_gate=guard)  # type: ignore[arg-type]
    guard.attach(bot.kernel)
    config = LiveSessionConfig(
        ReconciliationConfig(
            client_order_id_prefix="xor-",
            unknown=UnknownResolutionConfig(min_not_found_span_ms=0, recv_window_ms=0),
            in_flight_check_interval_ms=10,
        ),
        gate_timeout_s=gate_timeout_s,
        gate_retry_s=0.0,
        cancel_all_timeout_s=1.0,
    )
    venue = LiveVenue(port, marks, config, client_id, ReconnectSignal())  # type: ignore[arg-type]
    return venue.session(bot, guard), port, marks, guard, clock


def test_first_gate_takes_the_baseline_and_a_cursor_then_reconciles() -> None:
    session, port, marks, _, _ = make_session()
    port.set_balance("BTC", Decimal("0.5"))  # the user's own coins

    result = run(session.gate("at startup"))

    assert result.status is ReconciliationStatus.RECONCILED
    assert marks.saved_baselines == [{"BTC": Decimal("0.5")}]
    assert marks.cursors == {BTC: T0_MS}


def test_asset_the_venue_omits_counts_as_zero_for_the_baseline_and_holdings() -> None:
    session, _, marks, _, _ = make_session()  # the account lists USDT only

    result = run(session.gate("at startup"))

    assert result.status is ReconciliationStatus.RECONCILED
    assert marks.baseline == {"BTC": Decimal(0)}


def test_gate_after_a_restart_keeps_the_stored_baseline() -> None:
    marks = MemoryMarks({BTC: T0_MS - 1}, {"BTC": Decimal("0.5")})
    session, port, _, _, _ = make_session(marks)
    port.set_balance("BTC", Decimal("0.5"))

    result = run(session.gate("at startup"))

    assert result.status is ReconciliationStatus.RECONCILED
    assert marks.saved_baselines == []


def test_gate_retries_an_incomplete_run_and_passes_once_the_venue_answers() -> None:
    session, port, marks, _, _ = make_session()
    port.fail_next("fetch_balances")  # the baseline read
    port.fail_next("fetch_open_orders")  # the first reconciliation

    result = run(session.gate("at startup"))

    assert result.status is ReconciliationStatus.RECONCILED
    assert [c[0] for c in port.calls].count("fetch_balances") == 3  # failed, baseline, run
    assert marks.cursors == {BTC: T0_MS}


def test_gate_halts_on_a_mismatch_seen_twice_and_keeps_the_cursor() -> None:
    marks = MemoryMarks({BTC: T0_MS - 1}, {"BTC": Decimal(0)})
    session, port, _, _, _ = make_session(marks)
    port.manual_trade("manual-1", BTC, OrderSide.BUY, Decimal("0.1"), Decimal(100))

    with pytest.raises(LiveTradingHaltedError, match="disagreeing") as raised:
        run(session.gate("at startup"))

    assert "this bot never sent" in raised.value.message
    assert port.submitted == []
    assert marks.cursors == {BTC: T0_MS - 1}


def test_gate_halts_when_still_incomplete_at_its_deadline() -> None:
    session, port, _, _, _ = make_session(gate_timeout_s=0.0)
    port.fail_next("fetch_balances")

    with pytest.raises(LiveTradingHaltedError, match="could not complete in 0 s"):
        run(session.gate("at startup"))


def test_restored_open_orders_are_tracked_by_the_port_unknown_without_a_venue_id() -> None:
    session, port, _, guard, _ = make_session()
    restored = Order(
        order_id=OrderId("1.O-1"), symbol=BTC, side=OrderSide.BUY, order_type=OrderType.LIMIT,
        quantity=Decimal("0.1"), created_ms=T0_MS, limit_price=Decimal(50),
        status=OrderStatus.SUBMITTED,
    )  # fmt: skip
    session.bot.kernel.execution.restore(restored)

    LiveSession(session.venue, session.bot, guard)  # the session of the restarted run

    assert port.tracked == [(OrderId("1.O-1"), "xor-1.O-1", True)]


def test_reconnect_refuses_new_orders_until_the_resync_passed() -> None:
    session, port, _, guard, clock = make_session()
    run(session.gate("at startup"))
    guard.warming_up = False

    async def scenario() -> tuple[bool, bool]:
        watcher = asyncio.create_task(session.watch())
        session.venue.reconnects()  # the port's callback
        during = guard(_buy(clock))
        while guard.reconciling_reason is not None:
            await asyncio.sleep(0.001)
        after = guard(_buy(clock))
        watcher.cancel()
        return during, after

    during, after = run(scenario())

    assert (during, after) == (False, True)
    assert [c[0] for c in port.calls].count("fetch_balances") == 3  # baseline, gate, resync


def test_a_drop_is_published_at_once_with_orders_held_and_connected_once_resynced() -> None:
    session, port, _, guard, clock = make_session()
    run(session.gate("at startup"))
    guard.warming_up = False
    changes: list[PrivateStreamChanged] = []
    session.bot.kernel.bus.subscribe(PrivateStreamChanged, changes.append)
    ended: list[PrivateStreamEnded] = []
    session.bot.kernel.bus.subscribe(PrivateStreamEnded, ended.append)

    async def scenario() -> list[PrivateStreamChanged]:
        watcher = asyncio.create_task(session.watch())
        await asyncio.sleep(0.02)  # the watch reports the stream connected
        clock.advance(1_000)
        port.stream_status = PrivateStreamStatus(connected=False, drops=1, stalls=0, events=0)
        session.venue.reconnects()  # the port's drop signal
        at_signal = list(changes)
        clock.advance(2_000)
        port.stream_status = PrivateStreamStatus(connected=True, drops=1, stalls=0, events=0)
        session.venue.reconnects()  # connected again
        while guard.reconciling_reason is not None:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.02)
        watcher.cancel()
        await session.close()
        return at_signal

    at_signal = run(scenario())

    up = PrivateStreamChanged(PrivateStreamState.CONNECTED, False, 0, 0, T0_MS, None)
    down = PrivateStreamChanged(
        PrivateStreamState.RECONNECTING, True, 1, 0, T0_MS + 1_000, T0_MS + 1_000
    )
    assert at_signal == [up, down]  # the drop is published at the signal, not after the resync
    assert changes[-1] == PrivateStreamChanged(
        PrivateStreamState.CONNECTED, False, 1, 0, T0_MS + 3_000, T0_MS + 1_000
    )
    assert ended == [PrivateStreamEnded(T0_MS + 3_000)]


def test_cancel_all_asks_again_until_the_venue_lists_no_open_order_of_the_bot() -> None:
    session, port, _, _, clock = make_session()
    run(session.gate("at startup"))
    kernel = session.bot.kernel

    port.lose_first_cancel.add(OrderId("O-1"))

    async def scenario() -> bool:
        for i in range(3):
            kernel.bus.send(RISK, _buy(clock, f"O-{i}", limit=Decimal(50_000)))
        return await session.cancel_all()

    confirmed = run(scenario())

    assert confirmed is True
    assert sorted(port.cancel_requests) == ["O-0", "O-1", "O-1", "O-2"]  # O-1 asked twice
    assert [o.status for o in kernel.execution.cache.all()] == [OrderStatus.CANCELED] * 3


def _buy(clock: TestClock, name: str = "N-1", limit: Decimal | None = None) -> SubmitOrder:
    return SubmitOrder(
        order_id=OrderId(name), strategy_id=StrategyId("s"), symbol=BTC, side=OrderSide.BUY,
        order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        quantity=Decimal("0.01"), ts_ms=clock.now_ms(), limit_price=limit,
    )  # fmt: skip
