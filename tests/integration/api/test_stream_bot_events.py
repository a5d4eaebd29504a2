"""A bot run by a worker in the API's process (``xor platform``) reaches the owner's
WebSocket: its orders, fills and PnL arrive on ``/api/v1/stream`` exactly as the REST API
returns the same records, and its live candles on the market's channel."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from xor_trading.core.clock import TestClock
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.data.samples import SAMPLES_DIR
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.domain.users import Role
from xor_trading.services.bot_service import BotService
from xor_trading.services.bot_worker import BotWorker, WorkerOptions
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal
from xor_trading.services.stream_events import publish_alert
from xor_trading.testing.waiting import wait_until

STREAM = "/api/v1/stream"
WARMUP = 8
CANDLES = 24  # sma_cross(3, 8) opens a position on these and closes it (one round trip)
CANDLE_CHANNEL = "candles.binance.BTC-USDT.1h"


@contextmanager
def subscribed(
    client: TestClient, user: Any, channels: list[str]
) -> Iterator[WebSocketTestSession]:
    with client.websocket_connect(STREAM) as ws:
        token = user.headers["Authorization"].split(" ", 1)[1]
        ws.send_json({"type": "auth", "token": token})
        assert ws.receive_json()["type"] == "authenticated"
        ws.send_json({"type": "subscribe", "channels": channels})
        assert ws.receive_json() == {"type": "subscribed", "channels": channels}
        yield ws


def run_paper_bot(container: Container, bot_id: str) -> None:
    """A worker in this process runs the bot over the shipped candles until it saw them."""
    frame = ParquetCandleStore(SAMPLES_DIR).read("binance", "BTC/USDT", "1h").frame
    frame = frame.between(int(frame.ts_ms[0]), int(frame.ts_ms[CANDLES]))
    feed = ReplayCandleFeed.over_frames({"BTC/USDT": frame}, wait_at_end=True)
    worker = BotWorker(
        container,
        lambda _spec: feed,
        options=WorkerOptions(stake=Decimal(1_000), warmup_candles=WARMUP),
        bot_clock=lambda _spec: TestClock(int(frame.ts_ms[WARMUP])),
    )

    async def go() -> None:
        supervisor = worker.supervisor()
        await supervisor.tick()
        runtime = worker.runtimes[bot_id]
        await wait_until(lambda: runtime.candles_seen == CANDLES - WARMUP)
        await supervisor.shutdown()

    asyncio.run(go())


def test_a_running_bot_reaches_its_owner_over_the_websocket(
    client: TestClient, container: Container, make_user: Any
) -> None:
    user = make_user(role="trader")
    owner = Principal(user.id, Role.TRADER)
    service = BotService(container)
    bot = service.create(
        owner,
        {
            "name": "paper sma",
            "strategy": "sma_cross",
            "params": {"fast": 3, "slow": 8},
            "symbols": ["BTC/USDT"],
            "timeframe": "1h",
            "mode": "paper",
            "risk": {"enabled": False},
        },
    )
    service.command(owner, bot.id, BotCommand.START)
    channels = [f"bots.{bot.id}.orders", f"bots.{bot.id}.fills", f"pnl.{user.id}"]

    with subscribed(client, user, [*channels, CANDLE_CHANNEL, f"alerts.{user.id}"]) as ws:
        run_paper_bot(container, bot.id)  # everything is published by now
        # A last event, so that reading stops there even if an expected one never came.
        publish_alert(container, owner_id=user.id, level="info", message="end of the test")
        events = []
        while (frame := ws.receive_json())["channel"] != f"alerts.{user.id}":
            assert frame["type"] == "event", frame
            events.append(frame)

    # One round trip: the entry submitted, accepted, its fill, filled; the same for the
    # exit, whose fill closes the trade (then the PnL).
    trading = [e for e in events if e["channel"] != CANDLE_CHANNEL]
    assert [e["channel"].rsplit(".", 1)[-1] for e in trading] == [
        "orders", "orders", "fills", "orders", "orders", "orders", "fills", user.id, "orders"
    ]  # fmt: skip
    entry_filled, exit_fill, pnl, exit_filled = trading[3], trading[6], trading[7], trading[8]

    # The order and the fill are the REST API's records, field for field.
    for update in (entry_filled, exit_filled):
        order = update["data"]["order"]
        assert order["status"] == "filled"
        answer = client.get(f"/api/v1/orders/{order['id']}", headers=user.headers)
        assert answer.status_code == 200
        assert answer.json() == order
    fill = exit_fill["data"]["fill"]
    answer = client.get(f"/api/v1/orders/{fill['order_id']}/fills", headers=user.headers)
    assert answer.json() == [fill]

    trades = client.get(f"/api/v1/trades?bot_id={bot.id}", headers=user.headers).json()["items"]
    assert len(trades) == 1
    assert pnl["data"] == {
        "bot_id": bot.id,
        "realized": trades[0]["net_pnl"],
        "unrealized": "0",
        "currency": "USDT",
        "at_ms": container.clock.now_ms(),
    }
    candles = [e["data"] for e in events if e["channel"] == CANDLE_CHANNEL]
    assert len(candles) == CANDLES - WARMUP  # the live ones
    assert {(c["exchange"], c["symbol"], c["timeframe"]) for c in candles} == {
        ("binance", "BTC/USDT", "1h")
    }
