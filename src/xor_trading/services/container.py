"""The service container: the process-wide collaborators every use case receives.

Built once by :func:`build_container` from :class:`~xor_trading.runtime.settings.Settings`
(the API app factory and the CLI both call it); tests build one over a temporary
database. Use cases are plain classes constructed per call from these parts.
"""

from __future__ import annotations

from dataclasses import dataclass

from xor_trading.core.clock import Clock, LiveClock
from xor_trading.persistence.database import Database
from xor_trading.runtime.settings import Settings


@dataclass
class Container:
    """What a request or a command needs besides its input."""

    settings: Settings
    database: Database
    clock: Clock

    def close(self) -> None:
        """Release connections (end of process or of a test)."""
        self.database.dispose()


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Wire the container for ``settings`` (database from XOR_DATABASE_URL or SQLite)."""
    database = Database(settings.effective_database_url)
    return Container(settings=settings, database=database, clock=clock or LiveClock())
