"""``xor worker --feed market`` reads candles where the server's ``exchange_url_overrides``
point (issue 6): a standalone ``xor venue serve`` + ``xor worker`` never reaches the real
exchange for candles, like the live port."""

from __future__ import annotations

import asyncio
from pathlib import Path

from xor_trading.cli.worker_commands import FeedKind, _feed_factory
from xor_trading.core.clock import LiveClock
from xor_trading.core.timeframes import Timeframe
from xor_trading.exchanges.ccxt_client.market_feed import CcxtCandleFeed
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    running_binance_server,
)
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.settings import Settings

KLINES = "GET /api/v3/klines"


def test_market_feed_of_the_worker_reads_candles_from_the_overridden_venue(
    tmp_path: Path,
) -> None:
    spec = BotSpec("bot-1", "owner-1", "sma_cross", ("BTC/USDT",), "1m")
    minute = Timeframe.parse("1m")

    with running_binance_server(BinanceServerConfig()) as venue:
        settings = Settings(
            data_dir=tmp_path,
            password_hash_profile="test",
            exchange_url_overrides={"binance": venue.url},
        )
        feed = _feed_factory(FeedKind.MARKET, settings, 60.0)(spec)
        assert isinstance(feed, CcxtCandleFeed)
        client = feed._client  # where the feed's requests go is the point
        # Checked before any request: the real exchange must never be tried.
        assert client.urls["api"]["public"] == f"{venue.url}/api/v3"
        assert client.urls["api"]["ws"]["spot"].startswith(venue.url.replace("http", "ws", 1))

        async def history() -> int:
            now_ms = LiveClock().now_ms() // minute.ms * minute.ms
            try:
                return len(await feed.history("BTC/USDT", minute, now_ms - 5 * minute.ms, now_ms))
            finally:
                await feed.close()

        candles = asyncio.run(history())
        klines_requests = len(venue.requests(endpoint=KLINES))

    assert candles == 5
    assert klines_requests >= 1
