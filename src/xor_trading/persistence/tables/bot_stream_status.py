"""What a running live bot's private stream looks like, for the API (ADR 0023).

One row per live bot that ran, written by the worker that runs it at each change
(``services/private_stream_reporter.py``) and deleted when that run ends. ``fencing_token``
is the lease token of the run that wrote it: a row is current only while the bot's lease
still carries that token and has not expired (``repositories/bot_stream_status.py``), so a
worker that died leaves nothing that looks live once its lease expires.

``state``: ``connected``, ``reconnecting`` or ``stalled`` (runtime/stream_health.py);
``orders_held``: new orders wait for a resync; ``drops``, ``stalls``: outages in this run;
``changed_at_ms``: when the state last changed (epoch ms, the bot's clock).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn


class BotStreamStatusRow(Base):
    """The private stream of one live bot's current run (see the module)."""

    __tablename__ = "bot_stream_status"

    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"), primary_key=True)
    fencing_token: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    orders_held: Mapped[bool]
    drops: Mapped[int] = mapped_column(Integer)
    stalls: Mapped[int] = mapped_column(Integer)
    changed_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
