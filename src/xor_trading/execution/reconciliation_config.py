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

    ``align_with_synthetic_fills`` is the mismatch policy: ``False`` (the default, fail
    closed) reports a mismatch for the caller to halt the bot; ``True`` books synthetic
    fills tagged ``RECONCILIATION`` to match the venue, for the caller to audit.
    ``reference_price`` of the reconciler prices position alignments.
    """

    client_order_id_prefix: str
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
        if self.in_flight_check_interval_ms <= 0:
            raise ConfigError(
                "in_flight_check_interval_ms must be positive, got "
                f"{self.in_flight_check_interval_ms}.",
                "give the polling interval in milliseconds, e.g. 1000",
            )
