"""Users: accounts, roles, password hashes, MFA state (owned by the auth service).

Secrets are never stored in clear: ``password_hash`` is an argon2id PHC string, the TOTP
seed is sealed with the envelope cipher (``security/envelope.py``, associated data
``aad_for(user_id, "totp")``) into the four ``totp_*`` binary columns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn
from xor_trading.persistence.types import new_id


class UserRow(Base):
    """One person (or API client) with a role; never deleted, only deactivated.

    MFA states: no seed (``totp_ciphertext`` NULL) = not enrolled; a seed with
    ``mfa_enabled`` false = enrolment pending until a first code is verified; a seed with
    ``mfa_enabled`` true = active. ``totp_last_used_step`` is the RFC 6238 time step of
    the last accepted code: only a strictly later step is accepted (replay protection).
    ``mfa_failed_count`` counts failed codes since ``mfa_window_started_at`` (throttle).
    ``failed_login_count`` counts consecutive failed passwords; at 10 and beyond the
    account is locked until ``locked_until``.
    """

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]

    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    mfa_enabled: Mapped[bool] = mapped_column(default=False)
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(default=None)
    totp_kek_id: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_wrapped_dek: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_nonce: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_last_used_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    mfa_failed_count: Mapped[int] = mapped_column(default=0)
    mfa_window_started_at: Mapped[datetime | None] = mapped_column(default=None)
