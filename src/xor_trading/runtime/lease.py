"""Leases: one worker process owns a bot at a time, proven by a fencing token.

A worker acquires a bot's lease for ``ttl_ms`` and renews it every ``renew_every_ms``
(well inside the TTL, so one slow renewal does not lose it). Another worker may take the
bot once the lease has expired; every acquisition raises the bot's fencing token by one.
The token is checked, in the database, with every order intent
(``persistence/intent_journal.py``), so a worker that lost its lease cannot send an order
even if it has not noticed yet. It also prefixes the run's order ids
(:attr:`Lease.order_id_prefix`), so a bot's order ids never repeat across runs.

Times are UTC epoch milliseconds of the injected clock. Workers' clocks may differ a
little: that shortens or lengthens a takeover, never makes two owners, because the token
check does not read any clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

DEFAULT_TTL_MS = 15_000
DEFAULT_RENEW_EVERY_MS = 5_000


@dataclass(frozen=True, slots=True)
class Lease:
    """``worker_id`` owns ``bot_id`` until ``expires_ms`` under ``fencing_token``."""

    bot_id: str
    worker_id: str
    fencing_token: int
    expires_ms: int

    @property
    def order_id_prefix(self) -> str:
        """Prefix of every order id of this run (``"7."``): unique per acquisition."""
        return f"{self.fencing_token}."


@dataclass(frozen=True, slots=True)
class LeaseTiming:
    """How long a lease lasts and how often it is renewed (milliseconds)."""

    ttl_ms: int = DEFAULT_TTL_MS
    renew_every_ms: int = DEFAULT_RENEW_EVERY_MS

    def __post_init__(self) -> None:
        if not 0 < self.renew_every_ms * 2 <= self.ttl_ms:
            raise ValueError(
                f"renew every {self.renew_every_ms} ms is not at most half the lease "
                f"TTL of {self.ttl_ms} ms: one late renewal would lose the lease"
            )


class LeaseStore(Protocol):
    """Where leases live (the database, shared by every worker)."""

    def acquire(self, bot_id: str, worker_id: str, now_ms: int, ttl_ms: int) -> Lease | None:
        """The lease with the next fencing token, or ``None`` while another worker's lease
        has not expired."""
        ...

    def renew(self, lease: Lease, now_ms: int, ttl_ms: int) -> Lease | None:
        """The renewed lease, or ``None`` when it no longer carries this worker's token."""
        ...

    def release(self, lease: Lease, now_ms: int) -> None:
        """End the lease now if it is still this worker's (a takeover may follow at once)."""
        ...
