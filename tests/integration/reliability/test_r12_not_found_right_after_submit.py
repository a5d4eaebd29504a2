"""R12: "not found" right after submit (reliability spec, section 6).

The venue answers queries from a store that lags its matching engine: every new order
stays invisible to queries (query order, open orders, all orders) for 0-5 s, drawn by seed,
while the bots' in-flight checks keep asking. Pass: no order reaches a terminal state it
does not have at the venue, none is reported vanished, and once visible every order is
resolved as the venue holds it (final reconciliation passes, no invariant broken).
"""

from __future__ import annotations

import random

from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    FaultKind,
    ScriptedFault,
)
from xor_trading.testing.live_rig import (
    LiveRig,
    RigConfig,
    chaos_seeds,
    key_specs,
    run_seeds,
    scaled,
)

MAX_HIDDEN_MS = 5_000


def test_r12_orders_hidden_from_queries_for_up_to_5_s_get_no_false_terminal_state() -> None:
    seed = chaos_seeds(ci=1, full=1, base=1201)[0]
    rig = RigConfig(
        seed=seed,
        bots=4,
        intents_per_bot=scaled(ci=10, full=100),
        cancel_share=0.0,
        limit_share=0.6,
        marketable_limit_share=0.0,
        check_interval_ms=500,
        not_found_span_ms=MAX_HIDDEN_MS + 500,  # the span must exceed the venue's lag
    )
    rng = random.Random(seed)
    hidden = [rng.randint(0, MAX_HIDDEN_MS) for _ in range(rig.bots * rig.intents_per_bot)]

    async def hidden_orders(live: LiveRig) -> None:
        for hidden_ms in hidden:
            live.venue.script_fault(ScriptedFault(FaultKind.HIDDEN_ORDER, hidden_ms=hidden_ms))
        await live.drive()
        await live.wait_until(lambda: False, MAX_HIDDEN_MS / 1000)  # every order visible
        orders = [o for bot in live.bots for o in bot.orders()]
        false_ends.extend(
            f"{o.order_id}: {o.status.value}"
            for o in orders
            if o.status.is_terminal and o.status.value != "filled"
        )
        vanished.extend(v for bot in live.bots for r in bot.checks for v in r.vanished_orders)

    false_ends: list[str] = []
    vanished: list[str] = []
    server = BinanceServerConfig(keys=key_specs(rig), weight_limit_per_window=10**7)
    [report] = run_seeds([(server, rig)], hidden_orders)

    assert report.faults["hidden_order"] == len(hidden)
    assert false_ends == []
    assert vanished == []
    assert report.violations == []
