"""Users as the API shows them, and the admin's inputs.

Never in a response: the password hash, the TOTP seed or its sealed parts, counters,
token hashes (S6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.domain.users import Role

Email = Annotated[str, StringConstraints(min_length=3, max_length=254)]
# Passwords are taken exactly as typed: no stripping of spaces (unlike other inputs).
Password = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]


class UserPublic(PublicModel):
    """A user account."""

    id: str
    email: str
    role: Role
    is_active: bool
    mfa_enabled: bool = Field(description="True when TOTP MFA is active.")
    created_at: datetime
    last_login_at: datetime | None


class UserCreate(StrictInput):
    """Admin: create an account (the password policy applies)."""

    email: Email
    password: Password
    role: Role = Role.TRADER


class UserUpdate(StrictInput):
    """Admin: change a user's role and/or whether the account is active."""

    role: Role | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> UserUpdate:
        if self.role is None and self.is_active is None:
            raise ValueError("send role and/or is_active")
        return self
