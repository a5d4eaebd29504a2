"""Fixtures of the cross-cutting security tests (S1, S6, S12, S13, schemathesis).

* ``fake_binance``: a loopback HTTP server answering the two read-only endpoints the
  exchange-key check calls (a key with trading on, withdrawals off, IP-restricted), so
  adding a key works without the network;
* ``settings_overrides`` (overrides the API fixtures' one): Binance pointed at the fake
  venue, and request budgets high enough that no test here meets a 429 it did not ask
  for (the rate limiter has its own tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from xor_trading.testing.fake_binance_keys import FakeBinanceKeys as FakeBinance
from xor_trading.testing.fake_binance_keys import serve_fake_binance_keys

HIGH_BUDGET = 1_000_000


@pytest.fixture
def fake_binance() -> Iterator[FakeBinance]:
    """A venue whose key check passes (trading on, withdrawals off, IP restricted)."""
    with serve_fake_binance_keys() as fake:
        yield fake


@pytest.fixture
def settings_overrides(fake_binance: FakeBinance) -> dict[str, Any]:
    return {
        "exchange_url_overrides": {"binance": fake_binance.url},
        "rate_limit_per_user_per_s": HIGH_BUDGET,
        "rate_limit_per_ip_per_s": HIGH_BUDGET,
        "rate_limit_auth_per_min": HIGH_BUDGET,
    }
