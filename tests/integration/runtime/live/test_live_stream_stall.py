"""A private stream that stays connected and answers pings but delivers nothing (the venue's
``user_stream_silent``) is found by evidence and handled as a drop (R7): the fill REST
learned is booked once, the stall is declared ``grace`` after REST saw the fill, new
orders wait for the resync, the port reconnects, and once the venue streams again its
events arrive and no further stall is declared. Real CCXT client, simulated Binance."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

from xor_trading.bus.endpoints import RISK
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.events import OrderFilled
from xor_trading.domain.orders import OrderSide, OrderStatus, OrderType
from xor_trading.exchanges.ccxt_client.live_port import PrivateStreamStatus
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    FaultKind,
    ScriptedFault,
)
from xor_trading.runtime.bot_runtime import BotRuntime
from xor_trading.services.container import Container
from xor_trading.testing.live_bots import (
    FAST_LIVE,
    KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

GRACE_S = 1.5
POLL_S = 1.0  # in-flight polling while the stream is up
MARGIN_S = 0.3  # venue events this soon after a connection are no evidence
STALL_LIVE = dataclasses.replace(
    FAST_LIVE,
    port=dataclasses.replace(
        FAST_LIVE.port,
        stream_evidence_grace_s=GRACE_S,
        stream_connect_margin_s=MARGIN_S,
        poll_interval_streaming_s=POLL_S,
    ),
)
ACCOUNT = "GET /api/v3/account"
BTC = Symbol("BTC/USDT")
QUANTITY = Decimal("0.0002")


def _buy(runtime: BotRuntime, name: str, price: Decimal | None = None) -> SubmitOrder:
    kernel = runtime.bot.kernel
    return SubmitOrder(
        order_id=OrderId(f"{kernel.order_id_prefix}{name}"),
        strategy_id=StrategyId("test"),
        symbol=BTC,
        side=OrderSide.BUY,
        order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
        quantity=QUANTITY,
        ts_ms=runtime.bot.clock.now_ms(),
        limit_price=None if price is None else (price / 2).quantize(Decimal("0.01")),
    )


def _status(runtime: BotRuntime, name: str) -> OrderStatus | None:
    order = runtime.bot.kernel.execution.cache.get(
        OrderId(f"{runtime.bot.kernel.order_id_prefix}{name}")
    )
    return None if order is None else order.status


def test_silent_private_stream_is_found_by_evidence_and_handled_as_a_drop(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    quiet = zigzag_frame(venue.price(), candles_after_now=0)
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        worker = make_worker(container, quiet, live=STALL_LIVE)
        async with running_worker(worker):
            await wait_until(lambda: bot.state() == "monitoring")
            runtime = worker.runtimes[bot.bot_id]
            assert runtime.live is not None
            port = runtime.live.venue.port
            fills: list[OrderFilled] = []
            runtime.bot.kernel.bus.subscribe(OrderFilled, fills.append)
            await wait_until(lambda: port.stream_status.connected)
            await asyncio.sleep(MARGIN_S + 0.2)
            # The resync after the stall waits 1 s for its balances: time to see it refuse.
            venue.script_fault(ScriptedFault(FaultKind.DELAY_RESPONSE, ACCOUNT, delay_s=1.0))

            venue.silence_user_stream()
            events_silent = port.stream_status.events
            runtime.bot.kernel.bus.send(RISK, _buy(runtime, "S-1"))
            await wait_until(lambda: _status(runtime, "S-1") is OrderStatus.FILLED)
            filled_at = loop.time()
            await wait_until(lambda: port.stream_status.stalls == 1, GRACE_S + POLL_S + 2)
            seen["detected_after_s"] = loop.time() - filled_at
            seen["refused"] = not runtime.guard(_buy(runtime, "S-2", venue.price()))
            seen["at_stall"] = port.stream_status
            seen["events_while_silent"] = port.stream_status.events - events_silent

            await wait_until(lambda: port.stream_status.connected, 10)  # CCXT reconnected
            await wait_until(lambda: runtime.guard.reconciling_reason is None, 10)
            seen["passes_after_resync"] = runtime.guard(_buy(runtime, "S-2b", venue.price()))

            venue.silence_user_stream(False)
            await asyncio.sleep(MARGIN_S + 0.2)
            events_loud = port.stream_status.events
            runtime.bot.kernel.bus.send(RISK, _buy(runtime, "S-3"))
            await wait_until(lambda: port.stream_status.events > events_loud, 5)
            await asyncio.sleep(GRACE_S + 0.5)  # past the grace of S-3's REST facts
            seen["final"] = port.stream_status
            seen["fills"] = [str(f.fill.trade_id) for f in fills]
            seen["holding"] = runtime.bot.kernel.portfolio.holding(BTC)

    asyncio.run(scenario())

    # Declared grace after REST saw the fill (the create reply, just before the test saw
    # it FILLED), never before; the bound is grace + the polling interval.
    assert GRACE_S - 0.5 <= seen["detected_after_s"] <= GRACE_S + POLL_S
    assert seen["refused"] is True
    at_stall: PrivateStreamStatus = seen["at_stall"]
    assert (at_stall.connected, at_stall.drops, at_stall.stalls) == (False, 1, 1)
    assert seen["events_while_silent"] == 0
    assert seen["passes_after_resync"] is True
    final: PrivateStreamStatus = seen["final"]
    assert (final.connected, final.drops, final.stalls) == (True, 1, 1)  # no second stall
    ledger = venue.account(KEY)
    venue_trades = [str(t.trade_id) for t in ledger.trades]
    assert len(venue_trades) >= 2  # S-1 and S-3 filled
    assert seen["fills"] == venue_trades  # each booked exactly once, none twice
    bought = sum((t.qty - t.commission for t in ledger.trades), Decimal(0))  # fee in BTC
    assert seen["holding"] == bought
    dropped = {f.endpoint for f in venue.fault_log() if f.kind is FaultKind.USER_STREAM_SILENT}
    assert dropped == {"WS user data executionReport NEW", "WS user data executionReport TRADE"}
