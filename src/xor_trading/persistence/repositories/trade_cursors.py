"""A live bot's reconciliation marks: trade cursors and holding baselines (see
``tables/trade_cursors.py``). Every function runs in the caller's transaction.

Cursors are UTC epoch milliseconds of the venue, baselines exact ``Decimal`` in the
asset's units.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.trade_cursors import BotHoldingBaselineRow, BotTradeCursorRow


def trade_cursors(session: DbSession, bot_id: str) -> dict[str, int]:
    """``{symbol: cursor_ms}`` of the bot (empty before its first reconciliation)."""
    rows = session.scalars(select(BotTradeCursorRow).where(BotTradeCursorRow.bot_id == bot_id))
    return {r.symbol: r.cursor_ms for r in rows}


def save_trade_cursors(
    session: DbSession, bot_id: str, cursors_ms: Mapping[str, int], at: datetime
) -> None:
    """Store ``cursors_ms``; a cursor is never moved back (an older value is ignored)."""
    stored = {
        r.symbol: r
        for r in session.scalars(
            select(BotTradeCursorRow).where(BotTradeCursorRow.bot_id == bot_id).with_for_update()
        )
    }
    for symbol, cursor_ms in cursors_ms.items():
        row = stored.get(symbol)
        if row is None:
            session.add(
                BotTradeCursorRow(bot_id=bot_id, symbol=symbol, cursor_ms=cursor_ms, updated_at=at)
            )
        elif cursor_ms > row.cursor_ms:
            row.cursor_ms = cursor_ms
            row.updated_at = at


def holding_baseline(session: DbSession, bot_id: str) -> dict[str, Decimal] | None:
    """``{asset: quantity}`` not the bot's at the venue, or ``None`` if never taken."""
    rows = list(
        session.scalars(select(BotHoldingBaselineRow).where(BotHoldingBaselineRow.bot_id == bot_id))
    )
    return {r.asset: r.quantity for r in rows} if rows else None


def save_holding_baseline(
    session: DbSession, bot_id: str, baseline: Mapping[str, Decimal], at: datetime
) -> None:
    """Store the baseline taken at the bot's first reconciliation (once: later calls for
    an asset already on record change nothing)."""
    known = holding_baseline(session, bot_id) or {}
    for asset, quantity in baseline.items():
        if asset not in known:
            session.add(
                BotHoldingBaselineRow(bot_id=bot_id, asset=asset, quantity=quantity, taken_at=at)
            )


def shift_holding_baseline(
    session: DbSession, bot_id: str, shift: Mapping[str, Decimal], at: datetime
) -> None:
    """Add ``shift`` to the stored baseline, per asset (what other bots sharing the venue
    account bought or sold: their coins are not this bot's). An asset without a baseline
    yet gets none here: its first reconciliation takes it from the venue's balance."""
    rows = {
        r.asset: r
        for r in session.scalars(
            select(BotHoldingBaselineRow)
            .where(BotHoldingBaselineRow.bot_id == bot_id)
            .with_for_update()
        )
    }
    for asset, delta in shift.items():
        row = rows.get(asset)
        if row is not None and delta != 0:
            row.quantity = row.quantity + delta
            row.taken_at = at
