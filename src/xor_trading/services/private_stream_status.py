"""A bot's private stream as the API shows it (``BotPublic.private_stream``, ADR 0023).

* A paper bot: ``not_applicable`` (it has no exchange connection).
* A live bot whose run holds its lease (in this process or another): what that run
  recorded last (``persistence/tables/bot_stream_status.py``): ``connected``,
  ``reconnecting`` or ``stalled``, whether new orders are held, the run's drop and stall
  counts and when the state last changed.
* A live bot that no worker runs now (idle, stopped, or its worker has gone and its
  lease expired), or whose run has not reported yet: ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import bot_stream_status as status_repo
from xor_trading.persistence.tables.bots import BotRow
from xor_trading.services.bot_config import BotMode

__all__ = ["NOT_APPLICABLE", "BotStreamState", "PrivateStreamView", "private_stream_views"]


class BotStreamState(StrEnum):
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STALLED = "stalled"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class PrivateStreamView:
    """``changed_at_ms``: epoch ms of the last change, ``None`` for a paper bot."""

    state: BotStreamState
    orders_held: bool
    drops: int
    stalls: int
    changed_at_ms: int | None


NOT_APPLICABLE = PrivateStreamView(BotStreamState.NOT_APPLICABLE, False, 0, 0, None)


def private_stream_views(
    session: DbSession, bots: Sequence[BotRow], now: datetime
) -> dict[str, PrivateStreamView | None]:
    """The view of each of ``bots`` by id (see the module); one query for all of them."""
    live = [b.id for b in bots if b.mode == BotMode.LIVE.value]
    records = status_repo.current_stream_statuses(session, live, now)
    views: dict[str, PrivateStreamView | None] = {}
    for bot in bots:
        record = records.get(bot.id)
        if bot.mode != BotMode.LIVE.value:
            views[bot.id] = NOT_APPLICABLE
        elif record is None:
            views[bot.id] = None
        else:
            views[bot.id] = PrivateStreamView(
                BotStreamState(record.state),
                record.orders_held,
                record.drops,
                record.stalls,
                record.changed_at_ms,
            )
    return views
