"""What a live bot's reconciliation resumes from: trade cursors and holding baselines.

* ``bot_trade_cursors``: per (bot, symbol), the venue time (UTC epoch ms) from which the
  next reconciliation reads the account's trades. Written after every successful
  reconciliation (``reconciled`` or ``aligned``); never moved back.
* ``bot_holding_baselines``: per (bot, base asset), what the venue account held that is
  not the bot's, taken at the bot's first reconciliation (before it ever traded). The
  holdings the bot expects at the venue are ``baseline + its position``: coins the user
  held before the bot started are not a mismatch; coins that appear later are.

Both only ever concern live bots; a paper bot has no rows here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xor_trading.persistence.base import Base, IdColumn


class BotTradeCursorRow(Base):
    """Read trades of ``symbol`` from ``cursor_ms`` (venue time) on, for ``bot_id``."""

    __tablename__ = "bot_trade_cursors"

    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class BotHoldingBaselineRow(Base):
    """The part of the venue's ``asset`` balance that is not ``bot_id``'s (exact)."""

    __tablename__ = "bot_holding_baselines"

    bot_id: Mapped[str] = mapped_column(IdColumn, ForeignKey("bots.id"), primary_key=True)
    asset: Mapped[str] = mapped_column(String(16), primary_key=True)
    quantity: Mapped[Decimal]
    taken_at: Mapped[datetime]
