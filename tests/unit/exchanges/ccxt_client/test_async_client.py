"""The live CCXT client: allowlisted settings, URL overrides, public clients that cannot sign."""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt
import pytest

from xor_trading.core.errors import InputError
from xor_trading.exchanges.ccxt_client.async_client import (
    RECV_WINDOW_MS,
    make_async_client,
    observe_responses,
)
from xor_trading.exchanges.ccxt_client.client import ApiCredentials

KEY = ApiCredentials("key-0001", "secret")


def urls(tree: Any) -> list[str]:
    if isinstance(tree, dict):
        return [u for value in tree.values() for u in urls(value)]
    return [tree] if isinstance(tree, str) else []


def test_unknown_exchange_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'nope' is not supported"):
        make_async_client("nope", KEY)


def test_client_is_spot_only_without_ccxt_rate_limit_and_with_our_recv_window() -> None:
    client = make_async_client("binance", KEY)

    assert client.enableRateLimit is False
    assert client.options["defaultType"] == "spot"
    assert client.options["fetchMarkets"] == {"types": ["spot"]}
    assert (client.options["fetchMargins"], client.options["fetchCurrencies"]) == (False, False)
    assert client.options["recvWindow"] == RECV_WINDOW_MS
    assert client.options["adjustForTimeDifference"] is False


def test_base_and_ws_urls_replace_every_host() -> None:
    client = make_async_client(
        "binance", KEY, base_url="http://127.0.0.1:9001", ws_url="ws://127.0.0.1:9002"
    )
    everything = urls(client.urls["api"])

    assert all(u.startswith(("http://127.0.0.1:9001/", "ws://127.0.0.1:9002/")) for u in everything)
    assert "ws://127.0.0.1:9002/ws" in everything
    assert client.urls["api"]["public"] == "http://127.0.0.1:9001/api/v3"


def test_ws_url_alone_keeps_the_rest_hosts() -> None:
    client = make_async_client("binance", KEY, ws_url="wss://10.0.0.1:9443")

    assert client.urls["api"]["public"] == "https://api.binance.com/api/v3"
    assert client.urls["api"]["ws"]["spot"] == "wss://10.0.0.1:9443/ws"


@pytest.mark.parametrize(
    ("base_url", "ws_url"), [("ftp://x", None), ("http://", None), (None, "http://x:1")]
)
def test_url_override_without_proper_scheme_and_host_is_refused(
    base_url: str | None, ws_url: str | None
) -> None:
    with pytest.raises(ValueError, match="needs a scheme"):
        make_async_client("binance", KEY, base_url=base_url, ws_url=ws_url)


def test_public_client_cannot_sign_even_if_a_key_is_set_later() -> None:
    client = make_async_client("binance", None, base_url="http://127.0.0.1:9")
    client.apiKey, client.secret = "planted", "planted"

    async def scenario() -> None:
        try:
            await client.private_get_account()
        finally:
            await client.close()

    with pytest.raises(ccxt.AuthenticationError, match="public client"):
        asyncio.run(scenario())
    assert client.check_required_credentials(False) is False


def test_observer_sees_each_response_and_oversized_bodies_are_refused() -> None:
    client = make_async_client("binance", KEY)
    seen: list[tuple[int, dict[str, str]]] = []
    observe_responses(
        client, lambda status, headers: seen.append((status, dict(headers))), max_chars=10
    )

    body = client.on_rest_response(200, "OK", "u", "GET", {"A": "1"}, " {} ", {}, None)
    assert (body, seen) == ("{}", [(200, {"A": "1"})])
    with pytest.raises(ccxt.BadResponse, match="reply of 11 characters refused"):
        client.on_rest_response(200, "OK", "u", "GET", {}, "x" * 11, {}, None)
