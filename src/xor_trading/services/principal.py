"""Who is calling: the authenticated user a use case acts for."""

from __future__ import annotations

from dataclasses import dataclass

from xor_trading.domain.users import Role


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller, decoded from a verified access token.

    ``mfa_verified_at_ms`` is when the caller last proved a second factor in this session
    (``None`` if never): sensitive actions demand it to be recent (step-up, S9).
    """

    user_id: str
    role: Role
    mfa_verified_at_ms: int | None = None

    def allows(self, required: Role) -> bool:
        return self.role.allows(required)
