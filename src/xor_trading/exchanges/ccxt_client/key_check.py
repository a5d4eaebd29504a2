"""Validate a user's API key against the venue before it is stored (S10).

Only read-only calls are made. On Binance: ``GET /api/v3/account`` (the account endpoint
behind ``fetch_balance``, called directly so that the check does not download every
market first) proves the key works and says whether it may trade, and
``GET /sapi/v1/account/apiRestrictions`` says whether it may withdraw or transfer and
whether it is restricted to IP addresses. Other venues get ``fetch_balance``; their
restrictions cannot be read through CCXT, so :attr:`KeyCheck.restrictions_known` is false.

CCXT errors become XOR errors: a refused key is an :class:`InputError` (422: fix the key),
a network failure or venue outage a :class:`RetryableError` (503: try again later),
rate limiting a :class:`RateLimitedError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import ccxt  # type: ignore[import-untyped]  # no stubs; this package wraps it

from xor_trading.core.errors import InputError, RateLimitedError, RetryableError
from xor_trading.exchanges.ccxt_client.client import ApiCredentials, make_client

__all__ = ["KeyCheck", "check_key"]

T = TypeVar("T")
RATE_LIMIT_RETRY_S = 10.0


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """What the venue says the key may do.

    ``withdrawals``, ``transfers`` and ``ip_restricted`` are ``None`` when the venue's
    restrictions could not be read (``restrictions_known`` false).
    """

    trading: bool
    withdrawals: bool | None
    transfers: bool | None
    ip_restricted: bool | None
    restrictions_known: bool


def _call(exchange_id: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except ccxt.AuthenticationError:
        raise InputError(
            f"{exchange_id} refused this API key (wrong key or secret, expired, or not "
            "allowed from this server's IP address)",
            "check the key and secret, and the key's IP allowlist on the exchange",
        ) from None
    except ccxt.RateLimitExceeded:
        raise RateLimitedError(
            f"{exchange_id} is rate limiting this server",
            RATE_LIMIT_RETRY_S,
            "retry in a few seconds",
        ) from None
    except (ccxt.NetworkError, ccxt.BadResponse):
        raise RetryableError(
            f"{exchange_id} could not be reached to check the key",
            "the exchange may be down or in maintenance; retry later",
        ) from None
    except ccxt.BaseError:
        raise RetryableError(
            f"{exchange_id} failed to answer the key check",
            "retry later; if it persists, check the key's permissions on the exchange",
        ) from None


def _binance(client: Any) -> KeyCheck:
    account: dict[str, Any] = _call("binance", client.private_get_account)
    restrictions: dict[str, Any] = _call("binance", client.sapi_get_account_apirestrictions)
    trading = bool(account.get("canTrade")) and bool(restrictions.get("enableSpotAndMarginTrading"))
    return KeyCheck(
        trading=trading,
        withdrawals=bool(restrictions.get("enableWithdrawals")),
        transfers=bool(restrictions.get("enableInternalTransfer"))
        or bool(restrictions.get("permitsUniversalTransfer")),
        ip_restricted=bool(restrictions.get("ipRestrict")),
        restrictions_known=True,
    )


def check_key(
    exchange_id: str, credentials: ApiCredentials, *, base_url: str | None = None
) -> KeyCheck:
    """Ask the venue what ``credentials`` may do (read-only calls; nothing is changed).

    ``base_url`` is the server's override for the venue (tests, the simulated venue).
    """
    client = make_client(exchange_id, credentials, base_url=base_url)
    if exchange_id == "binance":
        return _binance(client)
    _call(exchange_id, client.fetch_balance)
    # fetch_balance succeeded, so the key reads the account; trading cannot be checked
    # without placing an order, which a check must never do.
    return KeyCheck(
        trading=True, withdrawals=None, transfers=None, ip_restricted=None, restrictions_known=False
    )
