"""Refresh tokens (rotated, grouped in families) and MFA recovery codes, stored hashed.

Only SHA-256 digests of the tokens and codes are stored (S3): a database dump yields
nothing that can be presented to the API.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class RefreshTokenRow(Base):
    """One refresh token. Each use rotates it: ``used_at`` is set and a successor with the
    same ``family_id`` is issued. Presenting a used token again is reuse: the whole family
    is revoked (``revoked_at``, ``revoked_reason``)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    family_id: Mapped[str] = mapped_column(IdColumn, index=True)
    user_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # When the session behind this family last proved MFA (epoch ms), carried over to the
    # access tokens the family issues.
    mfa_at_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), default=None)


class RecoveryCodeRow(Base):
    """One single-use MFA recovery code (SHA-256 of the normalised code)."""

    __tablename__ = "recovery_codes"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
