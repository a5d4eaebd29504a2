"""Authentication: register, log in (with MFA), refresh, log out, MFA, password change.

Public routes: register, login, login/mfa, refresh (they are how a caller gets a token).
Everything else acts on the caller's own account. Failed logins answer one uniform 401;
see :mod:`xor_trading.services.auth_service` for lockout, MFA throttling and refresh-token
reuse detection.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Response, status

from xor_trading.api.deps import ContainerDep, ViewerPrincipal
from xor_trading.api.schemas.auth import (
    AccessTokenPublic,
    CodeInput,
    LoginInput,
    LoginMfaInput,
    LoginPublic,
    LogoutInput,
    MfaActivationPublic,
    MfaEnrolmentPublic,
    PasswordChangeInput,
    RefreshInput,
    RegisterInput,
    TokenPairPublic,
    UserPublic,
    utc_of_ms,
)
from xor_trading.api.schemas.common import Message
from xor_trading.services.auth_service import AuthService, TokenPair

router = APIRouter(prefix="/auth", tags=["auth"])


def _pair(pair: TokenPair) -> TokenPairPublic:
    return TokenPairPublic(
        access_token=pair.access_token,
        access_expires_at=utc_of_ms(pair.access_expires_at_ms),
        refresh_token=pair.refresh_token,
        refresh_expires_at=utc_of_ms(pair.refresh_expires_at_ms),
    )


@router.post(
    "/register", name="register", response_model=UserPublic, status_code=status.HTTP_201_CREATED
)
def register(body: RegisterInput, container: ContainerDep) -> UserPublic:
    """Create a trader account (409 if the email is taken, 422 for a weak password)."""
    view = AuthService(container).register(body.email, body.password)
    return UserPublic.model_validate(view)


@router.post("/login", name="login", response_model=LoginPublic)
def login(body: LoginInput, container: ContainerDep) -> LoginPublic:
    """Password step. Without MFA: tokens. With MFA: ``mfa_required`` and an ``mfa_token``
    for POST /api/v1/auth/login/mfa. Wrong email or password: 401; locked: 429."""
    result = AuthService(container).login(body.email, body.password)
    if result.tokens is not None:
        return LoginPublic(mfa_required=False, tokens=_pair(result.tokens))
    assert result.mfa_token is not None
    assert result.mfa_token_expires_at_ms is not None
    return LoginPublic(
        mfa_required=True,
        mfa_token=result.mfa_token,
        mfa_token_expires_at=utc_of_ms(result.mfa_token_expires_at_ms),
    )


@router.post("/login/mfa", name="login-mfa", response_model=TokenPairPublic)
def login_mfa(body: LoginMfaInput, container: ContainerDep) -> TokenPairPublic:
    """MFA step: the ``mfa_token`` and a TOTP code (or a recovery code) for tokens."""
    return _pair(AuthService(container).login_mfa(body.mfa_token, body.code))


@router.post("/refresh", name="refresh", response_model=TokenPairPublic)
def refresh(body: RefreshInput, container: ContainerDep) -> TokenPairPublic:
    """A new token pair for a refresh token, which stops working. Presenting a used refresh
    token again ends the whole session (every token of its family): serialise refreshes."""
    return _pair(AuthService(container).refresh(body.refresh_token))


@router.post("/logout", name="logout", response_model=Message)
def logout(body: LogoutInput, principal: ViewerPrincipal, container: ContainerDep) -> Message:
    """End the session of ``refresh_token`` (its family is revoked). Idempotent."""
    AuthService(container).logout(principal, body.refresh_token)
    return Message(message="logged out")


@router.get("/me", name="me", response_model=UserPublic)
async def me(principal: ViewerPrincipal, container: ContainerDep) -> Response:
    """The caller's account."""
    # The hot path of every client (ADR 0012): on an authentication-cache hit the account
    # comes from memory on the event loop, with no thread-pool hop and no database read;
    # only a miss reads the row, in the thread pool. The body is serialised once by the
    # response model's own serialiser (the same JSON FastAPI would write, without its
    # second validation of an object built here).
    service = AuthService(container)
    view = service.cached_me(principal)
    if view is None:
        view = await anyio.to_thread.run_sync(service.me, principal)
    body = UserPublic.model_validate(view).model_dump_json().encode()
    return Response(content=body, media_type="application/json")


@router.post("/password", name="change-password", response_model=TokenPairPublic)
def change_password(
    body: PasswordChangeInput, principal: ViewerPrincipal, container: ContainerDep
) -> TokenPairPublic:
    """Change the password (the current one is required; with MFA on, a recent step-up
    too). Every other session ends; the answer is a fresh token pair."""
    pair = AuthService(container).change_password(
        principal, body.current_password, body.new_password
    )
    return _pair(pair)


@router.post("/mfa/enrol", name="mfa-enrol", response_model=MfaEnrolmentPublic)
def mfa_enrol(principal: ViewerPrincipal, container: ContainerDep) -> MfaEnrolmentPublic:
    """Start TOTP enrolment: the secret is shown this once; confirm with /mfa/verify."""
    return MfaEnrolmentPublic.model_validate(AuthService(container).enrol_mfa(principal))


@router.post("/mfa/verify", name="mfa-verify", response_model=MfaActivationPublic)
def mfa_verify(
    body: CodeInput, principal: ViewerPrincipal, container: ContainerDep
) -> MfaActivationPublic:
    """Confirm enrolment with a first code: MFA is on; ten recovery codes, shown once."""
    activation = AuthService(container).verify_mfa(principal, body.code)
    return MfaActivationPublic(
        recovery_codes=activation.recovery_codes,
        access_token=activation.access_token,
        access_expires_at=utc_of_ms(activation.access_expires_at_ms),
    )


@router.post("/mfa/step-up", name="mfa-step-up", response_model=AccessTokenPublic)
def mfa_step_up(
    body: CodeInput, principal: ViewerPrincipal, container: ContainerDep
) -> AccessTokenPublic:
    """Prove MFA again: an access token that sensitive actions accept for five minutes."""
    token = AuthService(container).step_up(principal, body.code)
    return AccessTokenPublic(
        access_token=token.access_token, access_expires_at=utc_of_ms(token.expires_at_ms)
    )


@router.post("/mfa/disable", name="mfa-disable", response_model=Message)
def mfa_disable(principal: ViewerPrincipal, container: ContainerDep) -> Message:
    """Turn MFA off (needs a step-up from the last five minutes). Ends every session."""
    AuthService(container).disable_mfa(principal)
    return Message(message="MFA disabled")
