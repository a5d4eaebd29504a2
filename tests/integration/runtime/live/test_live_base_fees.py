"""A live bot on the simulated Binance charging 0.1 % in the asset received (a buy's
commission in BTC): its position is what the account holds, its exits sell whole lots of
it and never more, the dust below one lot stays held and counted, and the full
reconciliation with the venue's balances is exact (RECONCILED)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from xor_trading.core.ids import Symbol
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.execution.reconciliation_result import ReconciliationStatus
from xor_trading.services.container import Container
from xor_trading.testing.live_bots import (
    KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

SYMBOL = Symbol("BTC/USDT")
LOT = Decimal("0.00001")  # the simulated Binance's BTCUSDT step size


def test_live_bot_with_base_fees_sells_what_it_holds_and_reconciles_exactly(
    container: Container, venue: BinanceServerHandle
) -> None:
    bot = seed_live_bot(container)
    frame = zigzag_frame(venue.price(), candles_after_now=11)

    async def scenario() -> dict[str, Any]:
        async with running_worker(make_worker(container, frame)) as supervisor:
            # two round trips: buy, sell, buy, sell
            await wait_until(lambda: len(venue.account(KEY).trades) >= 4, timeout_s=25)
            held = supervisor.held[bot.bot_id]
            portfolio = held.runtime.bot.kernel.portfolio
            await wait_until(lambda: portfolio.position_quantity(SYMBOL) == 0, timeout_s=5)
            live = held.runtime.live
            assert live is not None
            result = await live.gate("test: after two round trips")
            return {
                "status": result.status,
                "differences": result.differences,
                "position": portfolio.position_quantity(SYMBOL),
                "holding": portfolio.holding(SYMBOL),
                "fees": portfolio.account.fees,
            }

    seen = asyncio.run(scenario())

    account = venue.account(KEY)
    trades = account.trades[:4]
    assert [t.is_buyer for t in trades] == [True, False, True, False]
    assert all(t.commission > 0 for t in trades)
    assert [t.commission_asset for t in trades] == ["BTC", "USDT", "BTC", "USDT"]
    held_btc = Decimal(0)
    for trade in trades:
        if trade.is_buyer:
            held_btc += trade.qty - trade.commission
        else:  # an exit sells the whole lots held: never more, and nothing a lot could add
            assert trade.qty <= held_btc
            assert trade.qty == (held_btc // LOT) * LOT
            held_btc -= trade.qty
    venue_btc = account.free("BTC") + account.locked("BTC")
    assert venue_btc == held_btc  # the dust below one lot, left by the buys' commissions
    assert 0 <= venue_btc < LOT
    assert (seen["position"], seen["holding"]) == (0, venue_btc)
    assert (seen["status"], seen["differences"]) == (ReconciliationStatus.RECONCILED, ())
    # fees in USDT: the BTC commissions at their fill price, the USDT ones as charged
    assert seen["fees"] == sum(
        (t.commission * t.price if t.commission_asset == "BTC" else t.commission for t in trades),
        Decimal(0),
    )
