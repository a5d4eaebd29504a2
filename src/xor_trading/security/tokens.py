"""Access tokens (HS256 JWT), the short-lived MFA-pending token, and opaque refresh tokens.

JWT rules (S2, RFC 8725):

* the algorithm is pinned to HS256 on decode; ``alg: none`` and every other algorithm are
  refused, and so are tokens whose header names a key (``kid``, ``jwk``, ``jku``, ``x5u``,
  ``x5c``) or demands extensions (``crit``): we have exactly one key and never look one up;
* ``iss`` must be ``xor``, ``aud`` ``xor-api``; ``sub``, ``typ``, ``iat``, ``nbf``,
  ``exp`` and ``jti`` are required;
* ``typ`` separates uses: an ``mfa_pending`` token is not an access token and the other
  way round; refresh tokens are not JWTs at all;
* times are checked against the injected clock (seconds since the epoch, as JWT says),
  not the wall clock, and a token whose lifetime exceeds the maximum it could have been
  issued with is refused even if its signature is good.

Refresh tokens are 256-bit random strings (:func:`new_opaque_token`); only their SHA-256
(:func:`hash_opaque_token`) is ever stored.

Every rejection raises :class:`InvalidTokenError` with one uniform message; the precise
reason is in ``.reason`` for logs and tests, never in the response.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

from xor_trading.core.clock import Clock
from xor_trading.core.errors import AuthenticationError

ISSUER = "xor"
AUDIENCE = "xor-api"
ALGORITHM = "HS256"
ALGORITHMS = [ALGORITHM]  # the only algorithm decode accepts (pinned, S2)

MAX_ACCESS_TTL_S = 15 * 60
MFA_PENDING_TTL_S = 5 * 60
# Allowance for an ``iat`` slightly ahead of our clock (several API processes whose clocks
# differ a little); ``exp`` and ``nbf`` get none.
CLOCK_SKEW_S = 5

REQUIRED_CLAIMS = ["iss", "aud", "sub", "typ", "iat", "nbf", "exp", "jti"]
FORBIDDEN_HEADERS = frozenset({"kid", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit"})

INVALID_TOKEN_MESSAGE = "the token is invalid or has expired"
INVALID_TOKEN_HINT = "log in again (POST /api/v1/auth/login) or refresh the access token"


class TokenType(StrEnum):
    ACCESS = "access"
    MFA_PENDING = "mfa_pending"


class InvalidTokenError(AuthenticationError):
    """A token failed verification. ``reason`` says why (logs and tests only)."""

    def __init__(self, reason: str) -> None:
        super().__init__(INVALID_TOKEN_MESSAGE, INVALID_TOKEN_HINT)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A signed token and when it expires (epoch ms)."""

    token: str
    jti: str
    expires_at_ms: int


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified claims of an access token.

    ``mfa_at_ms`` is when the user last proved a second factor (epoch ms), ``None`` if the
    session never did; ``issued_at_s`` is JWT ``iat`` (epoch seconds).
    """

    user_id: str
    role: str
    jti: str
    issued_at_s: int
    expires_at_s: int
    mfa_at_ms: int | None


@dataclass(frozen=True, slots=True)
class MfaPendingClaims:
    """The verified claims of an ``mfa_pending`` token: who passed the password step."""

    user_id: str
    jti: str
    issued_at_s: int
    expires_at_s: int


class TokenCodec:
    """Issues and verifies JWTs with one HMAC key and the injected clock.

    ``access_ttl_s`` is capped at :data:`MAX_ACCESS_TTL_S` (15 minutes, S2).
    """

    def __init__(
        self,
        key: bytes,
        clock: Clock,
        *,
        access_ttl_s: int = MAX_ACCESS_TTL_S,
        mfa_pending_ttl_s: int = MFA_PENDING_TTL_S,
    ) -> None:
        if len(key) < 32:
            raise ValueError("the JWT key must be at least 32 bytes")
        if not 0 < access_ttl_s <= MAX_ACCESS_TTL_S:
            raise ValueError(f"access_ttl_s must be in 1..{MAX_ACCESS_TTL_S}, got {access_ttl_s}")
        if not 0 < mfa_pending_ttl_s <= MFA_PENDING_TTL_S:
            raise ValueError(f"mfa_pending_ttl_s must be in 1..{MFA_PENDING_TTL_S}")
        self._key = key
        self._clock = clock
        self.access_ttl_s = access_ttl_s
        self.mfa_pending_ttl_s = mfa_pending_ttl_s

    # -- issuing -------------------------------------------------------------------------

    def issue_access(self, user_id: str, role: str, *, mfa_at_ms: int | None = None) -> IssuedToken:
        """A signed access token for ``user_id`` valid for ``access_ttl_s`` from now."""
        extra: dict[str, Any] = {"role": role}
        if mfa_at_ms is not None:
            extra["mfa_at"] = int(mfa_at_ms)
        return self._issue(TokenType.ACCESS, user_id, self.access_ttl_s, extra)

    def issue_mfa_pending(self, user_id: str) -> IssuedToken:
        """A token proving the password step of a login, for the TOTP step only."""
        return self._issue(TokenType.MFA_PENDING, user_id, self.mfa_pending_ttl_s, {})

    def _issue(
        self, typ: TokenType, subject: str, ttl_s: int, extra: dict[str, Any]
    ) -> IssuedToken:
        now_s = self._clock.now_ms() // 1000
        jti = secrets.token_urlsafe(16)
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "typ": typ.value,
            "iat": now_s,
            "nbf": now_s,
            "exp": now_s + ttl_s,
            "jti": jti,
            **extra,
        }
        token = jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": "JWT"})
        return IssuedToken(token=token, jti=jti, expires_at_ms=(now_s + ttl_s) * 1000)

    # -- verifying -----------------------------------------------------------------------

    def decode_access(self, token: str) -> AccessClaims:
        """Verify an access token; raises :class:`InvalidTokenError` for anything amiss."""
        payload = self._decode(token, TokenType.ACCESS, self.access_ttl_s)
        role = payload.get("role")
        if not isinstance(role, str):
            raise InvalidTokenError("role claim missing")
        mfa_at = payload.get("mfa_at")
        if mfa_at is not None and (not isinstance(mfa_at, int) or isinstance(mfa_at, bool)):
            raise InvalidTokenError("mfa_at claim is not an integer")
        return AccessClaims(
            user_id=payload["sub"],
            role=role,
            jti=payload["jti"],
            issued_at_s=payload["iat"],
            expires_at_s=payload["exp"],
            mfa_at_ms=mfa_at,
        )

    def decode_mfa_pending(self, token: str) -> MfaPendingClaims:
        """Verify an ``mfa_pending`` token; raises :class:`InvalidTokenError`."""
        payload = self._decode(token, TokenType.MFA_PENDING, self.mfa_pending_ttl_s)
        return MfaPendingClaims(
            user_id=payload["sub"],
            jti=payload["jti"],
            issued_at_s=payload["iat"],
            expires_at_s=payload["exp"],
        )

    def _decode(self, token: str, typ: TokenType, max_ttl_s: int) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidTokenError("malformed token") from None
        if header.get("alg") != ALGORITHM:
            raise InvalidTokenError(f"algorithm {header.get('alg')!r} is not accepted")
        named_keys = FORBIDDEN_HEADERS.intersection(header)
        if named_keys:
            raise InvalidTokenError(f"header names a key or extension: {sorted(named_keys)}")
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=ISSUER,
                options={
                    "require": REQUIRED_CLAIMS,
                    # Times are checked below against the injected clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"{type(exc).__name__}: {exc}") from None
        if payload.get("typ") != typ.value:
            raise InvalidTokenError(f"token type {payload.get('typ')!r} is not {typ.value!r}")
        for claim in ("sub", "jti"):
            if not isinstance(payload.get(claim), str) or not payload[claim]:
                raise InvalidTokenError(f"{claim} claim is not a non-empty string")
        times = {name: payload.get(name) for name in ("iat", "nbf", "exp")}
        for name, value in times.items():
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidTokenError(f"{name} claim is not an integer")
        iat, nbf, exp = payload["iat"], payload["nbf"], payload["exp"]
        now_s = self._clock.now_ms() // 1000
        if exp <= now_s:
            raise InvalidTokenError("expired")
        if nbf > now_s:
            raise InvalidTokenError("not valid yet (nbf)")
        if iat > now_s + CLOCK_SKEW_S:
            raise InvalidTokenError("issued in the future (iat)")
        if exp - iat > max_ttl_s:
            raise InvalidTokenError("lifetime exceeds the maximum")
        return payload


def new_opaque_token() -> str:
    """A fresh 256-bit random token (URL-safe text): refresh tokens."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    """The SHA-256 hex digest of an opaque token: the only form that is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
