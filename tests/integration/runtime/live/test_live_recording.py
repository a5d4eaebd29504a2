"""A live bot recorded by a worker with ``record_dir``: the recording wrappers around the
CCXT live port change nothing in how it trades (its orders fill on the simulated Binance
server), and its log holds the venue calls with what the venue answered, the venue's
asynchronous reports as inputs, and a footer once the worker shut down. (A live log is
for audit: its replay is exact only up to the first reconciliation; docs/replay.md.)"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from xor_trading.core.clock import LiveClock
from xor_trading.data.replay_feed import ReplayCandleFeed
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.services.bot_worker import BotWorker, WorkerOptions
from xor_trading.services.container import Container
from xor_trading.services.live_venue import CcxtLiveVenueFactory
from xor_trading.testing.live_bots import (
    FAST_LIVE,
    KEY,
    STAKE,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

CANDLES = 9  # two round trips of the zigzag


def test_live_bot_recorded_by_the_worker_trades_and_logs_calls_reports_and_footer(
    container: Container, venue: BinanceServerHandle, tmp_path: Path
) -> None:
    bot = seed_live_bot(container, email="live@example.test", api_key=KEY)
    frame = zigzag_frame(venue.price(), candles_after_now=CANDLES)
    feed = ReplayCandleFeed.over_frames({"BTC/USDT": frame}, speed=300.0, wait_at_end=True)
    worker = BotWorker(
        container,
        lambda _spec: feed,
        options=WorkerOptions(
            worker_id="worker-rec", poll_every_ms=100, stake=STAKE, record_dir=tmp_path
        ),
        live_venue_factory=CcxtLiveVenueFactory(container, FAST_LIVE),
        bot_clock=lambda _spec: LiveClock(),
    )

    async def scenario() -> None:
        async with running_worker(worker):
            await wait_until(
                lambda: (
                    bot.bot_id in worker.runtimes
                    and worker.runtimes[bot.bot_id].candles_seen == CANDLES
                ),
                timeout_s=20,
            )
            await asyncio.sleep(0.5)  # the last live fill arrives

    asyncio.run(scenario())
    lines = [json.loads(t) for t in (tmp_path / f"{bot.bot_id}-1.jsonl").read_text().splitlines()]
    calls = [line for line in lines if line["type"] == "call"]
    fills = [line for line in lines if line.get("event") == "OrderFilled"]
    report_inputs = {line["event"] for line in lines if line["type"] == "input"}

    assert lines[0]["spec"]["mode"] == "live"
    assert lines[-1]["type"] == "footer"
    assert len(calls) >= 2
    assert all(call["raised"] is None for call in calls)
    assert len(fills) >= 2
    assert {"OrderAcceptedReport", "OrderFilledReport"} <= report_inputs  # asynchronous
