"""Keys, signatures and the timing rule, against the real CCXT client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import aiohttp
import ccxt  # type: ignore[import-untyped]
import pytest

from conftest import KNOWN_KEY, KNOWN_SECRET, fresh_key, make_ccxt, signed_query
from xor_trading.exchanges.simulated.binance_server import (
    BinanceServerConfig,
    BinanceServerHandle,
    KeySpec,
    running_binance_server,
)


@pytest.fixture(scope="module")
def venue() -> Iterator[BinanceServerHandle]:
    config = BinanceServerConfig(
        keys={
            KNOWN_KEY: KeySpec(secret=KNOWN_SECRET, ip_restrict=True),
            "no-trade": KeySpec(secret="s", can_trade=False, balances={"USDT": Decimal(5)}),
        },
    )
    with running_binance_server(config) as handle:
        yield handle


def call(venue: BinanceServerHandle, key: str, secret: str, method: str, *args: Any) -> Any:
    async def main() -> Any:
        client = make_ccxt(venue, key, secret)
        try:
            return await getattr(client, method)(*args)
        finally:
            await client.close()

    return asyncio.run(main())


def test_known_key_with_wrong_secret_is_authentication_error(venue: BinanceServerHandle):
    with pytest.raises(ccxt.AuthenticationError, match="-1022"):
        call(venue, KNOWN_KEY, "wrong-secret", "privateGetAccount")


def test_known_key_with_right_secret_reads_account_verified(venue: BinanceServerHandle):
    account = call(venue, KNOWN_KEY, KNOWN_SECRET, "privateGetAccount")
    assert account["canTrade"] is True
    assert account["canWithdraw"] is False


def test_open_mode_unknown_key_is_accepted_with_format_only_check(venue: BinanceServerHandle):
    async def main() -> tuple[int, str]:
        query = signed_query({}, "whatever", _now_ms())
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{venue.url}/api/v3/account?{query}", headers={"X-MBX-APIKEY": fresh_key()}
            ) as response,
        ):
            return response.status, response.headers["X-XOR-SIGNATURE-CHECK"]

    assert asyncio.run(main()) == (200, "format-only")


def _now_ms() -> int:
    import time  # noqa: PLC0415 - the wall clock only in this helper, for a raw request

    return time.time_ns() // 1_000_000


def test_timestamp_ahead_of_server_is_invalid_nonce(venue: BinanceServerHandle):
    async def main() -> None:
        client = make_ccxt(venue, fresh_key())
        client.options["timeDifference"] = -2_000  # CCXT's clock 2 s ahead of the venue
        try:
            with pytest.raises(ccxt.InvalidNonce):
                await client.privateGetAccount()
        finally:
            await client.close()

    asyncio.run(main())


def test_timestamp_older_than_recv_window_is_invalid_nonce(venue: BinanceServerHandle):
    async def main() -> None:
        client = make_ccxt(venue, fresh_key())
        client.options["timeDifference"] = 15_000  # CCXT's clock 15 s behind; window 10 s
        try:
            with pytest.raises(ccxt.InvalidNonce, match="recvWindow"):
                await client.privateGetAccount()
        finally:
            await client.close()

    asyncio.run(main())


def test_api_restrictions_reflect_the_key_spec(venue: BinanceServerHandle):
    restrictions = call(venue, KNOWN_KEY, KNOWN_SECRET, "sapiGetAccountApiRestrictions")
    assert restrictions["ipRestrict"] is True
    assert restrictions["enableWithdrawals"] is False
    assert restrictions["enableSpotAndMarginTrading"] is True


def test_key_without_trading_permission_cannot_order(venue: BinanceServerHandle):
    request = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    with pytest.raises(ccxt.AuthenticationError, match="-2015"):
        call(venue, "no-trade", "s", "privatePostOrder", request)
    assert venue.account("no-trade").orders == []
    assert venue.account("no-trade").free("USDT") == Decimal(5)


def test_withdraw_endpoint_does_not_exist(venue: BinanceServerHandle):
    with pytest.raises(ccxt.BaseError, match="does not serve POST /sapi/v1/capital/withdraw"):
        call(venue, KNOWN_KEY, KNOWN_SECRET, "sapiPostCapitalWithdrawApply", {"coin": "BTC"})
