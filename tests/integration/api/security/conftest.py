"""Fixtures of the cross-cutting security tests (S1, S6, S12, S13, schemathesis).

* ``fake_binance``: a loopback HTTP server answering the two read-only endpoints the
  exchange-key check calls (a key with trading on, withdrawals off, IP-restricted), so
  adding a key works without the network;
* ``settings_overrides`` (overrides the API fixtures' one): Binance pointed at the fake
  venue, and request budgets high enough that no test here meets a 429 it did not ask
  for (the rate limiter has its own tests).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HIGH_BUDGET = 1_000_000


@dataclass
class FakeBinance:
    """The venue's address and the ``(method, path)`` of every request it received."""

    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)


ANSWERS: dict[str, dict[str, Any]] = {
    "/api/v3/account": {"canTrade": True, "canWithdraw": True, "balances": []},
    "/sapi/v1/account/apiRestrictions": {
        "ipRestrict": True,
        "enableWithdrawals": False,
        "enableSpotAndMarginTrading": True,
        "enableInternalTransfer": False,
        "permitsUniversalTransfer": False,
        "enableReading": True,
    },
}


@pytest.fixture
def fake_binance() -> Iterator[FakeBinance]:
    fake = FakeBinance()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            path = self.path.split("?", 1)[0]
            fake.requests.append((self.command, path))
            answer = ANSWERS.get(path)
            data = json.dumps(answer if answer is not None else {"code": -1}).encode()
            self.send_response(200 if answer is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve  # noqa: N815 - http.server's naming
        do_POST = _serve  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass  # keep the test output (and the canary scan of stderr) to the app's own

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings_overrides(fake_binance: FakeBinance) -> dict[str, Any]:
    return {
        "exchange_url_overrides": {"binance": fake_binance.url},
        "rate_limit_per_user_per_s": HIGH_BUDGET,
        "rate_limit_per_ip_per_s": HIGH_BUDGET,
        "rate_limit_auth_per_min": HIGH_BUDGET,
    }
