"""Binance HMAC signatures and the timestamp / recvWindow rule."""

from __future__ import annotations

import pytest

from xor_trading.exchanges.simulated.binance_server import signing
from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError

# Binance's documented example (rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order").
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"


def test_hmac_of_binance_doc_example_matches_its_signature():
    assert signing.hmac_sha256_hex(DOC_SECRET, DOC_PAYLOAD) == DOC_SIGNATURE


def test_check_signature_known_secret_verifies():
    assert signing.check_signature(DOC_SECRET, DOC_PAYLOAD, DOC_SIGNATURE) is True


def test_check_signature_unknown_secret_checks_format_only():
    assert signing.check_signature(None, DOC_PAYLOAD, DOC_SIGNATURE) is False


@pytest.mark.parametrize("signature", [None, "abc", "z" * 64, "0" * 64])
def test_check_signature_bad_or_missing_is_1022(signature: str | None):
    with pytest.raises(BinanceApiError) as caught:
        signing.check_signature(DOC_SECRET, DOC_PAYLOAD, signature)
    assert caught.value.code == -1022


def test_split_signature_removes_it_from_the_payload():
    assert signing.split_signature("a=1&signature=ff&b=2") == ("a=1&b=2", "ff")


@pytest.mark.parametrize(
    ("timestamp", "window", "server", "message"),
    [
        ("11000", None, 10_000, "1000ms ahead"),  # timestamp >= server + 1000
        ("4999", None, 10_000, "outside of the recvWindow"),  # default window 5000
        ("7999", "2000", 10_000, "outside of the recvWindow"),
    ],
)
def test_timing_rule_violations_are_1021(
    timestamp: str, window: str | None, server: int, message: str
):
    with pytest.raises(BinanceApiError, match=message) as caught:
        signing.check_timing(timestamp, window, server)
    assert caught.value.code == -1021


@pytest.mark.parametrize(
    ("timestamp", "window"), [("10999", None), ("5000", None), ("8000", "2000")]
)
def test_timing_rule_edges_inside_are_accepted(timestamp: str, window: str | None):
    signing.check_timing(timestamp, window, 10_000)


def test_recv_window_above_60000_is_1131():
    with pytest.raises(BinanceApiError) as caught:
        signing.check_timing("10000", "60001", 10_000)
    assert caught.value.code == -1131
