"""Build the asyncio CCXT client of a live bot (``ccxt.pro``: REST and WebSocket).

The same allowlist as :mod:`.client` (S11): an exchange id and credentials, nothing else
from a user; ``base_url``/``ws_url`` come from server settings only (the simulated venue,
tests). Settings fixed here, whatever the venue:

* spot markets only (``defaultType`` spot; on Binance only the spot exchangeInfo is
  loaded, no margin pairs, no currency list);
* CCXT's own rate limiter off: XOR's :mod:`.request_limiter` paces every request of the
  process per (venue, egress), which CCXT's per-instance limiter cannot do;
* ``recvWindow`` of :data:`RECV_WINDOW_MS` and no automatic time adjustment
  (:mod:`.time_sync` sets the offset);
* credentials ``None`` gives a public client that **cannot sign**: every private call
  raises before a request is built, even if someone sets a key on it later (paper mode
  and market data never hold a key, R13).

:func:`observe_responses` hooks every REST response of a client (status and headers, for
the limiter's used-weight and ``Retry-After``) and caps the size of a reply body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it
import ccxt.pro  # type: ignore[import-untyped]

from xor_trading.core.errors import InputError
from xor_trading.exchanges.ccxt_client import log_redaction
from xor_trading.exchanges.ccxt_client.client import ApiCredentials, _rebase

__all__ = [
    "MAX_RESPONSE_CHARS",
    "RECV_WINDOW_MS",
    "REQUEST_TIMEOUT_MS",
    "ResponseObserver",
    "make_async_client",
    "observe_responses",
]

REQUEST_TIMEOUT_MS = 10_000
RECV_WINDOW_MS = 5_000  # Binance's default; bounds how long a lost order can stay UNKNOWN
MAX_RESPONSE_CHARS = 4_000_000  # a full Binance exchangeInfo is ~2 MB; 10 MB is garbage (R10)

ResponseObserver = Callable[[int, Mapping[str, str]], None]
"""Called with the HTTP status and headers of every REST response, before CCXT parses it."""

_BINANCE_OPTIONS: dict[str, Any] = {
    "fetchMarkets": {"types": ["spot"]},
    "fetchMargins": False,
    "fetchCurrencies": False,
    "newOrderRespType": {"market": "FULL", "limit": "FULL"},
    "warnOnFetchOpenOrdersWithoutSymbol": False,
}


def _host(url: str, schemes: tuple[str, ...], what: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"{what} {url!r} needs a scheme ({'/'.join(schemes)}) and a host")
    return parts.scheme, parts.netloc


def _refuse_signing(exchange_id: str) -> Callable[..., bool]:
    def check_required_credentials(error: bool = True) -> bool:
        if error:
            raise ccxt.AuthenticationError(
                f"{exchange_id} public client: private requests are not possible without a key"
            )
        return False

    return check_required_credentials


def make_async_client(
    exchange_id: str,
    credentials: ApiCredentials | None,
    *,
    base_url: str | None = None,
    ws_url: str | None = None,
    timeout_ms: int = REQUEST_TIMEOUT_MS,
) -> Any:
    """A ``ccxt.pro`` client of ``exchange_id``; close it with ``await client.close()``.

    ``base_url`` (``http(s)://host:port``) replaces the host of every REST URL of the
    venue, ``ws_url`` (``ws(s)://host:port``) that of every WebSocket URL.
    Raises :class:`InputError` for an exchange ``ccxt.pro`` does not know.
    """
    log_redaction.install()
    if exchange_id not in ccxt.pro.exchanges:
        raise InputError(
            f"exchange {exchange_id!r} is not supported for live trading",
            "GET /api/v1/exchanges lists the supported exchanges",
        )
    if timeout_ms <= 0:
        raise ValueError(f"timeout_ms must be positive, got {timeout_ms}")
    options: dict[str, Any] = {
        "defaultType": "spot",
        "adjustForTimeDifference": False,
        "recvWindow": RECV_WINDOW_MS,
    }
    if exchange_id == "binance":
        options.update(_BINANCE_OPTIONS)
    config: dict[str, Any] = {"enableRateLimit": False, "timeout": timeout_ms, "options": options}
    if credentials is not None:
        config["apiKey"] = credentials.api_key
        config["secret"] = credentials.secret
        if credentials.password:
            config["password"] = credentials.password
    client = getattr(ccxt.pro, exchange_id)(config)
    if credentials is None:
        client.check_required_credentials = _refuse_signing(exchange_id)
    if base_url is not None or ws_url is not None:
        rest = _host(base_url, ("http", "https"), "exchange URL override") if base_url else None
        ws = _host(ws_url, ("ws", "wss"), "exchange WebSocket URL override") if ws_url else None
        client.urls = dict(client.urls)
        client.urls["api"] = _rebase(client.urls["api"], rest, ws)
    return client


def observe_responses(
    client: Any, observer: ResponseObserver, *, max_chars: int = MAX_RESPONSE_CHARS
) -> None:
    """Call ``observer`` on every REST response of ``client``; refuse an oversized body.

    An oversized body raises CCXT's ``BadResponse`` (an unknown outcome for an order,
    retryable for a read) instead of being parsed.
    """
    original = client.on_rest_response

    def on_rest_response(
        code: int,
        reason: str,
        url: str,
        method: str,
        response_headers: Mapping[str, str],
        response_body: str,
        request_headers: Any,
        request_body: Any,
    ) -> Any:
        observer(code, response_headers)
        if response_body is not None and len(response_body) > max_chars:
            raise ccxt.BadResponse(
                f"{client.id} {method} {url}: reply of {len(response_body)} characters refused"
            )
        return original(
            code, reason, url, method, response_headers, response_body, request_headers,
            request_body,
        )  # fmt: skip

    client.on_rest_response = on_rest_response
