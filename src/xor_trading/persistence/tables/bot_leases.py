"""Bot leases: which worker process runs a bot, until when, under which fencing token.

One row per bot that was ever run. A worker owns the bot while ``expires_at`` is in the
future and renews it well before then; another worker may take the bot over once it has
expired. ``fencing_token`` grows by one on every acquisition (never on a renewal), and
every order intent is written only if the row still carries the writer's token
(``persistence/intent_journal.py``): a former owner that lost the lease can record, and
so send, nothing more, whatever its own clock says.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn

WORKER_ID_LENGTH = 128


class BotLeaseRow(Base):
    """The lease of one bot (see the module). Times are aware UTC."""

    __tablename__ = "bot_leases"

    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(WORKER_ID_LENGTH))
    fencing_token: Mapped[int] = mapped_column(BigInteger)
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
