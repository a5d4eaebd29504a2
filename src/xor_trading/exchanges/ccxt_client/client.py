"""Build a CCXT client from allowlisted fields only (S11).

Users supply an exchange id and credentials, nothing else: never ``urls``, ``proxies``,
``verbose``, ``options`` or any other raw CCXT configuration. The only way to point a
client elsewhere is the server's ``exchange_url_overrides`` setting (the simulated venue
and tests), passed here as ``base_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it

from xor_trading.core.errors import InputError
from xor_trading.exchanges.ccxt_client import log_redaction

__all__ = ["REQUEST_TIMEOUT_MS", "ApiCredentials", "make_client"]

REQUEST_TIMEOUT_MS = 10_000


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """A user's key on one venue; ``password`` is the passphrase some venues add."""

    api_key: str
    secret: str
    password: str | None = None

    def __repr__(self) -> str:  # never print the secret parts
        return f"ApiCredentials(api_key=****{self.api_key[-4:]})"


def _rebase(urls: Any, base: tuple[str, str] | None, ws_base: tuple[str, str] | None = None) -> Any:
    """Every URL in CCXT's ``urls["api"]`` tree with its scheme and host replaced:
    ``http(s)://`` ones by ``base``, ``ws(s)://`` ones by ``ws_base`` (kept when ``None``)."""
    if isinstance(urls, dict):
        return {key: _rebase(value, base, ws_base) for key, value in urls.items()}
    if base is not None and isinstance(urls, str) and urls.startswith(("http://", "https://")):
        parts = urlsplit(urls)
        return urlunsplit((base[0], base[1], parts.path, parts.query, parts.fragment))
    if ws_base is not None and isinstance(urls, str) and urls.startswith(("ws://", "wss://")):
        parts = urlsplit(urls)
        return urlunsplit((ws_base[0], ws_base[1], parts.path, parts.query, parts.fragment))
    return urls


def make_client(
    exchange_id: str, credentials: ApiCredentials, *, base_url: str | None = None
) -> Any:
    """A synchronous CCXT client of ``exchange_id`` with ``credentials``.

    ``base_url`` (scheme and host, e.g. ``http://127.0.0.1:9000``) replaces the host of
    every API URL of the venue; it comes from server settings only.
    Raises :class:`InputError` for an exchange CCXT does not know.
    """
    log_redaction.install()
    if exchange_id not in ccxt.exchanges:
        raise InputError(
            f"exchange {exchange_id!r} is not supported",
            "GET /api/v1/exchanges lists the supported exchanges",
        )
    config: dict[str, Any] = {
        "apiKey": credentials.api_key,
        "secret": credentials.secret,
        "enableRateLimit": True,
        "timeout": REQUEST_TIMEOUT_MS,
    }
    if credentials.password:
        config["password"] = credentials.password
    client = getattr(ccxt, exchange_id)(config)
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"exchange URL override {base_url!r} needs a scheme and a host")
        client.urls = dict(client.urls)
        client.urls["api"] = _rebase(client.urls["api"], (parts.scheme, parts.netloc))
    return client
