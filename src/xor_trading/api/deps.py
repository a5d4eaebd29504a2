"""Dependencies every route uses: the container, the caller, the role it needs.

Use the ``Annotated`` aliases in route signatures::

    def list_bots(principal: ViewerPrincipal, container: ContainerDep) -> Page[BotPublic]: ...

A route is public only when it takes none of the principal aliases; the policy table
(:mod:`xor_trading.api.policy`) lists which role each route requires, and a test compares
it with what the routes enforce.

The dependencies here are ``async``: they do no blocking I/O on the event loop, so they
run inline instead of taking a thread-pool hop each. The one database read (the caller's
authentication state, when it is not cached) goes to the thread pool explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from xor_trading.api.rate_limit import verified_claims
from xor_trading.core.errors import AuthenticationError, PermissionDeniedError
from xor_trading.domain.users import Role
from xor_trading.services.authentication import (
    CacheMiss,
    cached_auth_state,
    load_auth_state,
    principal_of,
)
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def current_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a request with a valid ``Authorization: Bearer <access token>``.

    The token's claims come from the rate limiter when it verified this very token for
    this request, else they are decoded here (CPU only). The user's state comes from the
    authentication cache, or from the database in the thread pool on a miss.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError(
            "this route needs an access token",
            "log in (POST /api/v1/auth/login) and send Authorization: Bearer <token>",
        )
    token = credentials.credentials
    claims = verified_claims(request.scope, token) or container.tokens.decode_access(token)
    state = cached_auth_state(container, claims.user_id)
    if isinstance(state, CacheMiss):  # not cached: read it off the event loop
        state = await anyio.to_thread.run_sync(load_auth_state, container, claims.user_id)
    principal = principal_of(claims, state)
    request.state.principal = principal  # for the per-user rate limit and the access log
    return principal


def require_role(role: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that admits callers whose role allows ``role`` (403 otherwise)."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.allows(role):
            raise PermissionDeniedError(
                f"this action needs the {role.value} role; you are {principal.role.value}",
                "ask an administrator to change your role",
            )
        return principal

    dependency.required_role = role  # type: ignore[attr-defined]  # read by the policy test
    return dependency


ViewerPrincipal = Annotated[Principal, Depends(require_role(Role.VIEWER))]
TraderPrincipal = Annotated[Principal, Depends(require_role(Role.TRADER))]
AdminPrincipal = Annotated[Principal, Depends(require_role(Role.ADMIN))]
