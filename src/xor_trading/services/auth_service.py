"""Authentication use cases: register, login (with MFA), refresh, logout, MFA, passwords.

Contracts (S2-S4, S9):

* **Login** answers one uniform 401 for an unknown email, a deactivated user and a wrong
  password, and spends one argon2id verification in every case (a dummy one when there is
  no user), so neither the body nor the timing tells whether the email exists. After
  :data:`LOCK_THRESHOLD` consecutive failures the account is locked for
  ``60 s * 2**(failures - 10)`` (at most an hour); while locked every attempt, even with the
  right password, is answered 429 with ``Retry-After``. (This tells a guesser that the
  account exists after ten failures; the per-IP limit of the API bounds that, and the
  owner gets a clear answer instead of a mysterious refusal.)
* With MFA on, the password step returns ``mfa_required`` and a 5-minute ``mfa_pending``
  token; ``login_mfa`` exchanges it with a TOTP code or a recovery code for tokens.
* **Refresh tokens** rotate on every use. Presenting one that was already used revokes its
  whole family (every token descended from the same login, the newest included), is
  audited (``auth.refresh_reuse``) and answers 401. There is *no* concurrency grace: two
  parallel refreshes with the same token count as reuse, so clients must serialise their
  refreshes (one in flight at a time). This is the strict reading of RFC 9700 4.14; a
  grace window would let a thief who races the owner keep a live token.
* **TOTP**: a code is accepted only for a step strictly later than the last accepted one
  (atomic conditional UPDATE), at most :data:`~xor_trading.security.totp.MAX_FAILURES`
  wrong codes per five minutes per user; recovery codes are single use.
* **Password change** needs the current password (and a recent MFA step-up when MFA is
  on), revokes every refresh family and invalidates access tokens issued before it.
* Every outcome that matters is audited in the same transaction as the change.

Failures that must leave a trace (failed-login counters, a revoked family, MFA attempt
counters) are committed first and raised after the transaction, so "a failed call changes
nothing" holds for the caller's request but not for the security bookkeeping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from xor_trading.core.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    RateLimitedError,
    XorError,
)
from xor_trading.domain.users import Role
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import auth_tokens as tokens_repo
from xor_trading.persistence.repositories import users as users_repo
from xor_trading.persistence.repositories.users import UserAuthState
from xor_trading.persistence.tables.users import UserRow
from xor_trading.persistence.types import new_id
from xor_trading.security import recovery_codes, totp
from xor_trading.security.audit_chain import DetailValue
from xor_trading.security.envelope import SealedSecret, aad_for
from xor_trading.security.tokens import hash_opaque_token, new_opaque_token
from xor_trading.services.audit import record_audit
from xor_trading.services.authentication import (
    auth_state_cache,
    cached_profile,
    invalidate_auth_state,
    require_recent_mfa,
)
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

LOCK_THRESHOLD = 10
LOCK_BASE_S = 60
LOCK_MAX_S = 3600
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 254

LOGIN_FAILED_MESSAGE = "the email or the password is wrong"
LOGIN_FAILED_HINT = "check both and try again; after 10 failures the account is locked for a while"
REFRESH_FAILED_MESSAGE = "the refresh token is invalid, expired or revoked"
REFRESH_FAILED_HINT = "log in again (POST /api/v1/auth/login)"

# Short on purpose: the length rule already excludes most leaked passwords; these are the
# common ones that are 12 characters or longer.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789abc",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "administrator",
        "changeme1234",
        "abcdefghijkl",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "trustno11234",
        "correcthorsebatterystaple",
        "football1234",
        "baseball1234",
        "monkey123456",
        "dragon123456",
        "sunshine1234",
        "princess1234",
        "superman1234",
        "bitcoin12345",
        "bitcoinbitcoin",
        "cryptocurrency",
    }
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidMfaCodeError(InputError):
    """A TOTP or recovery code that is wrong, malformed or already used (422)."""

    code = "invalid_mfa_code"


@dataclass(frozen=True, slots=True)
class UserView:
    """What the API may show of a user: never the hash, the seed or the counters."""

    id: str
    email: str
    role: Role
    is_active: bool
    mfa_enabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, row: UserRow) -> UserView:
        return cls(
            id=row.id,
            email=row.email,
            role=Role(row.role),
            is_active=row.is_active,
            mfa_enabled=row.mfa_enabled,
            created_at=row.created_at,
            last_login_at=row.last_login_at,
        )


@dataclass(frozen=True, slots=True)
class AccessToken:
    access_token: str
    expires_at_ms: int
    token_type: str = "bearer"


@dataclass(frozen=True, slots=True)
class TokenPair:
    """An access token and its refresh token (shown once; only its hash is stored)."""

    access_token: str
    access_expires_at_ms: int
    refresh_token: str
    refresh_expires_at_ms: int
    token_type: str = "bearer"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """Either ``tokens``, or ``mfa_required`` with an ``mfa_token`` for the second step."""

    mfa_required: bool
    tokens: TokenPair | None = None
    mfa_token: str | None = None
    mfa_token_expires_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class MfaEnrolment:
    """The new TOTP seed, shown once, and its ``otpauth://`` URI (for a QR code)."""

    secret: str
    otpauth_uri: str


@dataclass(frozen=True, slots=True)
class MfaActivation:
    """Recovery codes (shown once) and an access token whose MFA was just verified."""

    recovery_codes: list[str]
    access_token: str
    access_expires_at_ms: int


def utc_of_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def ms_of(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased; raises :class:`InputError` when it is not an address."""
    normal = email.strip().lower()
    if len(normal) > MAX_EMAIL_LENGTH or not _EMAIL.match(normal):
        raise InputError(
            f"{email.strip()[:80]!r} is not an email address",
            "write it like name@example.com",
        )
    return normal


def check_password_policy(password: str, email: str) -> None:
    """Raise :class:`InputError` unless ``password`` is 12-256 characters, not a common
    password and does not contain the email's local part (when that is 3+ characters)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password has {len(password)} characters; at least {MIN_PASSWORD_LENGTH} "
            "are needed",
            "use a longer passphrase, e.g. four unrelated words",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(
            f"the password is longer than {MAX_PASSWORD_LENGTH} characters",
            "use a shorter passphrase",
        )
    folded = password.lower()
    if folded in COMMON_PASSWORDS or re.sub(r"[\s_\-.]", "", folded) in COMMON_PASSWORDS:
        raise InputError(
            "this password is one of the most common ones", "choose a password of your own"
        )
    local = email.split("@", 1)[0].lower()
    if len(local) >= 3 and local in folded:
        raise InputError("the password contains your email address", "choose a password without it")


def _audit(
    session: DbSession,
    container: Container,
    *,
    actor_id: str | None,
    action: str,
    target_id: str | None,
    details: Mapping[str, DetailValue] | None = None,
) -> None:
    record_audit(
        session,
        container,
        actor_id=actor_id,
        action=action,
        target_type="user",
        target_id=target_id,
        details=details or {},
    )


def create_user_record(
    container: Container,
    *,
    email: str,
    password: str,
    role: Role,
    actor_id: str | None = None,
    action: str = "user.create",
) -> str:
    """Validate, hash and insert a user; audit it; return the new id.

    The single way users come to exist (self-registration, an admin, ``xor users create``,
    tests). ``actor_id`` is who created it (``None``: the user themself or the CLI).
    Raises :class:`InputError` (bad email, weak password) or :class:`ConflictError`.
    """
    address = normalise_email(email)
    check_password_policy(password, address)
    password_hash = container.passwords.hash(password)
    now = utc_of_ms(container.clock.now_ms())
    with container.database.session() as session:
        row = users_repo.add_user(
            session, email=address, password_hash=password_hash, role=role.value, now=now
        )
        _audit(
            session,
            container,
            actor_id=actor_id if actor_id is not None else row.id,
            action=action,
            target_id=row.id,
            details={"email": address, "role": role.value},
        )
        return row.id


def seal_totp_seed(container: Container, user_id: str, secret: str) -> SealedSecret:
    """The TOTP seed sealed with the envelope cipher, bound to the user (AAD)."""
    return container.cipher.seal(secret.encode("ascii"), aad_for(user_id, "totp"))


def install_totp_seed(
    container: Container, session: DbSession, row: UserRow, secret: str, *, active: bool
) -> None:
    """Store ``secret`` sealed on ``row``: pending (``active=False``, enrolment) or already
    confirmed (``active=True``, an operator or a test fixture provisioning it)."""
    sealed = seal_totp_seed(container, row.id, secret)
    row.totp_kek_id = sealed.kek_id
    row.totp_wrapped_dek = sealed.wrapped_dek
    row.totp_nonce = sealed.nonce
    row.totp_ciphertext = sealed.ciphertext
    row.totp_last_used_step = None
    row.mfa_failed_count = 0
    row.mfa_window_started_at = None
    row.mfa_enabled = active
    now = utc_of_ms(container.clock.now_ms())
    row.mfa_enabled_at = now if active else None
    row.updated_at = now
    session.flush()


def _open_totp_seed(container: Container, row: UserRow) -> str:
    if (
        row.totp_kek_id is None
        or row.totp_wrapped_dek is None
        or row.totp_nonce is None
        or row.totp_ciphertext is None
    ):
        raise ConflictError("MFA is not set up for this account", "enrol MFA first")
    sealed = SealedSecret(
        kek_id=row.totp_kek_id,
        wrapped_dek=row.totp_wrapped_dek,
        nonce=row.totp_nonce,
        ciphertext=row.totp_ciphertext,
    )
    return container.cipher.open(sealed, aad_for(row.id, "totp")).decode("ascii")


def _clear_totp(row: UserRow) -> None:
    row.mfa_enabled = False
    row.mfa_enabled_at = None
    row.totp_kek_id = None
    row.totp_wrapped_dek = None
    row.totp_nonce = None
    row.totp_ciphertext = None
    row.totp_last_used_step = None
    row.mfa_failed_count = 0
    row.mfa_window_started_at = None


def lock_seconds(failures: int) -> int:
    """How long an account stays locked after ``failures`` consecutive failures (0: not)."""
    if failures < LOCK_THRESHOLD:
        return 0
    exponent = min(failures - LOCK_THRESHOLD, 16)
    return int(min(LOCK_BASE_S * 2**exponent, LOCK_MAX_S))


class AuthService:
    """The authentication use cases over one container. Construct per call."""

    def __init__(self, container: Container) -> None:
        self.c = container

    # -- helpers -------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return self.c.clock.now_ms()

    def _issue_pair(
        self,
        session: DbSession,
        row: UserRow,
        *,
        mfa_at_ms: int | None,
        family_id: str | None = None,
    ) -> TokenPair:
        now_ms = self._now_ms()
        access = self.c.tokens.issue_access(row.id, row.role, mfa_at_ms=mfa_at_ms)
        refresh = new_opaque_token()
        refresh_expires_ms = now_ms + self.c.settings.refresh_token_ttl_s * 1000
        tokens_repo.add_refresh_token(
            session,
            user_id=row.id,
            family_id=family_id or new_id(),
            token_hash=hash_opaque_token(refresh),
            issued_at=utc_of_ms(now_ms),
            expires_at=utc_of_ms(refresh_expires_ms),
            mfa_at_ms=mfa_at_ms,
        )
        return TokenPair(
            access_token=access.token,
            access_expires_at_ms=access.expires_at_ms,
            refresh_token=refresh,
            refresh_expires_at_ms=refresh_expires_ms,
        )

    def _check_second_factor(self, session: DbSession, row: UserRow, code: str) -> XorError | None:
        """Check a TOTP or recovery code for ``row`` and update the attempt counters.

        Returns ``None`` when it is accepted, else the error to raise *after* commit (so
        the failure counts). Throttled attempts are not checked at all.
        """
        now_ms = self._now_ms()
        window_ms = (
            ms_of(row.mfa_window_started_at) if row.mfa_window_started_at is not None else None
        )
        retry_after = totp.throttle_retry_after_s(row.mfa_failed_count, window_ms, now_ms)
        if retry_after is not None:
            return RateLimitedError(
                "too many wrong MFA codes for this account",
                retry_after,
                f"wait {max(1, round(retry_after))} s and try again with a fresh code",
            )
        candidate = code.strip()
        accepted = False
        used_recovery = False
        if recovery_codes.is_recovery_code_shaped(candidate):
            used_recovery = True
            accepted = tokens_repo.use_recovery_code(
                session, row.id, recovery_codes.hash_recovery_code(candidate), utc_of_ms(now_ms)
            )
        elif totp.is_code_shaped(candidate):
            step = totp.matching_step(_open_totp_seed(self.c, row), candidate, now_ms)
            accepted = step is not None and users_repo.claim_totp_step(session, row.id, step)
        if accepted:
            row.mfa_failed_count = 0
            row.mfa_window_started_at = None
            if used_recovery:
                _audit(
                    session,
                    self.c,
                    actor_id=row.id,
                    action="auth.recovery_code_used",
                    target_id=row.id,
                    details={"remaining": tokens_repo.count_unused_recovery_codes(session, row.id)},
                )
            session.flush()
            return None
        if window_ms is None or now_ms - window_ms >= totp.FAILURE_WINDOW_S * 1000:
            row.mfa_window_started_at = utc_of_ms(now_ms)
            row.mfa_failed_count = 1
        else:
            row.mfa_failed_count += 1
        _audit(
            session,
            self.c,
            actor_id=row.id,
            action="auth.mfa_failed",
            target_id=row.id,
            details={"failures_in_window": row.mfa_failed_count},
        )
        session.flush()
        return InvalidMfaCodeError(
            "the code is wrong, expired or was already used",
            "enter the current code from your authenticator app (each code works once), "
            "or an unused recovery code",
        )

    def _active_user(self, session: DbSession, user_id: str) -> UserRow:
        row = users_repo.get_user_for_update(session, user_id)
        if row is None or not row.is_active:
            raise AuthenticationError(
                "this account no longer exists or was deactivated",
                "ask an administrator",
            )
        return row

    # -- registration and login ------------------------------------------------------------

    def register(self, email: str, password: str) -> UserView:
        """Self-registration: a new active ``trader``. Email normalised, password checked."""
        user_id = create_user_record(
            self.c, email=email, password=password, role=Role.TRADER, action="auth.register"
        )
        with self.c.database.read_session() as session:
            row = users_repo.get_user(session, user_id)
            assert row is not None
            return UserView.of(row)

    def login(self, email: str, password: str) -> LoginResult:
        """The password step. See the module docstring for the failure behaviour.

        The argon2 verification runs outside the write transaction (on SQLite a writer
        holds the database lock), then the outcome is recorded on the freshly locked row.
        """
        address = email.strip().lower()[:MAX_EMAIL_LENGTH]
        now_ms = self._now_ms()
        with self.c.database.read_session() as session:
            found = users_repo.get_user_by_email(session, address)
            found_id = found.id if found is not None else None
            snapshot = (
                (found.id, found.password_hash, found.locked_until)
                if found is not None and found.is_active
                else None
            )
        if snapshot is None:
            self.c.passwords.dummy_verify(password)
            with self.c.database.session() as session:
                _audit(
                    session,
                    self.c,
                    actor_id=None,
                    action="auth.login_failed",
                    target_id=found_id,
                    details={"email": address, "reason": "unknown_or_inactive"},
                )
            raise AuthenticationError(LOGIN_FAILED_MESSAGE, LOGIN_FAILED_HINT)
        user_id, stored_hash, locked_until = snapshot
        if locked_until is not None and ms_of(locked_until) > now_ms:
            # Same cost as a real attempt; the password is not checked while locked.
            self.c.passwords.dummy_verify(password)
            retry_after = (ms_of(locked_until) - now_ms) / 1000
            with self.c.database.session() as session:
                _audit(
                    session,
                    self.c,
                    actor_id=user_id,
                    action="auth.login_locked",
                    target_id=user_id,
                    details={"retry_after_s": round(retry_after)},
                )
            raise RateLimitedError(
                "this account is locked after too many failed logins",
                retry_after,
                f"try again in {max(1, round(retry_after))} s",
            )
        correct = self.c.passwords.verify(stored_hash, password)
        new_hash = (
            self.c.passwords.hash(password)
            if correct and self.c.passwords.needs_rehash(stored_hash)
            else None
        )
        result: LoginResult | None = None
        with self.c.database.session() as session:
            row = users_repo.get_user_for_update(session, user_id)
            # The row may have changed since it was read: deactivated, or the password
            # changed (then the checked hash is stale and the attempt counts as failed).
            if row is None or not row.is_active or row.password_hash != stored_hash:
                correct = False
            if row is not None and not correct:
                row.failed_login_count += 1
                lock_s = lock_seconds(row.failed_login_count)
                if lock_s:
                    row.locked_until = utc_of_ms(now_ms + lock_s * 1000)
                _audit(
                    session,
                    self.c,
                    actor_id=row.id,
                    action="auth.login_failed",
                    target_id=row.id,
                    details={
                        "reason": "wrong_password",
                        "consecutive_failures": row.failed_login_count,
                        "locked_for_s": lock_s,
                    },
                )
            elif row is not None:
                row.failed_login_count = 0
                row.locked_until = None
                if new_hash is not None:
                    row.password_hash = new_hash
                if row.mfa_enabled:
                    pending = self.c.tokens.issue_mfa_pending(row.id)
                    _audit(
                        session,
                        self.c,
                        actor_id=row.id,
                        action="auth.login_password_ok",
                        target_id=row.id,
                        details={"mfa": True},
                    )
                    result = LoginResult(
                        mfa_required=True,
                        mfa_token=pending.token,
                        mfa_token_expires_at_ms=pending.expires_at_ms,
                    )
                else:
                    row.last_login_at = utc_of_ms(now_ms)
                    _audit(
                        session,
                        self.c,
                        actor_id=row.id,
                        action="auth.login",
                        target_id=row.id,
                        details={"mfa": False},
                    )
                    result = LoginResult(
                        mfa_required=False, tokens=self._issue_pair(session, row, mfa_at_ms=None)
                    )
        if result is None:
            raise AuthenticationError(LOGIN_FAILED_MESSAGE, LOGIN_FAILED_HINT)
        if result.tokens is not None:
            invalidate_auth_state(self.c, user_id)  # /auth/me shows the new last login
        return result

    def login_mfa(self, mfa_token: str, code: str) -> TokenPair:
        """The second login step: an ``mfa_pending`` token and a TOTP or recovery code."""
        claims = self.c.tokens.decode_mfa_pending(mfa_token)
        now_ms = self._now_ms()
        failure: XorError | None = None
        pair: TokenPair | None = None
        with self.c.database.session() as session:
            row = self._active_user(session, claims.user_id)
            if not row.mfa_enabled or claims.issued_at_s < int(row.password_changed_at.timestamp()):
                raise AuthenticationError(
                    "this login attempt is no longer valid", "log in again with your password"
                )
            failure = self._check_second_factor(session, row, code)
            if failure is None:
                row.last_login_at = utc_of_ms(now_ms)
                _audit(
                    session,
                    self.c,
                    actor_id=row.id,
                    action="auth.login",
                    target_id=row.id,
                    details={"mfa": True},
                )
                pair = self._issue_pair(session, row, mfa_at_ms=now_ms)
        if failure is not None:
            if isinstance(failure, InvalidMfaCodeError):
                # The login step answers 401 like any failed login.
                raise AuthenticationError(failure.message, failure.hint)
            raise failure
        assert pair is not None
        invalidate_auth_state(self.c, claims.user_id)  # /auth/me shows the new last login
        return pair

    # -- refresh and logout ----------------------------------------------------------------

    def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate ``refresh_token`` into a new pair; reuse revokes the family (401)."""
        now_ms = self._now_ms()
        now = utc_of_ms(now_ms)
        failed = False
        pair: TokenPair | None = None
        with self.c.database.session() as session:
            token = tokens_repo.find_refresh_token(session, hash_opaque_token(refresh_token))
            if token is None or token.revoked_at is not None or ms_of(token.expires_at) <= now_ms:
                failed = True
            elif token.used_at is not None or not tokens_repo.mark_refresh_token_used(
                session, token.id, now
            ):
                revoked = tokens_repo.revoke_family(session, token.family_id, now, "reuse")
                _audit(
                    session,
                    self.c,
                    actor_id=token.user_id,
                    action="auth.refresh_reuse",
                    target_id=token.user_id,
                    details={"family_id": token.family_id, "revoked": revoked},
                )
                failed = True
            else:
                row = users_repo.get_user(session, token.user_id)
                if row is None or not row.is_active:
                    tokens_repo.revoke_family(session, token.family_id, now, "user_inactive")
                    failed = True
                else:
                    pair = self._issue_pair(
                        session, row, mfa_at_ms=token.mfa_at_ms, family_id=token.family_id
                    )
        if failed:
            raise AuthenticationError(REFRESH_FAILED_MESSAGE, REFRESH_FAILED_HINT)
        assert pair is not None
        return pair

    def logout(self, principal: Principal, refresh_token: str) -> None:
        """Revoke the family of ``refresh_token`` if it is the caller's (silently nothing
        otherwise: logging out is idempotent and says nothing about other tokens)."""
        now = utc_of_ms(self._now_ms())
        with self.c.database.session() as session:
            token = tokens_repo.find_refresh_token(session, hash_opaque_token(refresh_token))
            if token is None or token.user_id != principal.user_id:
                return
            revoked = tokens_repo.revoke_family(session, token.family_id, now, "logout")
            _audit(
                session,
                self.c,
                actor_id=principal.user_id,
                action="auth.logout",
                target_id=principal.user_id,
                details={"family_id": token.family_id, "revoked": revoked},
            )

    # -- the current user --------------------------------------------------------------------

    def cached_me(self, principal: Principal) -> UserView | None:
        """The caller's account from the authentication cache (no I/O), or ``None`` when
        it is not cached: then call :meth:`me` (off the event loop)."""
        profile = cached_profile(self.c, principal.user_id)
        return profile if isinstance(profile, UserView) else None

    def me(self, principal: Principal) -> UserView:
        """The caller's account: cached, else read (blocking) and cached with the state
        read from the same row, so the next requests of this process need no database
        until the entry expires or a change invalidates it (ADR 0012)."""
        cached = self.cached_me(principal)
        if cached is not None:
            return cached
        cache = auth_state_cache(self.c)
        generation = cache.generation  # before the read: a change meanwhile wins
        with self.c.database.read_session() as session:
            row = users_repo.get_user(session, principal.user_id)
            if row is None:
                cache.put(principal.user_id, None, generation)
                raise AuthenticationError(
                    "this account no longer exists", "log in with another account"
                )
            view = UserView.of(row)
            state = UserAuthState(
                is_active=row.is_active,
                role=row.role,
                password_changed_at=row.password_changed_at,
                mfa_enabled=row.mfa_enabled,
            )
        cache.put(principal.user_id, state, generation, profile=view)
        return view

    def change_password(
        self, principal: Principal, current_password: str, new_password: str
    ) -> TokenPair:
        """Replace the password; revoke every refresh family; return a fresh pair.

        Access tokens issued before this second stop working. With MFA on, a recent
        step-up is needed too.
        """
        with self.c.database.read_session() as session:
            found = users_repo.get_user(session, principal.user_id)
            mfa_on = bool(found is not None and found.mfa_enabled)
            stored_hash = found.password_hash if found is not None else ""
            email = found.email if found is not None else ""
        if mfa_on:
            require_recent_mfa(principal, self.c)
        # The slow argon2 work happens outside the write transaction.
        correct = self.c.passwords.verify(stored_hash, current_password)
        if correct:
            check_password_policy(new_password, email)
            if new_password == current_password:
                raise InputError(
                    "the new password is the current one", "choose a different password"
                )
        new_hash = self.c.passwords.hash(new_password) if correct else ""
        now = utc_of_ms(self._now_ms())
        pair: TokenPair | None = None
        with self.c.database.session() as session:
            row = self._active_user(session, principal.user_id)
            if not correct or row.password_hash != stored_hash:
                _audit(
                    session,
                    self.c,
                    actor_id=row.id,
                    action="auth.password_change_failed",
                    target_id=row.id,
                )
            else:
                row.password_hash = new_hash
                row.password_changed_at = now
                row.updated_at = now
                revoked = tokens_repo.revoke_user_tokens(session, row.id, now, "password_change")
                _audit(
                    session,
                    self.c,
                    actor_id=row.id,
                    action="auth.password_change",
                    target_id=row.id,
                    details={"revoked": revoked},
                )
                pair = self._issue_pair(session, row, mfa_at_ms=principal.mfa_verified_at_ms)
        if pair is not None:
            invalidate_auth_state(self.c, principal.user_id)  # older tokens: 401 at once
        if pair is None:
            raise AuthenticationError(
                "the current password is wrong", "enter your current password"
            )
        return pair

    # -- MFA ---------------------------------------------------------------------------------

    def enrol_mfa(self, principal: Principal) -> MfaEnrolment:
        """Generate a TOTP seed (pending until :meth:`verify_mfa`); shown only here.

        Enrolling again before verifying replaces the pending seed. With MFA already
        active this is refused (disable it first, which needs a step-up)."""
        secret = totp.new_totp_secret()
        with self.c.database.session() as session:
            row = self._active_user(session, principal.user_id)
            if row.mfa_enabled:
                raise ConflictError(
                    "MFA is already enabled for this account",
                    "to change the authenticator, disable MFA first "
                    "(POST /api/v1/auth/mfa/disable)",
                )
            install_totp_seed(self.c, session, row, secret, active=False)
            _audit(session, self.c, actor_id=row.id, action="auth.mfa_enrol", target_id=row.id)
            uri = totp.provisioning_uri(secret, row.email)
        return MfaEnrolment(secret=secret, otpauth_uri=uri)

    def verify_mfa(self, principal: Principal, code: str) -> MfaActivation:
        """Activate a pending enrolment with a first TOTP code; return recovery codes."""
        now_ms = self._now_ms()
        failure: XorError | None = None
        activation: MfaActivation | None = None
        with self.c.database.session() as session:
            row = self._active_user(session, principal.user_id)
            if row.mfa_enabled:
                raise ConflictError("MFA is already enabled for this account", "nothing to do")
            if row.totp_ciphertext is None:
                raise ConflictError(
                    "there is no pending MFA enrolment", "start with POST /api/v1/auth/mfa/enrol"
                )
            if recovery_codes.is_recovery_code_shaped(code.strip()):
                failure = InvalidMfaCodeError(
                    "enrolment needs a code from the authenticator app",
                    "enter the 6-digit code your app shows",
                )
            else:
                failure = self._check_second_factor(session, row, code)
            if failure is None:
                codes = recovery_codes.generate_recovery_codes()
                tokens_repo.replace_recovery_codes(
                    session,
                    row.id,
                    [recovery_codes.hash_recovery_code(c) for c in codes],
                    utc_of_ms(now_ms),
                )
                row.mfa_enabled = True
                row.mfa_enabled_at = utc_of_ms(now_ms)
                row.updated_at = utc_of_ms(now_ms)
                _audit(
                    session,
                    self.c,
                    actor_id=row.id,
                    action="auth.mfa_enable",
                    target_id=row.id,
                    details={"recovery_count": len(codes)},
                )
                access = self.c.tokens.issue_access(row.id, row.role, mfa_at_ms=now_ms)
                activation = MfaActivation(codes, access.token, access.expires_at_ms)
        if activation is not None:
            invalidate_auth_state(self.c, principal.user_id)  # mfa_at now counts
        if failure is not None:
            raise failure
        assert activation is not None
        return activation

    def step_up(self, principal: Principal, code: str) -> AccessToken:
        """A new access token with ``mfa_at`` = now, for a correct TOTP or recovery code."""
        now_ms = self._now_ms()
        failure: XorError | None = None
        access: AccessToken | None = None
        with self.c.database.session() as session:
            row = self._active_user(session, principal.user_id)
            if not row.mfa_enabled:
                raise ConflictError(
                    "MFA is not enabled for this account",
                    "enrol MFA first: POST /api/v1/auth/mfa/enrol, then /api/v1/auth/mfa/verify",
                )
            failure = self._check_second_factor(session, row, code)
            if failure is None:
                _audit(
                    session, self.c, actor_id=row.id, action="auth.mfa_step_up", target_id=row.id
                )
                issued = self.c.tokens.issue_access(row.id, row.role, mfa_at_ms=now_ms)
                access = AccessToken(issued.token, issued.expires_at_ms)
        if failure is not None:
            raise failure
        assert access is not None
        return access

    def disable_mfa(self, principal: Principal) -> None:
        """Turn MFA off (needs a recent step-up); removes the seed and the recovery codes
        and revokes every refresh family (an MFA reset ends all sessions, S3)."""
        require_recent_mfa(principal, self.c)
        now = utc_of_ms(self._now_ms())
        with self.c.database.session() as session:
            row = self._active_user(session, principal.user_id)
            _clear_totp(row)
            row.updated_at = now
            tokens_repo.delete_recovery_codes(session, row.id)
            revoked = tokens_repo.revoke_user_tokens(session, row.id, now, "mfa_disable")
            _audit(
                session,
                self.c,
                actor_id=row.id,
                action="auth.mfa_disable",
                target_id=row.id,
                details={"revoked": revoked},
            )
        invalidate_auth_state(self.c, principal.user_id)  # mfa_at no longer counts
