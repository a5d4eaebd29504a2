"""The tamper-evident audit log (hash chain, security/audit_chain.py) and its checkpoints.

``audit_log`` is append-only: database triggers abort UPDATE and DELETE
(persistence/append_only.py) and on PostgreSQL the application role may only INSERT and
SELECT. ``seq`` is assigned by the appender (head + 1, under a lock), never by an
autoincrement, so that the chain has no gaps and a missing entry is visible.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn

HASH_LENGTH = 64  # hex SHA-256


class AuditEntryRow(Base):
    """One audited action. ``details`` is canonical JSON; ``hash`` chains to ``prev_hash``.

    ``actor_id`` has no foreign key: the log must outlive anything it mentions.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(IdColumn, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))  # an IPv6 address at most
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditCheckpointRow(Base):
    """A head of the log (seq, hash) written by ``xor audit checkpoint``.

    The copy that counts is the one the operator keeps outside the database; these rows
    let ``xor audit verify`` detect a truncated tail without one.
    """

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    at: Mapped[datetime]
