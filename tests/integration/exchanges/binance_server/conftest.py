"""A simulated Binance server per test module and real CCXT clients pointed at it.

CCXT is rebased by hand here (every REST and WebSocket URL of ``urls["api"]``), as the
XOR client factory will do; ``fetchMarkets`` is limited to spot so no futures host is
asked. Every test uses its own API key, so accounts never mix.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import ccxt.async_support as ccxt_async  # type: ignore[import-untyped]
import ccxt.pro as ccxt_pro  # type: ignore[import-untyped]
import pytest

from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    KeySpec,
    running_binance_server,
)

KNOWN_KEY = "known-key"
KNOWN_SECRET = "known-secret"
CLIENT_TIMEOUT_MS = 1500


def rebase(urls: Any, http_base: str, ws_base: str) -> Any:
    if isinstance(urls, dict):
        return {k: rebase(v, http_base, ws_base) for k, v in urls.items()}
    if isinstance(urls, str) and "://" in urls:
        parts = urlsplit(urls)
        base = urlsplit(ws_base if parts.scheme in ("ws", "wss") else http_base)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
    return urls


def make_ccxt(
    venue: BinanceServerHandle, api_key: str, secret: str = "any-secret", *, pro: bool = False
) -> Any:
    module = ccxt_pro if pro else ccxt_async
    client = module.binance(
        {
            "apiKey": api_key,
            "secret": secret,
            "timeout": CLIENT_TIMEOUT_MS,
            "options": {"fetchMarkets": {"types": ["spot"]}, "fetchMargins": False},
        }
    )
    client.urls["api"] = rebase(client.urls["api"], venue.url, venue.ws_url)
    return client


def fresh_key() -> str:
    return f"key-{secrets.token_hex(6)}"


def signed_query(params: dict[str, Any], secret: str, timestamp_ms: int) -> str:
    """A Binance-signed query string, for raw requests."""
    query = urlencode({**params, "timestamp": timestamp_ms})
    signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


@pytest.fixture(scope="module")
def venue() -> Iterator[BinanceServerHandle]:
    config = BinanceServerConfig(
        keys={KNOWN_KEY: KeySpec(secret=KNOWN_SECRET, ip_restrict=True)},
        tick_ms=50,
    )
    with running_binance_server(config) as handle:
        handle.pause_replay()  # tests move the market explicitly
        yield handle


def d(text: str) -> Decimal:
    return Decimal(text)
