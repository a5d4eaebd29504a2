"""Paper and live, side by side (R13): the same strategy on the same candles sends the
same order intents in both modes; the paper bot sends nothing to the venue and never has
its key opened; a bot's mode cannot change once it has orders, so paper and live
records never mix in one bot."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from xor_trading.core.errors import ConflictError
from xor_trading.domain.bot_lifecycle import BotCommand
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerHandle,
    running_binance_server,
)
from xor_trading.persistence.tables.orders import OrderRow
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
    venue_config,
    wait_until,
    zigzag_frame,
)

CANDLES = 13  # three round trips of the zigzag


@pytest.fixture
def venue() -> Iterator[BinanceServerHandle]:
    """The venue charging every commission in USDT, as the paper venue does: with
    Binance's base-asset commission on buys the live exits sell whole lots of what the
    account received, less than the paper bot's (tests/.../test_live_base_fees.py)."""
    with running_binance_server(venue_config(commission_in_quote=True)) as handle:
        yield handle


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
