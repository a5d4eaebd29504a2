"""A live bot's reconciliation marks: cursors only move forward, the baseline of an asset
is taken once, and a bot without marks reads as none."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import trade_cursors as repo
from xor_trading.testing.seed_records import seed_bot, seed_user

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _bot(database: Database) -> str:
    owner = seed_user(database, email="marks@example.test", now=NOW)
    return seed_bot(database, owner_id=owner, name="marks", now=NOW)


def test_cursors_are_stored_and_never_moved_back(database: Database) -> None:
    bot_id = _bot(database)
    with database.session() as session:
        empty = repo.trade_cursors(session, bot_id)
        repo.save_trade_cursors(session, bot_id, {"BTC/USDT": 1_000, "ETH/USDT": 5}, NOW)
    with database.session() as session:
        repo.save_trade_cursors(session, bot_id, {"BTC/USDT": 900, "ETH/USDT": 6}, NOW)
    with database.read_session() as session:
        cursors = repo.trade_cursors(session, bot_id)

    assert empty == {}
    assert cursors == {"BTC/USDT": 1_000, "ETH/USDT": 6}


def test_baseline_of_an_asset_is_taken_once(database: Database) -> None:
    bot_id = _bot(database)
    with database.session() as session:
        before = repo.holding_baseline(session, bot_id)
        repo.save_holding_baseline(session, bot_id, {"BTC": Decimal("0.12345678")}, NOW)
    with database.session() as session:
        repo.save_holding_baseline(session, bot_id, {"BTC": Decimal(9), "ETH": Decimal("1.5")}, NOW)
    with database.read_session() as session:
        baseline = repo.holding_baseline(session, bot_id)

    assert before is None
    assert baseline == {"BTC": Decimal("0.12345678"), "ETH": Decimal("1.5")}
