"""The audit log as administrators read it, and the chain's verification status."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from xor_trading.api.schemas.common import PublicModel


class AuditEntryPublic(PublicModel):
    """One audited action; ``hash`` lets an auditor check the chain independently."""

    seq: int = Field(description="Position in the log, from 1, without gaps.")
    at: datetime
    actor_id: str | None = Field(description="Who acted (null: the system).")
    action: str = Field(description="E.g. bot.create, exchange_key.add.")
    target_type: str
    target_id: str | None
    ip: str | None
    details: dict[str, str | int | bool | None]
    hash: str = Field(description="SHA-256 (hex) chaining this entry to the previous one.")


class AuditVerificationPublic(PublicModel):
    """The result of verifying the whole chain against the stored checkpoints."""

    ok: bool
    checked: int = Field(description="Entries read (up to the first broken one).")
    first_broken_seq: int | None = Field(description="First missing or altered entry.")
    reason: str
    head_seq: int | None = Field(description="Last entry, when the chain is intact.")
    head_hash: str | None
