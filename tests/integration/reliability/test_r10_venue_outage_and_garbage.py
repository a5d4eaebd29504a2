"""R10: venue outage and garbage answers (reliability spec, section 6).

After a normal phase, every request meets a gateway page (502 HTML, 503 text, 504 HTML), a
maintenance page with HTTP 200, or JSON cut in half, while the bot keeps sending orders
and checking. Then the venue recovers. Pass: the circuit breaker opens (after 5 failures
in a row) and closes again within one check interval plus its cool-down after recovery;
no garbage answer changes an order wrongly (every invariant against the venue's ledger
holds after settling); nothing crashes (no error logged, no task failed).

Schema drift (missing fields, "NaN", negative quantities, wrong symbol) and a 10 MB body
are not faults the simulated server offers; the port's parsing and size cap are tested
against a scripted responder in tests/integration/exchanges/ccxt_live and
tests/unit/exchanges/ccxt_client.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from xor_trading.domain.orders import OrderSide
from xor_trading.exchanges.ccxt_client.circuit_breaker import BreakerState
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    FaultKind,
    FaultPlan,
)
from xor_trading.testing.live_rig import LiveRig, RigConfig, chaos_seeds, key_specs, run_seeds

GARBAGE = {
    FaultKind.HTTP_502_HTML: 0.2,
    FaultKind.HTTP_503_TEXT: 0.2,
    FaultKind.HTTP_504_HTML: 0.2,
    FaultKind.MAINTENANCE_HTML: 0.2,
    FaultKind.TRUNCATED_JSON: 0.19,
}
OUTAGE_S = 2.0


def test_r10_outage_opens_the_breaker_mutates_nothing_and_recovery_resumes_trading() -> None:
    seed = chaos_seeds(ci=1, full=1, base=1001)[0]
    rig = RigConfig(
        seed=seed, bots=2, intents_per_bot=10, recv_window_ms=1_000, check_interval_ms=500
    )
    seen: dict[str, object] = {}

    async def outage(live: LiveRig) -> None:
        await live.drive()
        live.venue.set_fault_plan(FaultPlan(seed=seed, probabilities=GARBAGE))
        end = time.monotonic() + OUTAGE_S
        while time.monotonic() < end:
            for bot in live.bots:
                bot.submit(OrderSide.BUY, Decimal("0.0005"))
            seen["opened"] = seen.get("opened") or live.breaker.state is not BreakerState.CLOSED
            await asyncio.sleep(0.1)
        seen["failures"] = live.breaker.consecutive_failures
        live.venue.set_fault_plan(FaultPlan(seed=seed))  # the venue is back
        recovered = time.monotonic()
        await live.wait_until(lambda: live.breaker.state is BreakerState.CLOSED, 10)
        seen["closed_after_s"] = time.monotonic() - recovered
        before = len(live.bots[0].orders())
        live.bots[0].submit(OrderSide.BUY, Decimal("0.0005"))
        await live.bots[0].port.drain()
        seen["resumed"] = live.bots[0].orders()[before].status.value

    server = BinanceServerConfig(keys=key_specs(rig), weight_limit_per_window=10**7)
    [report] = run_seeds([(server, rig)], outage)

    assert seen["opened"] is True
    assert seen["failures"] >= rig.breaker_failures
    assert seen["closed_after_s"] <= rig.check_interval_ms / 1000 + rig.breaker_cool_down_s
    assert seen["resumed"] == "filled"
    assert report.violations == []
    assert report.faults["truncated_json"] > 0
    assert report.faults["maintenance_html"] > 0
