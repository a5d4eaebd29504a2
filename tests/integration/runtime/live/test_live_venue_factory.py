"""The production live venue factory: it opens the bot's sealed key and signs with it at
the server's URL override, shares one request limiter per venue, never logs the secret,
and refuses paper bots and keys that are not the bot owner's."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

import pytest

from xor_trading.core.clock import LiveClock
from xor_trading.core.errors import ConfigError, NotFoundError
from xor_trading.exchanges.simulated.binance_server import BinanceServerHandle
from xor_trading.runtime.bot_spec import BotSpec, RunMode
from xor_trading.services.container import Container
from xor_trading.services.live_venue import CcxtLiveVenueFactory, ws_url_of
from xor_trading.testing.live_bots import KEY, SECRET, seed_live_bot


def _spec(owner_id: str, credential_id: str | None, mode: RunMode = RunMode.LIVE) -> BotSpec:
    return BotSpec(
        bot_id="b-1", owner_id=owner_id, strategy="sma_cross", symbols=("BTC/USDT",),
        timeframe="1m", mode=mode, credential_id=credential_id,
    )  # fmt: skip


def test_factory_signs_with_the_bots_key_at_the_override_and_never_logs_the_secret(
    container: Container, venue: BinanceServerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    bot = seed_live_bot(container, start=False)
    factory = CcxtLiveVenueFactory(container)
    spec = _spec(bot.owner.user_id, bot.credential_id)
    caplog.set_level(logging.DEBUG)

    async def scenario() -> Any:
        first, second = factory(spec, LiveClock()), factory(spec, LiveClock())
        try:
            balances = await first.port.fetch_balances()
            shared = first.port._limiter is second.port._limiter
        finally:
            await first.port.close()
            await second.port.close()
        return balances, shared

    balances, shared = asyncio.run(scenario())

    assert {b.asset: b.total for b in balances}["USDT"] == Decimal(10_000)
    assert venue.signed_request_count(KEY, "GET /api/v3/account") == 1
    assert shared is True
    assert SECRET not in caplog.text


def test_factory_refuses_a_paper_bot(container: Container) -> None:
    with pytest.raises(ConfigError, match="is a paper bot: it has no live venue"):
        CcxtLiveVenueFactory(container)(_spec("u-1", None, RunMode.PAPER), LiveClock())


def test_factory_refuses_a_live_bot_whose_key_is_not_its_owners(container: Container) -> None:
    bot = seed_live_bot(container, start=False)
    someone_else = seed_live_bot(container, email="other@example.test", start=False)

    with pytest.raises(NotFoundError, match="of this live bot no longer exists"):
        CcxtLiveVenueFactory(container)(
            _spec(bot.owner.user_id, someone_else.credential_id), LiveClock()
        )


def test_websocket_address_is_the_override_host_with_a_ws_scheme() -> None:
    assert ws_url_of("http://127.0.0.1:9000") == "ws://127.0.0.1:9000"
    assert ws_url_of("https://venue.example:443") == "wss://venue.example:443"
