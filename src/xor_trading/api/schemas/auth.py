"""Requests and answers of the auth routes.

Tokens appear in answers exactly once (login, refresh, step-up); the TOTP seed only in the
enrolment answer; recovery codes only in the activation answer. Inputs reject unknown
fields (``role``, ``is_admin``... are a 422, S5).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from xor_trading.api.schemas.common import PublicModel, StrictInput
from xor_trading.api.schemas.users import Email, Password, UserPublic

__all__ = [
    "AccessTokenPublic",
    "CodeInput",
    "LoginInput",
    "LoginMfaInput",
    "LoginPublic",
    "LogoutInput",
    "MfaActivationPublic",
    "MfaEnrolmentPublic",
    "PasswordChangeInput",
    "RefreshInput",
    "RegisterInput",
    "TokenPairPublic",
    "UserPublic",
    "utc_of_ms",
]

Token = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
MfaCode = Annotated[
    str,
    StringConstraints(min_length=6, max_length=32),
    Field(description="A 6-digit TOTP code, or a recovery code like abcd-efgh-ijkl-mnop."),
]


def utc_of_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class RegisterInput(StrictInput):
    """Self-registration: a new trader account."""

    email: Email
    password: Password = Field(
        description="At least 12 characters, not a common password, without your email."
    )


class LoginInput(StrictInput):
    email: Email
    password: Password


class LoginMfaInput(StrictInput):
    """The second login step: the ``mfa_token`` from the login answer and a code."""

    mfa_token: Token
    code: MfaCode


class RefreshInput(StrictInput):
    refresh_token: Token


class LogoutInput(StrictInput):
    """The refresh token of the session to end (its whole family is revoked)."""

    refresh_token: Token


class CodeInput(StrictInput):
    code: MfaCode


class PasswordChangeInput(StrictInput):
    current_password: Password
    new_password: Password


class TokenPairPublic(PublicModel):
    """Send ``access_token`` as ``Authorization: Bearer``; exchange ``refresh_token`` at
    POST /api/v1/auth/refresh before the access token expires (each refresh token works
    once)."""

    access_token: str
    token_type: str = "bearer"
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


class LoginPublic(PublicModel):
    """Either ``tokens``, or ``mfa_required`` with an ``mfa_token`` for
    POST /api/v1/auth/login/mfa."""

    mfa_required: bool
    tokens: TokenPairPublic | None = None
    mfa_token: str | None = None
    mfa_token_expires_at: datetime | None = None


class AccessTokenPublic(PublicModel):
    """A new access token (step-up: its MFA verification is fresh)."""

    access_token: str
    token_type: str = "bearer"
    access_expires_at: datetime


class MfaEnrolmentPublic(PublicModel):
    """Shown once: add the secret to an authenticator app (or scan the URI as a QR code),
    then confirm with POST /api/v1/auth/mfa/verify."""

    secret: str
    otpauth_uri: str


class MfaActivationPublic(PublicModel):
    """MFA is on. Store the recovery codes now: each works once, and they are never shown
    again."""

    recovery_codes: list[str]
    access_token: str
    token_type: str = "bearer"
    access_expires_at: datetime
