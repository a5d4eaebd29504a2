"""The CCXT catalog: capabilities as CCXT declares them, built once per process."""

from __future__ import annotations

import ccxt  # type: ignore[import-untyped]
import pytest

from xor_trading.core.errors import InputError
from xor_trading.exchanges.ccxt_client import catalog
from xor_trading.exchanges.ccxt_client.client import ApiCredentials, make_client


def test_binance_capabilities() -> None:
    info = catalog.get_exchange_info("binance")
    assert info is not None
    assert (info.id, info.name) == ("binance", "Binance")
    assert info.spot
    assert info.futures
    assert info.sandbox
    assert info.fetch_ohlcv
    assert info.watch_ohlcv
    assert info.create_order
    assert info.cancel_order
    assert info.fetch_my_trades
    assert info.timeframes[:3] == ("1s", "1m", "3m")


def test_catalog_lists_every_ccxt_exchange_once_and_is_cached() -> None:
    first = catalog.exchange_catalog()
    assert [i.id for i in first] == sorted(ccxt.exchanges)
    elapsed = catalog.last_build_seconds()
    assert elapsed is not None
    assert elapsed > 0
    second = catalog.exchange_catalog()
    assert all(a is b for a, b in zip(first, second, strict=True))  # not rebuilt
    assert catalog.last_build_seconds() == elapsed


def test_unknown_exchange_is_none() -> None:
    assert catalog.get_exchange_info("no_such_venue") is None


def test_client_takes_allowlisted_fields_and_the_server_override_only() -> None:
    creds = ApiCredentials("abcdefghijklmnop", "secret-value")
    client = make_client("binance", creds, base_url="http://127.0.0.1:9000")
    assert client.urls["api"]["sapi"] == "http://127.0.0.1:9000/sapi/v1"
    assert client.urls["api"]["private"] == "http://127.0.0.1:9000/api/v3"
    assert client.urls["api"]["fapiPrivate"] == "http://127.0.0.1:9000/fapi/v1"
    assert make_client("binance", creds).urls["api"]["sapi"] == "https://api.binance.com/sapi/v1"
    assert "secret-value" not in repr(creds)
    with pytest.raises(InputError, match="not supported"):
        make_client("no_such_venue", creds)
    with pytest.raises(ValueError, match="scheme and a host"):
        make_client("binance", creds, base_url="127.0.0.1:9000")
