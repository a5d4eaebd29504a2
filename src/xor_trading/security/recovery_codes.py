"""MFA recovery codes: ten single-use codes, shown once, stored as SHA-256 digests.

Each code is 16 base32 characters (80 random bits) written ``xxxx-xxxx-xxxx-xxxx``;
80 bits make an offline search of a leaked digest infeasible, so a plain SHA-256 is
enough (no slow hash needed). Input is normalised (case, dashes and spaces ignored).
"""

from __future__ import annotations

import hashlib
import secrets

CODE_COUNT = 10
CODE_CHARS = 16
GROUP = 4
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lower case


def generate_recovery_codes(count: int = CODE_COUNT) -> list[str]:
    """``count`` fresh distinct codes like ``k3vq-7mzp-a2cd-x4ty``."""
    codes: set[str] = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
        codes.add("-".join(raw[i : i + GROUP] for i in range(0, CODE_CHARS, GROUP)))
    return sorted(codes)


def normalise_recovery_code(text: str) -> str:
    """Lower case without dashes and spaces."""
    return "".join(ch for ch in text.lower() if ch not in "- \t")


def is_recovery_code_shaped(text: str) -> bool:
    """True when ``text`` could be a recovery code (not a TOTP code)."""
    normal = normalise_recovery_code(text)
    return len(normal) == CODE_CHARS and all(ch in ALPHABET for ch in normal)


def hash_recovery_code(text: str) -> str:
    """The SHA-256 hex digest of the normalised code: what is stored and compared."""
    return hashlib.sha256(normalise_recovery_code(text).encode("ascii", "replace")).hexdigest()
