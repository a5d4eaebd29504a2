"""User administration (admins only): list, read, create, change role, (de)activate.

Invariant: there is always at least one active admin. Demoting or deactivating the last
one is refused (409), checked under a lock on the admin rows so two concurrent requests
cannot each remove "the other" admin. Deactivating a user revokes
their refresh tokens; access tokens stop working at once, and a role change applies at
once, because every request re-reads the user (``services.authentication``).
"""

from __future__ import annotations

from xor_trading.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from xor_trading.domain.users import Role
from xor_trading.persistence.repositories import auth_tokens as tokens_repo
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.persistence.repositories.users import UserSort
from xor_trading.services.audit import record_audit
from xor_trading.services.auth_service import UserView, create_user_record, utc_of_ms
from xor_trading.services.authentication import invalidate_auth_state
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal


def _require_admin(principal: Principal) -> None:
    # The routes already demand the admin role; this keeps the service safe for the CLI
    # and any future caller.
    if not principal.allows(Role.ADMIN):
        raise PermissionDeniedError("managing users needs the admin role", "ask an administrator")


def _not_found(user_id: str) -> NotFoundError:
    return NotFoundError(f"user {user_id} was not found", "list users with GET /api/v1/users")


class UserService:
    """Admin use cases on users. Construct per call."""

    def __init__(self, container: Container) -> None:
        self.c = container

    def list_users(
        self,
        principal: Principal,
        *,
        limit: int,
        offset: int,
        sort: UserSort = "created_at",
        descending: bool = False,
        role: Role | None = None,
        is_active: bool | None = None,
    ) -> tuple[list[UserView], int]:
        _require_admin(principal)
        with self.c.database.read_session() as session:
            rows, total = users_repo.list_users(
                session,
                limit=limit,
                offset=offset,
                sort=sort,
                descending=descending,
                role=role.value if role is not None else None,
                is_active=is_active,
            )
            return [UserView.of(row) for row in rows], total

    def get_user(self, principal: Principal, user_id: str) -> UserView:
        _require_admin(principal)
        with self.c.database.read_session() as session:
            row = users_repo.get_user(session, user_id)
            if row is None:
                raise _not_found(user_id)
            return UserView.of(row)

    def create_user(self, principal: Principal, email: str, password: str, role: Role) -> UserView:
        """A new active user with ``role`` (password policy applies); audited."""
        _require_admin(principal)
        user_id = create_user_record(
            self.c, email=email, password=password, role=role, actor_id=principal.user_id
        )
        return self.get_user(principal, user_id)

    def update_user(
        self,
        principal: Principal,
        user_id: str,
        *,
        role: Role | None = None,
        is_active: bool | None = None,
    ) -> UserView:
        """Change a user's role and/or active flag; refuses to leave no active admin."""
        _require_admin(principal)
        if role is None and is_active is None:
            raise InputError("nothing to change", "send role and/or is_active")
        now = utc_of_ms(self.c.clock.now_ms())
        with self.c.database.session() as session:
            active_admins = users_repo.lock_active_admins(session)
            row = users_repo.get_user_for_update(session, user_id)
            if row is None:
                raise _not_found(user_id)
            new_role = role.value if role is not None else row.role
            new_active = is_active if is_active is not None else row.is_active
            loses_admin = row.id in active_admins and (new_role != "admin" or not new_active)
            if loses_admin and len(active_admins) <= 1:
                raise ConflictError(
                    "this is the last active admin; demoting or deactivating it would leave "
                    "nobody able to manage users",
                    "make another user admin first",
                )
            changes: dict[str, str | bool] = {}
            if new_role != row.role:
                changes["old_role"] = row.role
                changes["new_role"] = new_role
                row.role = new_role
            if new_active != row.is_active:
                changes["is_active"] = new_active
                row.is_active = new_active
            if changes:
                row.updated_at = now
                # A role change needs no revocation: every request and every refresh reads
                # the role from this row. A deactivated user's sessions end here.
                revoked = (
                    tokens_repo.revoke_user_tokens(session, row.id, now, "deactivated")
                    if changes.get("is_active") is False
                    else 0
                )
                action = "user.deactivate" if changes.get("is_active") is False else "user.update"
                if "new_role" in changes and "is_active" not in changes:
                    action = "user.role_change"
                record_audit(
                    session,
                    self.c,
                    actor_id=principal.user_id,
                    action=action,
                    target_type="user",
                    target_id=row.id,
                    details={**changes, "revoked": revoked},
                )
            view = UserView.of(row)
        if changes:
            # After the commit: the user's next request in this process sees the change.
            invalidate_auth_state(self.c, user_id)
        return view
