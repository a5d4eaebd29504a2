"""Exchange API keys, encrypted (AES-256-GCM envelope, security/envelope.py).

The API key, secret and passphrase are sealed together (JSON) into the four ``sealed_*``
columns with the associated data ``aad_for(owner_id, id)``: a sealed value copied into
another row or another user's row does not open. Only ``api_key_last4`` is kept in clear,
to show the key masked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class ExchangeCredentialRow(Base):
    """One user's key on one exchange; the secret parts are only ever stored sealed.

    ``permissions`` is canonical JSON ``{"trading": bool, "withdrawals": bool | null,
    "ip_restricted": bool | null, ...}`` as the venue reported it at ``validated_at``;
    ``warnings`` a JSON list of sentences shown to the owner (e.g. no IP restriction).
    """

    __tablename__ = "exchange_credentials"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    exchange: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    kek_id: Mapped[str] = mapped_column(String(64))
    wrapped_dek: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    api_key_last4: Mapped[str] = mapped_column(String(4))
    permissions: Mapped[str] = mapped_column(Text)
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    validated_at: Mapped[datetime]
