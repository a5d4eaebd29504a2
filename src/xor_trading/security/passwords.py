"""Password hashing with argon2id (argon2-cffi).

Two profiles:

* ``standard``: argon2-cffi's defaults (t=3, m=65536 KiB, p=4; the RFC 9106 low-memory
  profile), above the OWASP floor of m=19456 KiB, t=2 that S4 checks.
* ``test``: still argon2id, but t=1, m=1024 KiB, p=1 so that test suites hashing hundreds
  of passwords stay fast. Production mode refuses it (:meth:`Passwords.for_profile`).

Hashes are PHC strings (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) that carry their
own parameters, so a hash made under one profile still verifies under the other;
:meth:`Passwords.needs_rehash` says when a stored hash is weaker than the current profile
(rehash it on the next successful login).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from xor_trading.core.errors import ConfigError

PasswordProfile = Literal["standard", "test"]


@dataclass(frozen=True, slots=True)
class Argon2Profile:
    """argon2id cost parameters: passes, memory in KiB, lanes."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int


PROFILES: dict[str, Argon2Profile] = {
    "standard": Argon2Profile(time_cost=3, memory_cost_kib=65536, parallelism=4),
    "test": Argon2Profile(time_cost=1, memory_cost_kib=1024, parallelism=1),
}

# The OWASP Password Storage floor for argon2id (S4): m=19456 KiB, t=2.
MIN_MEMORY_KIB = 19456
MIN_TIME_COST = 2


class Passwords:
    """Hash and verify passwords with argon2id under one profile. Thread-safe."""

    def __init__(self, profile: PasswordProfile = "standard") -> None:
        params = PROFILES[profile]
        self.profile = profile
        self._hasher = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        # A hash of a random password nobody knows, with the same parameters as real
        # hashes: verifying against it costs what a real verification costs (S4 timing).
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(24))

    @classmethod
    def for_profile(cls, profile: PasswordProfile, *, production: bool) -> Passwords:
        """The hasher for ``profile``; production mode refuses the cheap ``test`` profile."""
        if production and profile != "standard":
            raise ConfigError(
                f"password hash profile {profile!r} is too cheap for production mode",
                "unset XOR_PASSWORD_HASH_PROFILE (the default is standard)",
            )
        return cls(profile)

    def hash(self, password: str) -> str:
        """The argon2id PHC string of ``password`` with a fresh random salt."""
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """True when ``password`` matches ``stored_hash``; False for a mismatch or a bad hash."""
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with other parameters than this profile's."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True

    def dummy_verify(self, password: str) -> None:
        """Spend the time of one verification and learn nothing (for unknown users, S4)."""
        self.verify(self._dummy_hash, password)


def hash_parameters(stored_hash: str) -> Argon2Profile:
    """The parameters a stored hash was made with; raises ``ValueError`` if not argon2id."""
    try:
        params = extract_parameters(stored_hash)
    except InvalidHashError:
        raise ValueError("not an argon2 hash") from None
    if params.type is not Type.ID:
        raise ValueError(f"not argon2id but {params.type.name}")
    return Argon2Profile(params.time_cost, params.memory_cost, params.parallelism)
