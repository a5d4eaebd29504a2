"""A tiny loopback HTTP server answering the two read-only Binance calls of a key check.

`GET /api/v3/account` and `GET /sapi/v1/account/apiRestrictions`, with the restrictions
set on :class:`FakeBinanceKeys`; every request is recorded. Tests point CCXT at it through
``Settings.exchange_url_overrides``. (The full simulated Binance server is issue 6's.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeBinanceKeys:
    """Restrictions the fake venue reports, its address and the requests it received."""

    enable_withdrawals: bool = False
    ip_restrict: bool = True
    spot_trading: bool = True
    reject_key: bool = False
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""

    def answer(self, path: str) -> tuple[int, dict[str, Any]]:
        if self.reject_key:
            return 401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        if path == "/api/v3/account":
            return 200, {"canTrade": self.spot_trading, "canWithdraw": True, "balances": []}
        if path == "/sapi/v1/account/apiRestrictions":
            return 200, {
                "ipRestrict": self.ip_restrict,
                "enableWithdrawals": self.enable_withdrawals,
                "enableSpotAndMarginTrading": self.spot_trading,
                "enableInternalTransfer": False,
                "permitsUniversalTransfer": False,
                "enableReading": True,
            }
        return 404, {"code": -1, "msg": "not found"}


@contextmanager
def serve_fake_binance_keys() -> Iterator[FakeBinanceKeys]:
    """Run a :class:`FakeBinanceKeys` on 127.0.0.1 (a free port) for the block."""
    fake = FakeBinanceKeys()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            path = self.path.split("?", 1)[0]
            fake.requests.append((self.command, path))
            status, body = fake.answer(path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve  # noqa: N815 - http.server's naming
        do_POST = _serve  # noqa: N815
        do_DELETE = _serve  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass  # keep test output (and the canary scan of stderr) to the app's own

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
