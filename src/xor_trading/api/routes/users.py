"""User administration (admin only): list, read, create, change role or active flag."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from xor_trading.api.deps import AdminPrincipal, ContainerDep
from xor_trading.api.schemas.common import MAX_PAGE_SIZE, Page, page_of
from xor_trading.api.schemas.users import UserCreate, UserPublic, UserUpdate
from xor_trading.domain.users import Role
from xor_trading.services.user_service import UserService

router = APIRouter(prefix="/users", tags=["users"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]


@router.get("", name="list", response_model=Page[UserPublic])
def list_users(
    principal: AdminPrincipal,
    container: ContainerDep,
    limit: Limit = 50,
    offset: Offset = 0,
    sort: Annotated[
        Literal["created_at", "email", "role"], Query(description="Sort column.")
    ] = "created_at",
    order: Annotated[Literal["asc", "desc"], Query(description="Sort direction.")] = "asc",
    role: Annotated[Role | None, Query(description="Only users with this role.")] = None,
    is_active: Annotated[bool | None, Query(description="Only (in)active users.")] = None,
) -> Page[UserPublic]:
    """Every user, filtered and sorted."""
    items, total = UserService(container).list_users(
        principal,
        limit=limit,
        offset=offset,
        sort=sort,
        descending=order == "desc",
        role=role,
        is_active=is_active,
    )
    return page_of(UserPublic, items, total=total, limit=limit, offset=offset)


@router.post("", name="create", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, principal: AdminPrincipal, container: ContainerDep) -> UserPublic:
    """Create an active account with a role (409 if the email is taken)."""
    view = UserService(container).create_user(principal, body.email, body.password, body.role)
    return UserPublic.model_validate(view)


@router.get("/{user_id}", name="get", response_model=UserPublic)
def get_user(user_id: str, principal: AdminPrincipal, container: ContainerDep) -> UserPublic:
    """One user (404 if there is none)."""
    return UserPublic.model_validate(UserService(container).get_user(principal, user_id))


@router.patch("/{user_id}", name="update", response_model=UserPublic)
def update_user(
    user_id: str, body: UserUpdate, principal: AdminPrincipal, container: ContainerDep
) -> UserPublic:
    """Change the role and/or active flag. The last active admin cannot be demoted or
    deactivated (409). Deactivation ends the user's sessions at once."""
    view = UserService(container).update_user(
        principal, user_id, role=body.role, is_active=body.is_active
    )
    return UserPublic.model_validate(view)
