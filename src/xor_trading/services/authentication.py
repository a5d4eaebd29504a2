"""Who is calling: access-token verification and the MFA step-up check.

:func:`authenticate_access_token` turns a bearer token into a :class:`Principal`: the JWT
must verify (:mod:`xor_trading.security.tokens`) *and* the user must still exist and be
active; the role is the one in the database now (a demotion takes effect at once, not when
the token expires), and a token issued before the last password change is refused. Every
failure is the same 401 ``unauthenticated`` with one message, whatever the reason.

:func:`require_recent_mfa` guards sensitive actions (S9): the caller must have MFA enabled
and have proved a TOTP or recovery code within ``max_age_s`` seconds (``mfa_at`` claim,
set by login with MFA or by ``POST /api/v1/auth/mfa/step-up``).

**The authentication cache.** What the check needs of the user (active, role, password
change time, MFA on: :class:`~xor_trading.persistence.repositories.users.UserAuthState`)
is kept per process for :data:`AUTH_STATE_TTL_S` seconds of the monotonic clock, so a busy
caller costs one primary-key read per second per worker process, not one per request.
Every in-process change of that state (role change, (de)activation, password change, MFA
on or off, session revocation) calls :func:`invalidate_auth_state` after its transaction
commits, so the very next request *in the same process* sees it; another worker process
sees it within :data:`AUTH_STATE_TTL_S` (ADR 0012). A generation counter keeps a read
that started before an invalidation from putting its stale answer back.

**The profile rides along.** An entry may also carry the user's public profile (what
``GET /api/v1/auth/me`` shows: :class:`~xor_trading.services.auth_service.UserView`),
read from the same row at the same time as the state. It lives and dies with the entry:
the same TTL, the same invalidation, so ``/auth/me`` on a cache hit reads no database and
is never staler than the role check itself. Every change of a field it shows (role,
active flag, MFA on or off, last login) therefore invalidates too.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Final

from xor_trading.core.errors import StepUpRequiredError
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.persistence.repositories.users import UserAuthState
from xor_trading.security.tokens import AccessClaims, InvalidTokenError
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

STEP_UP_MAX_AGE_S = 300
STEP_UP_PATH = "POST /api/v1/auth/mfa/step-up"

AUTH_STATE_TTL_S: Final = 1.0
"""How long (monotonic seconds) a process trusts a user's cached authentication state.
This bounds how late *another* process sees a change; its own process sees it at once."""
AUTH_STATE_CACHE_SIZE: Final = 10_000


class CacheMiss:
    """The cache has nothing current for the user (distinct from ``None``: no such user)."""


MISS: Final = CacheMiss()


class AuthStateCache:
    """Per-process cache of :class:`UserAuthState` by user id; thread-safe.

    ``None`` is cached too (no such user), so a flood of valid tokens of a deleted user
    does not reach the database either. Entries expire ``ttl_s`` seconds after they were
    read (``monotonic``, injectable for tests); :meth:`invalidate` drops one at once.
    An entry may carry a ``profile`` read with the state (:meth:`profile`): this module
    does not know its type (the service that shows it does, and checks it).
    """

    def __init__(
        self,
        ttl_s: float = AUTH_STATE_TTL_S,
        max_entries: int = AUTH_STATE_CACHE_SIZE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.monotonic = monotonic
        # user id -> (expires at, monotonic s; state; profile read with it, or None)
        self._entries: dict[str, tuple[float, UserAuthState | None, object | None]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Take it *before* reading the database; pass it to :meth:`put`."""
        return self._generation

    def get(self, user_id: str) -> UserAuthState | CacheMiss | None:
        """The cached state (``None``: no such user), or :data:`MISS` (a :class:`CacheMiss`)."""
        entry = self._entries.get(user_id)
        if entry is None or entry[0] <= self.monotonic():
            return MISS
        return entry[1]

    def profile(self, user_id: str) -> object | None:
        """The profile cached with the user's current state, or ``None`` (no entry, an
        expired one, or one put without a profile)."""
        entry = self._entries.get(user_id)
        if entry is None or entry[0] <= self.monotonic():
            return None
        return entry[2]

    def put(
        self,
        user_id: str,
        state: UserAuthState | None,
        generation: int,
        profile: object | None = None,
    ) -> None:
        """Cache ``state`` (and the ``profile`` read with it), read after
        :attr:`generation` was ``generation``; dropped when an invalidation happened since
        (the read may predate the change). Replaces the user's entry, profile included."""
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # bounded; refilled at one read per active user
            self._entries[user_id] = (self.monotonic() + self.ttl_s, state, profile)

    def invalidate(self, user_id: str) -> None:
        """Forget ``user_id`` now, and refuse every read still in flight (generation)."""
        with self._lock:
            self._generation += 1
            self._entries.pop(user_id, None)


# One cache per database (the Container dataclass is unhashable; its Database is one per
# container and process). Weak keys: a disposed test database takes its cache with it.
_CACHES: weakref.WeakKeyDictionary[Database, AuthStateCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def auth_state_cache(container: Container) -> AuthStateCache:
    """The authentication cache of ``container`` (created on first use)."""
    cache = _CACHES.get(container.database)
    if cache is None:
        with _CACHES_LOCK:
            cache = _CACHES.setdefault(container.database, AuthStateCache())
    return cache


def invalidate_auth_state(container: Container, user_id: str) -> None:
    """Make the next request of ``user_id`` in this process read their state (and
    profile) afresh.

    Call it *after* the transaction that changed the user's role, active flag, password,
    MFA state, sessions or a field of their profile (last login) has committed.
    """
    auth_state_cache(container).invalidate(user_id)


def cached_auth_state(container: Container, user_id: str) -> UserAuthState | CacheMiss | None:
    """The cached state of ``user_id`` without any I/O (a :class:`CacheMiss` when not cached)."""
    return auth_state_cache(container).get(user_id)


def cached_profile(container: Container, user_id: str) -> object | None:
    """The profile cached with ``user_id``'s current state (no I/O), or ``None``."""
    return auth_state_cache(container).profile(user_id)


def load_auth_state(container: Container, user_id: str) -> UserAuthState | None:
    """The state of ``user_id`` from the cache, else from the database (blocking I/O:
    never call it on the event loop)."""
    cache = auth_state_cache(container)
    state = cache.get(user_id)
    if not isinstance(state, CacheMiss):
        return state
    generation = cache.generation
    with container.database.read_session() as session:
        fresh = users_repo.get_auth_state(session, user_id)
    cache.put(user_id, fresh, generation)
    return fresh


def principal_of(claims: AccessClaims, state: UserAuthState | None) -> Principal:
    """The caller of verified ``claims`` given the user's current ``state``; raises
    :class:`InvalidTokenError` (401) for an unknown or deactivated user, a token issued
    before the last password change, or a role this version does not know."""
    if state is None or not state.is_active:
        raise InvalidTokenError("user unknown or deactivated")
    # iat has one-second resolution: a token from the same second as the change is kept,
    # anything earlier was issued under the old password.
    if claims.issued_at_s < int(state.password_changed_at.timestamp()):
        raise InvalidTokenError("issued before the last password change")
    try:
        role = Role(state.role)
    except ValueError:
        raise InvalidTokenError(f"unknown role {state.role!r}") from None
    mfa_at = claims.mfa_at_ms if state.mfa_enabled else None
    return Principal(user_id=claims.user_id, role=role, mfa_verified_at_ms=mfa_at)


def authenticate_access_token(container: Container, token: str) -> Principal:
    """The caller behind ``token``; raises ``AuthenticationError`` (401) otherwise.

    May read the database (blocking): the HTTP dependency uses :func:`principal_of` and
    :func:`cached_auth_state` to stay off the thread pool when the state is cached.
    """
    claims = container.tokens.decode_access(token)
    return principal_of(claims, load_auth_state(container, claims.user_id))


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
