"""A live bot's owner is told when its private stream drops or stalls and when it is back
(R7): the venue closes every WebSocket (as R7 drops them) or goes silent on the user data
stream (``user_stream_silent``, ADR 0021); the owner's webhook channel subscribed to
``exchange_stream`` receives one warning naming the drop or the stall, then, once the
stream is back and the bot resynced, one info alert with the time down; a second drop
within 5 minutes announces nothing. Meanwhile the bot shows its stream's state
(``BotService.get``, what ``GET /bots/{id}`` returns), and nothing once the worker stopped.
Real CCXT client, simulated Binance; the webhook's host is answered by a fake resolver and
its requests by a recorder in place of the network."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from xor_trading.bus.endpoints import RISK
from xor_trading.core.ids import OrderId, StrategyId, Symbol
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import OrderSide, OrderType
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    FaultKind,
    ScriptedFault,
)
from xor_trading.runtime.bot_runtime import BotRuntime
from xor_trading.services.alert_channels import AlertChannelService, ChannelInput
from xor_trading.services.alert_delivery import ChannelKind
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import Container
from xor_trading.services.private_stream_status import BotStreamState, PrivateStreamView
from xor_trading.testing.live_bots import (
    FAST_LIVE,
    LiveBot,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

HOOK_HOST = "hooks.example-public.net"
HOOK_URL = f"https://{HOOK_HOST}/in/xor-alerts"
HOOK_IP = "93.184.215.14"  # a public address: the S11 checks pass; nothing is sent to it
QUICK_RECONNECT = dataclasses.replace(
    FAST_LIVE, port=dataclasses.replace(FAST_LIVE.port, stream_backoff_max_s=0.3)
)
STALL_FOUND = dataclasses.replace(
    QUICK_RECONNECT,
    port=dataclasses.replace(
        QUICK_RECONNECT.port,
        stream_evidence_grace_s=1.0,
        stream_connect_margin_s=0.3,
        poll_interval_streaming_s=1.0,
    ),
)
WHO = 'Live bot "live sma" on binance'
ACCOUNT = "GET /api/v3/account"


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The JSON bodies POSTed to :data:`HOOK_URL`, in order (answered 200)."""
    received: list[dict[str, Any]] = []
    resolve = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host == HOOK_HOST:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (HOOK_IP, port))]
        return resolve(host, port, *args, **kwargs)

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        assert (request.url.host, request.headers["Host"]) == (HOOK_IP, HOOK_HOST)
        received.append(json.loads(request.read()))
        return httpx.Response(200)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    return received


def subscribe_webhook(container: Container, bot: LiveBot) -> None:
    AlertChannelService(container).create(
        bot.owner,
        kind=ChannelKind.WEBHOOK,
        label="stream alerts",
        events=["exchange_stream"],
        destination=ChannelInput(url=HOOK_URL),
    )


def stream_of(bot: LiveBot) -> PrivateStreamView | None:
    return BotService(bot.container).get(bot.owner, bot.bot_id).private_stream


def shows(bot: LiveBot, state: BotStreamState, drops: int, held: bool) -> Callable[[], bool]:
    """Whether the bot shows its stream ``state`` after ``drops``, orders ``held`` or not."""

    def check() -> bool:
        view = stream_of(bot)
        return view is not None and (view.state, view.drops, view.orders_held) == (
            state,
            drops,
            held,
        )

    return check


def test_the_owner_is_warned_of_a_drop_then_told_of_the_recovery_once_per_window(
    container: Container, venue: BinanceServerHandle, webhook: list[dict[str, Any]]
) -> None:
    bot = seed_live_bot(container)
    subscribe_webhook(container, bot)
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        worker = make_worker(
            container, zigzag_frame(venue.price(), candles_after_now=0), live=QUICK_RECONNECT
        )
        async with running_worker(worker):
            await wait_until(lambda: bot.state() == "monitoring")
            runtime = worker.runtimes[bot.bot_id]
            assert runtime.live is not None
            port = runtime.live.venue.port

            def resynced(drops: int) -> Callable[[], bool]:
                return shows(bot, BotStreamState.CONNECTED, drops, False)

            await wait_until(resynced(0))
            seen["before"] = stream_of(bot)

            # The resync after the drop waits 1 s for its balances: time to see it held.
            venue.script_fault(ScriptedFault(FaultKind.DELAY_RESPONSE, ACCOUNT, delay_s=1.0))
            venue.disconnect_streams()
            await wait_until(shows(bot, BotStreamState.RECONNECTING, 1, True))
            seen["down"] = stream_of(bot)
            await wait_until(lambda: len(webhook) == 2)
            await wait_until(resynced(1))

            venue.disconnect_streams()  # flapping: within the 5-minute window
            await wait_until(lambda: port.stream_status.drops == 2)
            await wait_until(resynced(2))
            await asyncio.sleep(0.3)  # the io thread has had time to deliver anything due
            seen["after"] = stream_of(bot)
        seen["stopped"] = stream_of(bot)

    asyncio.run(scenario())

    assert [(m["event"], m["level"]) for m in webhook] == [
        ("exchange_stream", "warning"),
        ("exchange_stream", "info"),
    ]
    assert webhook[0]["message"] == (
        f"{WHO}: the private stream of orders and fills dropped; the bot is reconnecting, and "
        "new orders are held until it has resynced with the exchange."
    )
    recovery = webhook[1]["message"]
    assert recovery.startswith(
        f"{WHO}: the private stream of orders and fills is back and the bot has resynced with "
        "the exchange after "
    )
    assert recovery.endswith(" s down; new orders are accepted again.")

    before, down, after = seen["before"], seen["down"], seen["after"]
    assert (before.state, before.orders_held, before.drops, before.stalls) == (
        BotStreamState.CONNECTED, False, 0, 0
    )  # fmt: skip
    assert down.stalls == 0
    assert (after.state, after.orders_held, after.drops) == (BotStreamState.CONNECTED, False, 2)
    assert after.changed_at_ms > down.changed_at_ms > before.changed_at_ms
    assert seen["stopped"] is None  # the run ended: nothing live to show


def _market_buy(runtime: BotRuntime) -> SubmitOrder:
    kernel = runtime.bot.kernel
    return SubmitOrder(
        order_id=OrderId(f"{kernel.order_id_prefix}S-1"),
        strategy_id=StrategyId("test"),
        symbol=Symbol("BTC/USDT"),
        side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        quantity=Decimal("0.0002"),
        ts_ms=runtime.bot.clock.now_ms(),
    )


def test_the_owner_is_warned_of_a_stall_then_told_of_the_recovery(
    container: Container, venue: BinanceServerHandle, webhook: list[dict[str, Any]]
) -> None:
    bot = seed_live_bot(container)
    subscribe_webhook(container, bot)
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        worker = make_worker(
            container, zigzag_frame(venue.price(), candles_after_now=0), live=STALL_FOUND
        )
        async with running_worker(worker):
            await wait_until(lambda: bot.state() == "monitoring")
            runtime = worker.runtimes[bot.bot_id]
            assert runtime.live is not None
            port = runtime.live.venue.port
            await wait_until(lambda: port.stream_status.connected)
            await asyncio.sleep(0.5)  # past the connection margin: the fill is evidence

            # The resync after the stall waits 1 s for its balances: time to see it held.
            venue.script_fault(ScriptedFault(FaultKind.DELAY_RESPONSE, ACCOUNT, delay_s=1.0))
            venue.silence_user_stream()
            runtime.bot.kernel.bus.send(RISK, _market_buy(runtime))  # REST sees the fill
            await wait_until(shows(bot, BotStreamState.STALLED, 1, True), 5)
            seen["stalled"] = stream_of(bot)
            await wait_until(lambda: len(webhook) == 1)
            venue.silence_user_stream(False)
            await wait_until(lambda: len(webhook) == 2)
            seen["back"] = stream_of(bot)

    asyncio.run(scenario())

    assert [m["level"] for m in webhook] == ["warning", "info"]
    assert webhook[0]["message"] == (
        f"{WHO}: the private stream of orders and fills stalled (connected, but it stopped "
        "delivering the exchange's events); the bot is reconnecting, and new orders are held "
        "until it has resynced with the exchange."
    )
    assert webhook[1]["message"].startswith(
        f"{WHO}: the private stream of orders and fills is back and the bot has resynced"
    )
    stalled, back = seen["stalled"], seen["back"]
    assert (stalled.state, stalled.drops, stalled.stalls) == (BotStreamState.STALLED, 1, 1)
    assert (back.state, back.orders_held, back.drops, back.stalls) == (
        BotStreamState.CONNECTED, False, 1, 1
    )  # fmt: skip
