"""Bots' sealed webhook secrets (tables/bot_webhook_secrets.py). Reads take the owner,
except :func:`get_for_bot`, which serves the signature check of an inbound signal: there
the caller is not known yet, only the bot id in the URL."""

from __future__ import annotations

from sqlalchemy import select

from xor_trading.persistence.database import DbSession
from xor_trading.persistence.tables.bot_webhook_secrets import BotWebhookSecretRow
from xor_trading.persistence.tables.bots import BotRow


def get_owned(
    session: DbSession, owner_id: str, bot_id: str, *, for_update: bool = False
) -> BotWebhookSecretRow | None:
    query = select(BotWebhookSecretRow).where(
        BotWebhookSecretRow.bot_id == bot_id, BotWebhookSecretRow.owner_id == owner_id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def get_for_bot(session: DbSession, bot_id: str) -> tuple[BotWebhookSecretRow, BotRow] | None:
    """The secret of ``bot_id`` and its bot, when the bot exists, is not deleted and has
    a secret (owned by the bot's owner); None otherwise."""
    row = session.execute(
        select(BotWebhookSecretRow, BotRow)
        .join(BotRow, BotRow.id == BotWebhookSecretRow.bot_id)
        .where(
            BotWebhookSecretRow.bot_id == bot_id,
            BotRow.owner_id == BotWebhookSecretRow.owner_id,
            BotRow.deleted_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return None
    return row[0], row[1]


def save(session: DbSession, row: BotWebhookSecretRow) -> BotWebhookSecretRow:
    """Insert or replace (``merge``) the bot's secret."""
    merged = session.merge(row)
    session.flush()
    return merged


def delete(session: DbSession, row: BotWebhookSecretRow) -> None:
    """Delete the bot's secret (its signals are refused from then on)."""
    session.delete(row)
    session.flush()


def all_for_update(session: DbSession) -> list[BotWebhookSecretRow]:
    """Every bot webhook secret, locked (KEK rotation only)."""
    return list(
        session.scalars(
            select(BotWebhookSecretRow).order_by(BotWebhookSecretRow.bot_id).with_for_update()
        )
    )
