"""Users and roles: who may do what on a shared XOR instance."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role. Roles are ordered: each one may do what the roles below it may.

    * ``viewer`` reads their own bots, orders, results and market data;
    * ``trader`` also creates, changes, starts and stops their own bots and backtests;
    * ``admin`` also manages users, global risk settings and reads the audit log.
    """

    VIEWER = "viewer"
    TRADER = "trader"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, required: Role) -> bool:
        """True when this role may do what ``required`` may."""
        return self.rank >= required.rank


_RANKS = {Role.VIEWER: 0, Role.TRADER: 1, Role.ADMIN: 2}
