"""TOTP (RFC 6238) with replay protection and an attempt throttle.

* 30-second steps, 6 digits, SHA-1 (what authenticator apps support), codes accepted
  from one step before to one step after the current one (clock drift, RFC 6238 5.2).
* :func:`matching_step` returns *which* step a code matched. The caller persists the last
  accepted step per user and accepts only a strictly later one, atomically
  (``persistence.repositories.users.claim_totp_step``): the same code, or an older one,
  is never accepted twice (RFC 6238 5.2).
* At most :data:`MAX_FAILURES` wrong codes per :data:`FAILURE_WINDOW_S` per user
  (:func:`throttle_retry_after_s`): a 6-digit code has 10**6 values, so unthrottled
  guessing would succeed.

Seeds are 160-bit random base32 strings; the service stores them sealed (envelope).
"""

from __future__ import annotations

import hmac

import pyotp

STEP_S = 30
DIGITS = 6
VALID_WINDOW = 1  # steps accepted either side of the current one
MAX_FAILURES = 5
FAILURE_WINDOW_S = 300
ISSUER = "XOR"


def new_totp_secret() -> str:
    """A fresh random seed: 32 base32 characters (160 bits, RFC 4226's recommendation)."""
    return pyotp.random_base32(length=32)


def totp_for(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app scans (as a QR code)."""
    return totp_for(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def step_at(now_ms: int) -> int:
    """The RFC 6238 time step of an epoch-ms instant."""
    return (now_ms // 1000) // STEP_S


def code_at_step(secret: str, step: int) -> str:
    """The code of ``step`` (tests and clients; the server only compares)."""
    return totp_for(secret).at(step * STEP_S)


def is_code_shaped(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, now_ms: int) -> int | None:
    """The latest step within +-:data:`VALID_WINDOW` of ``now_ms`` whose code is ``code``,
    or ``None``. Compares in constant time; replay checking is the caller's part."""
    if not is_code_shaped(code):
        return None
    current = step_at(now_ms)
    totp = totp_for(secret)
    matched: int | None = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Every candidate is compared (no early exit), so timing says nothing.
        if hmac.compare_digest(totp.at(step * STEP_S), code):
            matched = step
    return matched


def throttle_retry_after_s(
    failed_count: int, window_started_ms: int | None, now_ms: int
) -> float | None:
    """Seconds until another code may be tried, or ``None`` when one may be tried now.

    ``failed_count`` wrong codes since ``window_started_ms``; once the window
    (:data:`FAILURE_WINDOW_S`) is over the count no longer applies.
    """
    if window_started_ms is None or failed_count < MAX_FAILURES:
        return None
    window_end_ms = window_started_ms + FAILURE_WINDOW_S * 1000
    if now_ms >= window_end_ms:
        return None
    return (window_end_ms - now_ms) / 1000
