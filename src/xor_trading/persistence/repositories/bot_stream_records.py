"""The committed records a running bot's live events are built from
(read by ``services/bot_stream_publisher.py`` right after the recorder commits them).

No owner filter: the worker serves every user's bots and reads its own bot's rows only;
the stream's subscribers are authorised at subscribe time (``services/stream_events``).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.orders import FillRow
from xor_trading.persistence.tables.trades import TradeRow


def fill_by_venue_trade(session: DbSession, bot_id: str, venue_trade_id: str) -> FillRow | None:
    """The bot's fill of the venue trade ``venue_trade_id`` (unique per bot), or ``None``."""
    return session.scalar(
        select(FillRow).where(FillRow.bot_id == bot_id, FillRow.venue_trade_id == venue_trade_id)
    )


def net_pnl_of_closed_trades(session: DbSession, owner_id: str, bot_id: str) -> Decimal:
    """The sum of ``net_pnl`` over the bot's closed trades, exact (summed here: SQLite
    stores decimals as text, and its ``SUM`` would be a float); zero without trades."""
    values = session.scalars(
        select(TradeRow.net_pnl).where(TradeRow.owner_id == owner_id, TradeRow.bot_id == bot_id)
    )
    return sum(values, Decimal(0))
