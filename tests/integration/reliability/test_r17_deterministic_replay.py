"""R17: deterministic replay (reliability spec, section 6).

The same seed run twice, each on a fresh server with the market replay paused: the same
seeded intents (resting limit orders on a fixed price grid, sent one after the other so
the venue draws its seeded faults in the same order), the same fault plan on creates, the
same market path afterwards (filling some orders), then every working order canceled.
Pass: the venue ledgers (orders, trades, balances) and the bots' outcomes (last status
and fills of every order) hash the same. The whole status sequences are compared and
printed but not required: how often an order was seen UNKNOWN or working before its fill
depends on when replies and polls happen on real sockets (the full-scale run differed
there once while ledgers and outcomes were identical). ``xor replay`` is the exact,
event-by-event reproduction of a recorded run (docs/replay.md).

Left out of both hashes because they are wall-clock readings: event and order times, and
reasons that quote durations. Market orders are left out of the scenario: they fill at
the replay price of the moment, which moves with the wall clock between the server's
start and the pause.
"""

from __future__ import annotations

import random
from decimal import Decimal

from xor_trading.domain.orders import OrderSide
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    FaultKind,
    FaultPlan,
)
from xor_trading.testing.live_rig import (
    LiveRig,
    RigConfig,
    RigReport,
    chaos_seeds,
    key_specs,
    run_seeds,
    scaled,
)

GRID = Decimal(100)  # limit prices sit on a grid around the price, far from its rounding
FAULTS = {
    FaultKind.DROP_REQUEST: 0.1,
    FaultKind.DROP_RESPONSE: 0.1,
    FaultKind.ERROR_1006: 0.1,
}


def run_once(seed: int) -> RigReport:
    rig = RigConfig(seed=seed, recv_window_ms=1_000, check_interval_ms=500)
    plan = FaultPlan(seed=seed, probabilities=FAULTS, endpoints=frozenset({"POST /api/v3/order"}))
    server = BinanceServerConfig(keys=key_specs(rig), faults=plan, weight_limit_per_window=10**7)

    async def resting_orders(live: LiveRig) -> None:
        live.venue.pause_replay()
        bot = live.bots[0]
        rng = random.Random(seed)
        centre = (live.venue.price("BTCUSDT") / GRID).to_integral_value() * GRID
        for _ in range(scaled(ci=12, full=100)):
            side = rng.choice((OrderSide.BUY, OrderSide.SELL))
            steps = Decimal(rng.randint(1, 8))
            away = -steps if side is OrderSide.BUY else steps
            bot.submit(side, Decimal("0.001") * rng.randint(1, 5), centre + away * GRID / 4)
            live.intents += 1
            await bot.port.drain()  # one create at a time: the venue draws faults in order
        live.venue.advance_replay(90 * 60_000)  # the market path fills some of them

    [report] = run_seeds([(server, rig)], resting_orders)
    return report


def test_r17_same_seed_twice_gives_identical_venue_ledger_and_event_stream() -> None:
    seed = chaos_seeds(ci=1, full=1, base=1701)[0]

    first, second = run_once(seed), run_once(seed)

    assert first.violations == []
    assert second.violations == []
    assert first.venue_trades > 0  # not a trivial run: orders filled and faults met
    assert sum(first.faults.values()) > 0
    assert (second.ledger_hash, second.outcome_hash) == (first.ledger_hash, first.outcome_hash)
    assert second.faults == first.faults
    # The full status sequences match too at CI scale; at full scale a poll may see an order
    # working before its fill in one run and not in the other (real sockets, real timing).
    print(f"status sequences identical: {second.event_hash == first.event_hash}")
