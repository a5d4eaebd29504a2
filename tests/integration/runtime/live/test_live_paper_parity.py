"""Paper and live, side by side (R13): the same strategy on the same candles sends the
same order intents in both modes; the paper bot sends nothing to the venue and never has
its key opened; a bot's mode cannot change once it has orders, so paper and live
records never mix in one bot.

The simulated Binance charges commissions in the asset received (a buy's in BTC, as
Binance); a paper bot on Binance does the same by default (``paper_fee_asset``, ADR 0024),
so both end with the same position, dust and base-asset fees."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from xor_trading.core.errors import ConflictError
from xor_trading.core.ids import Symbol
from xor_trading.core.precision import Rounding, round_to_increment
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.persistence.tables.orders import FillRow, OrderRow
from xor_trading.security.envelope import EnvelopeCipher, SealedSecret
from xor_trading.services.bot_service import BotService
from xor_trading.services.container import Container
from xor_trading.services.exchange_key_service import credential_aad
from xor_trading.testing.live_bots import (
    KEY,
    OTHER_KEY,
    make_worker,
    running_worker,
    seed_live_bot,
    wait_until,
    zigzag_frame,
)

CANDLES = 13  # three round trips of the zigzag
SYMBOL = Symbol("BTC/USDT")
RATE = Decimal("0.001")  # the simulated Binance's 0.1 % (BINANCE_FEES), the paper default
QUANTUM = Decimal("0.00000001")


class OpeningSpy:
    """The container's cipher, counting which sealed secrets are opened (by their AAD)."""

    def __init__(self, cipher: EnvelopeCipher) -> None:
        self._cipher = cipher
        self.opened: list[bytes] = []

    def open(self, sealed: SealedSecret, aad: bytes) -> bytes:
        self.opened.append(aad)
        return self._cipher.open(sealed, aad)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cipher, name)


def _intents(container: Container, bot_id: str) -> list[tuple[str, str, Decimal, str]]:
    with container.database.read_session() as session:
        rows = session.scalars(
            select(OrderRow).where(OrderRow.bot_id == bot_id).order_by(OrderRow.created_at)
        )
        return [(r.side, r.type, r.quantity, r.status) for r in rows]


def test_paper_and_live_bots_send_identical_intents_and_paper_touches_no_key(
    container: Container, venue: BinanceServerHandle
) -> None:
    spy = OpeningSpy(container.cipher)
    container.cipher = spy  # type: ignore[assignment]  # a stand-in with the same calls
    live = seed_live_bot(container, email="live@example.test", api_key=KEY)
    paper = seed_live_bot(container, email="paper@example.test", api_key=OTHER_KEY, mode="paper")
    frame = zigzag_frame(venue.price(), candles_after_now=CANDLES)

    async def scenario() -> None:
        worker = make_worker(container, frame)
        async with running_worker(worker):
            await wait_until(
                lambda: (
                    all(rt.candles_seen == CANDLES for rt in worker.runtimes.values())
                    and len(worker.runtimes) == 2
                ),
                timeout_s=20,
            )
            await asyncio.sleep(0.5)  # the last live fill is recorded

    asyncio.run(scenario())

    live_intents = _intents(container, live.bot_id)
    paper_intents = _intents(container, paper.bot_id)
    assert len(live_intents) >= 4
    assert [i[:3] for i in live_intents] == [i[:3] for i in paper_intents]
    assert {i[3] for i in live_intents} == {"filled"}
    assert venue.requests(OTHER_KEY) == []  # the paper bot's key never reached the venue
    assert venue.signed_request_count(OTHER_KEY) == 0
    assert spy.opened == [credential_aad(live.owner.user_id, live.credential_id)]


def test_bot_mode_cannot_change_once_it_has_orders(
    container: Container, venue: BinanceServerHandle
) -> None:
    paper = seed_live_bot(container, api_key=OTHER_KEY, mode="paper")
    frame = zigzag_frame(venue.price(), candles_after_now=5)  # one entry

    async def scenario() -> None:
        worker = make_worker(container, frame)
        async with running_worker(worker):
            await wait_until(lambda: bool(_intents(container, paper.bot_id)))

    asyncio.run(scenario())
    paper.command(BotCommand.STOP)
    service = BotService(container)

    with pytest.raises(ConflictError, match="paper orders on record; its mode cannot change"):
        service.update(
            paper.owner,
            paper.bot_id,
            {"mode": "live", "exchange_credential_id": paper.credential_id},
        )
    assert service.get(paper.owner, paper.bot_id).mode == "paper"


def _fills(container: Container, bot_id: str) -> list[FillRow]:
    with container.database.read_session() as session:
        rows = session.scalars(select(FillRow).where(FillRow.bot_id == bot_id).order_by(FillRow.at))
        return list(rows)


def test_paper_bot_with_fees_in_the_asset_received_ends_like_the_live_bot(
    container: Container, venue: BinanceServerHandle
) -> None:
    live = seed_live_bot(container, email="live@example.test", api_key=KEY)
    paper = seed_live_bot(container, email="paper@example.test", api_key=OTHER_KEY, mode="paper")
    frame = zigzag_frame(venue.price(), candles_after_now=CANDLES)

    async def scenario() -> dict[str, tuple[Decimal, Decimal, Decimal | None]]:
        worker = make_worker(container, frame)
        async with running_worker(worker) as supervisor:
            await wait_until(
                lambda: (
                    all(rt.candles_seen == CANDLES for rt in worker.runtimes.values())
                    and len(worker.runtimes) == 2
                ),
                timeout_s=20,
            )
            await asyncio.sleep(0.5)  # the last live fill is recorded
            out = {}
            for bot in (live, paper):
                assembled = supervisor.held[bot.bot_id].runtime.bot
                portfolio = assembled.kernel.portfolio
                sim = assembled.matching_venue
                held = None if sim is None else sim.balances.get("BTC", Decimal(0))
                out[bot.bot_id] = (portfolio.position_quantity(SYMBOL), portfolio.holding(SYMBOL),
                                   held)  # fmt: skip
            return out

    seen = asyncio.run(scenario())

    live_fills, paper_fills = _fills(container, live.bot_id), _fills(container, paper.bot_id)
    assert len(live_fills) >= 4
    assert [(f.side, f.quantity, f.fee_currency) for f in live_fills] == [
        (f.side, f.quantity, f.fee_currency) for f in paper_fills
    ]
    assert {(f.side, f.fee_currency) for f in paper_fills} == {("buy", "BTC"), ("sell", "USDT")}
    # A buy's commission is 0.1 % of its quantity in BTC: the same in both modes.
    assert [f.fee for f in live_fills if f.side == "buy"] == [
        f.fee for f in paper_fills if f.side == "buy"
    ]
    # A sell's is 0.1 % of its value in USDT, at each venue's own price (the paper venue
    # fills at the candles' opens, the simulated Binance at its replayed price).
    for f in live_fills + paper_fills:
        if f.side == "sell":
            assert f.fee == round_to_increment(f.quantity * f.price * RATE, QUANTUM, Rounding.UP)
    live_position, live_holding, _ = seen[live.bot_id]
    paper_position, paper_holding, paper_btc = seen[paper.bot_id]
    assert (paper_position, paper_holding) == (live_position, live_holding)
    assert paper_holding > paper_position  # dust below one lot, left by the buys' fees
    account = venue.account(KEY)
    assert live_holding == account.free("BTC") + account.locked("BTC")  # the live account
    assert paper_holding == paper_btc  # the paper venue's balance
