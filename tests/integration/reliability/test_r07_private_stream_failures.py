"""R7: private WebSocket failures (reliability spec, section 6).

Bots take fills over the private stream (``watch_my_trades``/``watch_orders``) while the
venue drops every WebSocket connection every few seconds (fills land before, during and
after the drops, with orders in flight) and stalls the streams once. REST polling and the
in-flight checks cover the gaps. Pass: over CI 20 disconnects (full 500) no fill is missed
and none is applied twice (every venue trade booked exactly once), every invariant against
the venue's ledger holds, and each stream retries at most once a second.
"""

from __future__ import annotations

import asyncio
import logging
import time

from xor_trading.exchanges.simulated.binance_server import BinanceServerConfig
from xor_trading.testing.live_rig import (
    LiveRig,
    RigConfig,
    chaos_seeds,
    key_specs,
    run_seeds,
    scaled,
)

STREAMS_PER_BOT = 2  # watch_my_trades and watch_orders
DROP_EVERY_S = 2.7  # past the port's first reconnect backoff (2 s plus up to 25 % jitter)


class StreamFailures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "retrying in" in record.getMessage()


def test_r07_dropped_and_stalled_private_streams_miss_no_fill_and_apply_none_twice() -> None:
    seed = chaos_seeds(ci=1, full=1, base=701)[0]
    bots = 10
    drops = scaled(ci=2, full=50)  # x 10 bots: 20 (full 500) disconnects of a live stream
    rig = RigConfig(
        seed=seed,
        bots=bots,
        intents_per_bot=int(drops * DROP_EVERY_S / 0.1),
        intent_pace_s=0.1,
        use_private_stream=True,
        poll_interval_s=1.0,
        limit_share=0.6,
        marketable_limit_share=0.0,
        limit_offset_bps=(2, 20),  # rests, then fills as the replayed market moves
    )
    failures = StreamFailures()
    timing: dict[str, float] = {}

    async def drops_and_stall(live: LiveRig) -> None:
        started = time.monotonic()
        driving = asyncio.ensure_future(live.drive())
        live.venue.stall_streams(1.0)
        for _ in range(drops):
            await asyncio.sleep(DROP_EVERY_S)
            live.venue.disconnect_streams()
        await driving
        await asyncio.sleep(DROP_EVERY_S)  # the last reconnect and its resync
        timing["run_s"] = time.monotonic() - started

    server = BinanceServerConfig(keys=key_specs(rig), speed=30, weight_limit_per_window=10**7)
    logger = logging.getLogger("xor_trading.exchanges.ccxt_client.live_port")
    logger.addHandler(failures)
    try:
        [report] = run_seeds([(server, rig)], drops_and_stall)
    finally:
        logger.removeHandler(failures)

    assert report.violations == []  # includes 0 lost, 0 double-applied fills
    assert report.venue_trades > 2 * bots
    assert failures.count >= drops * bots  # every drop hit a live stream of every bot
    assert failures.count <= bots * STREAMS_PER_BOT * timing["run_s"]  # <= 1 retry/s/stream
