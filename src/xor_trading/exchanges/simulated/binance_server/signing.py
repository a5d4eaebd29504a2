"""Binance request signing: HMAC-SHA256 and the timestamp / recvWindow rule.

Binance signs ``totalParams``: the query string concatenated with the request body (both
as sent, without the ``signature`` parameter), keyed with the API secret; the signature is
64 lowercase hex characters. The timing rule (rest-api.md, "Timing security"): a signed
request is refused with -1021 when ``timestamp >= serverTime + 1000`` or
``serverTime - timestamp > recvWindow``; ``recvWindow`` defaults to 5000 ms, max 60000.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from xor_trading.exchanges.simulated.binance_server import api_error
from xor_trading.exchanges.simulated.binance_server.api_error import BinanceApiError

DEFAULT_RECV_WINDOW_MS = 5_000
MAX_RECV_WINDOW_MS = 60_000
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def split_signature(raw: str) -> tuple[str, str | None]:
    """``raw`` (a query string or form body) without its ``signature`` param, and the value."""
    kept: list[str] = []
    signature: str | None = None
    for part in raw.split("&") if raw else []:
        if part.startswith("signature="):
            signature = part.removeprefix("signature=")
        else:
            kept.append(part)
    return "&".join(kept), signature


def hmac_sha256_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def check_signature(secret: str | None, payload: str, signature: str | None) -> bool:
    """Raise -1022 when the signature is absent or wrong.

    Returns True when the HMAC was verified, False when only its format could be checked
    (the venue does not know the secret: open mode, see ADR 0018).
    """
    if signature is None or not _HEX64.fullmatch(signature):
        raise api_error.bad_signature()
    if secret is None:
        return False
    expected = hmac_sha256_hex(secret, payload)
    if not hmac.compare_digest(expected, signature.lower()):
        raise api_error.bad_signature()
    return True


def check_timing(timestamp: str | None, recv_window: str | None, server_ms: int) -> None:
    """Apply Binance's timing rule; raises -1102 / -1131 / -1021 as Binance does."""
    if timestamp is None or not timestamp.isdigit():
        raise api_error.mandatory_missing("timestamp")
    window = DEFAULT_RECV_WINDOW_MS
    if recv_window is not None:
        if not recv_window.isdigit():
            raise api_error.mandatory_missing("recvWindow")
        window = int(recv_window)
        if window > MAX_RECV_WINDOW_MS:
            raise BinanceApiError(400, -1131, "recvWindow must be less than 60000")
    ts = int(timestamp)
    if ts >= server_ms + 1000:
        raise api_error.timestamp_ahead()
    if server_ms - ts > window:
        raise api_error.timestamp_outside_window()
