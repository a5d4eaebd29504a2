"""Exchange API keys: what a user sends to add one, and how a stored key is shown.

The secret parts are write-only: no response ever contains them; the API key is shown
masked (``****abcd``).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, SecretStr

from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.api.schemas.exchanges import EXCHANGE_ID_PATTERN

KEY_PATTERN = r"^[\x21-\x7e]+$"  # printable ASCII without spaces


class ExchangeKeyCreate(StrictInput):
    """A key to validate with the exchange and store encrypted. Only these fields are
    accepted (no URLs, proxies or client options: S11)."""

    exchange: str = Field(pattern=EXCHANGE_ID_PATTERN, description="CCXT id, e.g. binance.")
    label: str = Field(min_length=1, max_length=64, description="Your name for the key.")
    api_key: str = Field(min_length=12, max_length=256, pattern=KEY_PATTERN)
    secret: SecretStr = Field(min_length=8, max_length=512, description="Never shown again.")
    password: SecretStr | None = Field(
        default=None, max_length=128, description="Passphrase, for venues that have one."
    )


class KeyPermissionsPublic(PublicModel):
    """What the exchange said the key may do when it was validated (null: unknown)."""

    trading: bool
    withdrawals: bool | None
    transfers: bool | None
    ip_restricted: bool | None


class ExchangeKeyPublic(PublicModel):
    """A stored key: never the secret; the API key only as its last four characters."""

    id: str
    exchange: str
    label: str
    api_key_masked: str = Field(description="E.g. ****abcd.")
    permissions: KeyPermissionsPublic
    warnings: list[str] = Field(description="What to fix on the exchange, e.g. no IP limit.")
    created_at: datetime
    validated_at: datetime
