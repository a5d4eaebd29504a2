"""Who is calling: access-token verification and the MFA step-up check.

:func:`authenticate_access_token` turns a bearer token into a :class:`Principal`: the JWT
must verify (:mod:`xor_trading.security.tokens`) *and* the user must still exist and be
active; the role is the one in the database now (a demotion takes effect at once, not when
the token expires), and a token issued before the last password change is refused. Every
failure is the same 401 ``unauthenticated`` with one message, whatever the reason.

:func:`require_recent_mfa` guards sensitive actions (S9): the caller must have MFA enabled
and have proved a TOTP or recovery code within ``max_age_s`` seconds (``mfa_at`` claim,
set by login with MFA or by ``POST /api/v1/auth/mfa/step-up``).
"""

from __future__ import annotations

from xor_trading.core.errors import StepUpRequiredError
from xor_trading.domain.users import Role
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.security.tokens import InvalidTokenError
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

STEP_UP_MAX_AGE_S = 300
STEP_UP_PATH = "POST /api/v1/auth/mfa/step-up"


def authenticate_access_token(container: Container, token: str) -> Principal:
    """The caller behind ``token``; raises ``AuthenticationError`` (401) otherwise."""
    claims = container.tokens.decode_access(token)
    with container.database.read_session() as session:
        user = users_repo.get_user(session, claims.user_id)
        if user is None or not user.is_active:
            raise InvalidTokenError("user unknown or deactivated")
        # iat has one-second resolution: a token from the same second as the change is
        # kept, anything earlier was issued under the old password.
        if claims.issued_at_s < int(user.password_changed_at.timestamp()):
            raise InvalidTokenError("issued before the last password change")
        try:
            role = Role(user.role)
        except ValueError:
            raise InvalidTokenError(f"unknown role {user.role!r}") from None
        mfa_at = claims.mfa_at_ms if user.mfa_enabled else None
        # Built inside the block: the read session's rollback expires the row.
        return Principal(user_id=user.id, role=role, mfa_verified_at_ms=mfa_at)


def require_recent_mfa(
    principal: Principal, container: Container, max_age_s: int = STEP_UP_MAX_AGE_S
) -> None:
    """Raise :class:`StepUpRequiredError` (403 ``mfa_required``) unless the caller has
    MFA enabled and verified a code within the last ``max_age_s`` seconds."""
    with container.database.read_session() as session:
        user = users_repo.get_user(session, principal.user_id)
        mfa_enabled = bool(user is not None and user.mfa_enabled)
    if not mfa_enabled:
        raise StepUpRequiredError(
            "this action needs multi-factor authentication, and your account has none",
            "enrol MFA first: POST /api/v1/auth/mfa/enrol, then POST /api/v1/auth/mfa/verify",
        )
    verified_at = principal.mfa_verified_at_ms
    now_ms = container.clock.now_ms()
    if verified_at is None or now_ms - verified_at > max_age_s * 1000:
        raise StepUpRequiredError(
            f"this action needs an MFA verification from the last {max_age_s // 60} minutes",
            f"{STEP_UP_PATH} with a current TOTP code, then retry with the new access token",
        )
