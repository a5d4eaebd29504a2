"""Kill switch cancel-all (R16): a switch engaged over a running live bot cancels every
open order of the bot, confirmed by the venue, within 5 s while 20 % of the requests
fail; the bot cannot start again until the switch is re-armed; the switch is audited."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from xor_trading.bus.endpoints import RISK
from xor_trading.core.errors import ConflictError
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    FaultKind,
    FaultPlan,
)
from xor_trading.persistence.tables.audit_log import AuditEntryRow
from xor_trading.persistence.tables.orders import OrderRow
from xor_trading.runtime.bot_runtime import BotRuntime
from xor_trading.services.container import Container
from xor_trading.services.kill_switch_service import KillSwitchScope, KillSwitchService
from xor_trading.testing.live_bots import (
    KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

RESTING_ORDERS = 10
# 20 % of the requests fail, on every endpoint: lost before or after the venue acted,
# a gateway error, an unknown error applied or not.
TWENTY_PERCENT = {
    FaultKind.DROP_REQUEST: 0.05,
    FaultKind.DROP_RESPONSE: 0.05,
    FaultKind.HTTP_503_TEXT: 0.05,
    FaultKind.ERROR_1000: 0.05,
}


def _place_resting_buys(runtime: BotRuntime, price: Decimal) -> None:
    kernel = runtime.bot.kernel
    limit = (price / 2).quantize(Decimal("0.01"))
    for i in range(RESTING_ORDERS):
        kernel.bus.send(
            RISK,
            SubmitOrder(
                order_id=OrderId(f"{kernel.order_id_prefix}K-{i}"),
                strategy_id=StrategyId("test"),
                symbol=Symbol("BTC/USDT"),
                side=OrderSide.BUY,
                order_type=OrderType.LIMIT,
                quantity=Decimal("0.0002"),
                ts_ms=runtime.bot.clock.now_ms(),
                limit_price=limit - i,
            ),
        )


def _open_at_venue(venue: BinanceServerHandle) -> int:
    return sum(1 for o in venue.account(KEY).orders if o.is_open)


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_switch_cancels_every_open_order_within_5_s_despite_20_percent_failures(
    container: Container, venue: BinanceServerHandle, seed: int
) -> None:
    bot = seed_live_bot(container)
    quiet = zigzag_frame(venue.price(), candles_after_now=0)
    switches = KillSwitchService(container)

    async def scenario() -> float:
        worker = make_worker(container, quiet)
        async with running_worker(worker):
            await wait_until(lambda: bot.state() == "monitoring")
            _place_resting_buys(worker.runtimes[bot.bot_id], venue.price())
            await wait_until(lambda: _open_at_venue(venue) == RESTING_ORDERS)
            venue.set_fault_plan(FaultPlan(seed=seed, probabilities=TWENTY_PERCENT))
            switches.engage(bot.owner, KillSwitchScope.BOT, bot.bot_id, reason="R16 drill")
            engaged = time.monotonic()
            await wait_until(lambda: _open_at_venue(venue) == 0, timeout_s=10)
            took = time.monotonic() - engaged
        return took

    took = asyncio.run(scenario())

    faulted = [r.fault for r in venue.requests(KEY, "DELETE /api/v3/order") if r.fault]
    print(f"cancel-all confirmed by the venue in {took:.2f} s; cancels faulted: {faulted}")
    assert took < 5.0
    assert any(record.fault for record in venue.requests(KEY))  # faults were injected
    with container.database.read_session() as session:
        statuses = [
            r.status for r in session.scalars(select(OrderRow).where(OrderRow.bot_id == bot.bot_id))
        ]
        actions = list(session.scalars(select(AuditEntryRow.action)))
    assert statuses == ["canceled"] * RESTING_ORDERS
    assert "kill_switch.engage" in actions
    assert bot.state() == "halted"


def test_bot_under_an_engaged_kill_switch_cannot_start_until_it_is_rearmed(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    switches = KillSwitchService(container)
    switch = switches.engage(bot.owner, KillSwitchScope.BOT, bot.bot_id, reason="drill").switch
    bot.command(BotCommand.STOP)

    with pytest.raises(ConflictError, match="cannot start while"):
        bot.command(BotCommand.START)
    switches.rearm(bot.owner, switch.id, reason="safe again")
    bot.command(BotCommand.START)

    assert bot.state() == "starting"
    assert venue.signed_request_count(KEY) == 0  # no worker ran: nothing was sent
