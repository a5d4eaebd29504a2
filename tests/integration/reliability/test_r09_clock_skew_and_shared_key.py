"""R9: clock skew and a key shared by two bots (reliability spec, section 6).

The venue's clock runs +-500 ms, +-1.5 s and +-10 s away from the bots' clock and applies
Binance's timing rule (-1021 when a request's timestamp is 1 s ahead of it or more than
recvWindow behind). With the port's server-time sync on (it syncs at start), no request
may be refused for its timestamp. Two bots sharing one API key (on different symbols, one
account) send their requests through the key's signing lane: no timestamp refusal over
CI 500 signed requests (full: 10,000).
"""

from __future__ import annotations

from xor_trading.exchanges.simulated.binance_server import BinanceServerConfig
from xor_trading.testing.live_rig import (
    RigConfig,
    SkewedClock,
    chaos_seeds,
    key_specs,
    run_seeds,
    scaled,
)

SKEWS_MS = [500, -500, 1_500, -1_500, 10_000, -10_000]
TIMESTAMP_REFUSED = (400, -1021)


def test_r09_skewed_venue_clock_with_sync_refuses_no_request_for_its_timestamp() -> None:
    seed = chaos_seeds(ci=1, full=1, base=901)[0]
    rigs = [RigConfig(seed=seed + n, bots=2, intents_per_bot=10) for n in range(len(SKEWS_MS))]
    runs = [
        (BinanceServerConfig(keys=key_specs(rig), clock=SkewedClock(skew)), rig)
        for rig, skew in zip(rigs, SKEWS_MS, strict=True)
    ]

    reports = run_seeds(runs, at_once=len(runs))

    assert {r.seed: r.violations for r in reports if r.violations} == {}
    assert [r.responses[TIMESTAMP_REFUSED] for r in reports] == [0] * len(SKEWS_MS)
    assert all(r.venue_trades > 0 for r in reports)


def test_r09_two_bots_sharing_one_key_get_no_timestamp_refusal() -> None:
    seed = chaos_seeds(ci=1, full=1, base=951)[0]
    requests = scaled(ci=500, full=10_000)
    rig = RigConfig(
        seed=seed,
        bots=2,
        bots_per_key=2,
        symbols=("BTC/USDT", "ETH/USDT"),
        intents_per_bot=requests // 2,  # an intent costs about one signed request
        intent_pace_s=0.005,
    )
    server = BinanceServerConfig(
        keys=key_specs(rig), symbols=rig.symbols, weight_limit_per_window=10**7
    )

    [report] = run_seeds([(server, rig)])

    assert report.violations == []
    assert report.responses[TIMESTAMP_REFUSED] == 0
    assert report.signed_requests >= requests
