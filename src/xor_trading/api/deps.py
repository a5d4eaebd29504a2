"""Dependencies every route uses: the container, the caller, the role it needs.

Use the ``Annotated`` aliases in route signatures::

    def list_bots(principal: ViewerPrincipal, container: ContainerDep) -> Page[BotPublic]: ...

A route is public only when it takes none of the principal aliases; the policy table
(:mod:`xor_trading.api.policy`) lists which role each route requires, and a test compares
it with what the routes enforce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from xor_trading.core.errors import AuthenticationError, PermissionDeniedError
from xor_trading.domain.users import Role
from xor_trading.services.authentication import authenticate_access_token
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def current_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a request with a valid ``Authorization: Bearer <access token>``."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError(
            "this route needs an access token",
            "log in (POST /api/v1/auth/login) and send Authorization: Bearer <token>",
        )
    principal = authenticate_access_token(container, credentials.credentials)
    request.state.principal = principal  # for the per-user rate limit and the access log
    return principal


def require_role(role: Role) -> Callable[[Principal], Principal]:
    """A dependency that admits callers whose role allows ``role`` (403 otherwise)."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
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
