"""CCXT's request logs never carry an API key or a signature (S6 canary finding)."""

from __future__ import annotations

import logging

import pytest

from xor_trading.exchanges.ccxt_client import log_redaction

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"


def test_redact_masks_key_headers_and_signature_parameters() -> None:
    line = (
        f"GET https://api.binance.com/api/v3/account?timestamp=1&signature={SIGNATURE}, "
        f"Request: {{'X-MBX-APIKEY': '{KEY}', 'Content-Type': 'application/json'}}"
    )
    assert log_redaction.redact(line) == (
        "GET https://api.binance.com/api/v3/account?timestamp=1&signature=****, "
        "Request: {'X-MBX-APIKEY': '****', 'Content-Type': 'application/json'}"
    )


def test_the_installed_filter_rewrites_records_of_ccxt_loggers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_redaction.install()
    log_redaction.install()  # idempotent: one filter
    logger = logging.getLogger("ccxt.base.exchange")
    assert logger.filters.count(log_redaction._FILTER) == 1
    with caplog.at_level(logging.DEBUG, logger="ccxt.base.exchange"):
        logger.debug("%s %s, Request: %s", "GET", "url", {"X-MBX-APIKEY": KEY})
    assert KEY not in caplog.text
    assert "'X-MBX-APIKEY': '****'" in caplog.text
