"""Settings of the reconciliation engine (frozen; units in the names)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xor_trading.core.errors import ConfigError
from xor_trading.execution.unknown_resolution import UnknownResolutionConfig

# Binance's newClientOrderId alphabet (reliability spec 3.2 point 1).
_CLIENT_ID_PREFIX = re.compile(r"^[.A-Z:/a-z0-9_-]{1,35}$")


@dataclass(frozen=True, slots=True)
class ReconciliationConfig:
    """``client_order_id_prefix`` starts every client order id this bot sends: an open venue
    order with it that the bot does not know is *foreign* (reported, never adopted).

    ``sibling_client_order_id_pattern`` (a regular expression, ``None``: no siblings) matches
    the client order ids of the *other* bots that may trade on the same venue account (the
    same API key): their open orders are not foreign, and their trades (recognised by the
    client order id of the venue order they belong to) are neither booked nor a mismatch;
    they are returned as ``sibling_trades`` so the caller can move its holding baseline.
    An id with this bot's own prefix is never a sibling's.

    ``align_with_synthetic_fills`` is the mismatch policy: ``False`` (the default, fail
    closed) reports a mismatch for the caller to halt the bot; ``True`` books synthetic
    fills tagged ``RECONCILIATION`` to match the venue, for the caller to audit.
    ``reference_price`` of the reconciler prices position alignments.
    """

    client_order_id_prefix: str
    sibling_client_order_id_pattern: str | None = None
    align_with_synthetic_fills: bool = False
    unknown: UnknownResolutionConfig = field(default_factory=UnknownResolutionConfig)
    in_flight_check_interval_ms: int = 1_000

    def __post_init__(self) -> None:
        if not _CLIENT_ID_PREFIX.match(self.client_order_id_prefix):
            raise ConfigError(
                f"client_order_id_prefix {self.client_order_id_prefix!r} is not a valid "
                "client order id prefix.",
                "use 1 to 35 characters from A-Z a-z 0-9 . : / _ -",
            )
        if self.sibling_client_order_id_pattern is not None:
            try:
                re.compile(self.sibling_client_order_id_pattern)
            except re.error as exc:
                raise ConfigError(
                    f"sibling_client_order_id_pattern {self.sibling_client_order_id_pattern!r} "
                    f"is not a regular expression ({exc}).",
                    "give a Python regular expression, e.g. ^x[0-9a-f]{6}-",
                ) from None
        if self.in_flight_check_interval_ms <= 0:
            raise ConfigError(
                "in_flight_check_interval_ms must be positive, got "
                f"{self.in_flight_check_interval_ms}.",
                "give the polling interval in milliseconds, e.g. 1000",
            )
