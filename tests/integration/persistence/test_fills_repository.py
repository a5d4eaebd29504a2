"""The fills list (repositories/fills.py) on SQLite and PostgreSQL: owner scoping whatever
the filters, the bounded total past the cap, and query plans that walk
``ix_fills_owner_at`` / ``ix_fills_owner_bot_at`` in order and count from the index alone.
(Filters, sorting and paging of a small list: tests/integration/api/test_fills_list.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories.fills import FillFilters, list_fills
from xor_trading.persistence.repositories.orders import COUNT_CAP, Sort
from xor_trading.testing.seed_records import seed_bot, seed_records, seed_user

NOW = datetime(2025, 6, 1, tzinfo=UTC)
# seed_records gives one fill per filled or partially filled order: 4 of every 8 orders.
ORDERS_PER_BOT = 3_000
FILLS_PER_BOT = ORDERS_PER_BOT // 2
# B's fills make A's a small part of the table, as on a shared instance; with A owning
# most rows PostgreSQL rightly counts by scanning the table, which says nothing here.
B_ORDERS = 12_000


@pytest.fixture
def owners(database: Database) -> dict[str, str]:
    """A with bots alpha and beta (1,500 fills each), B with bot gamma (6,000 fills)."""
    a = seed_user(database, email="a@example.test", now=NOW)
    b = seed_user(database, email="b@example.test", now=NOW)
    ids = {"a": a, "b": b}
    for owner, name, orders in (("a", "alpha", ORDERS_PER_BOT), ("a", "beta", ORDERS_PER_BOT),
                                ("b", "gamma", B_ORDERS)):  # fmt: skip
        bot = seed_bot(database, owner_id=ids[owner], name=name, now=NOW)
        counts = seed_records(
            database, owner_id=ids[owner], bot_id=bot, orders=orders, start=NOW,
            step=timedelta(seconds=2 if name == "beta" else 1),
        )  # fmt: skip
        assert counts.fills == orders // 2
        ids[name] = bot
    # Fresh statistics and visibility map, as autovacuum keeps them after bulk inserts.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if database.is_sqlite else "VACUUM ANALYZE fills")
    return ids


def _page(
    database: Database, owner: str, filters: FillFilters, limit: int = 50, offset: int = 0
) -> tuple[list[Any], int, bool]:
    with database.read_session() as session:
        rows, total, exact = list_fills(session, owner, filters, Sort("at"), limit, offset)
        return [(row.owner_id, row.bot_id, row.at) for row in rows], total, exact


def test_totals_are_bounded_and_scoped_to_the_owner(
    database: Database, owners: dict[str, str]
) -> None:
    a, b = owners["a"], owners["b"]
    rows, total, exact = _page(database, a, FillFilters())
    assert (len(rows), total, exact) == (50, COUNT_CAP, False)
    assert {owner for owner, _, _ in rows} == {a}
    # Newest first: beta's fills run twice as long (2 s apart), so they come first.
    assert {bot for _, bot, _ in rows} == {owners["beta"]}
    times = [at for _, _, at in rows]
    assert times == sorted(times, reverse=True)
    # Deep enough that the rest is counted in full: exact.
    assert _page(database, a, FillFilters(bot_id=owners["alpha"]), offset=1_500)[1:] == (
        FILLS_PER_BOT,
        True,
    )
    # Another owner's bot matches nothing for A, and B's own list holds only B's fills.
    assert _page(database, a, FillFilters(bot_id=owners["gamma"])) == ([], 0, True)
    assert _page(database, b, FillFilters(bot_id=owners["alpha"])) == ([], 0, True)
    b_rows, b_total, b_exact = _page(database, b, FillFilters(), limit=500)
    assert (len(b_rows), b_total, b_exact) == (500, COUNT_CAP, False)
    assert {(owner, bot) for owner, bot, _ in b_rows} == {(b, owners["gamma"])}


@contextmanager
def _captured_sql(database: Database) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)


def _plan(database: Database, statement: str, params: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
    with database.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, params).all()
    return "\n".join(str(row[-1]) for row in rows)


PLAN_CASES = [("owner", "ix_fills_owner_at"), ("bot", "ix_fills_owner_bot_at")]


def test_the_list_walks_its_index_and_counts_from_it(
    database: Database, owners: dict[str, str]
) -> None:
    """One statement; the page in index order (no sort step), the total index-only.

    Without ``ix_fills_owner_bot_at`` (migration 0004) a bot's list walks the owner's
    index and reads every fill of the owner's other bots from the table on the way.
    """
    for name, index in PLAN_CASES:
        filters = FillFilters(bot_id=owners["alpha"]) if name == "bot" else FillFilters()
        with _captured_sql(database) as statements:
            rows, total, exact = _page(database, owners["a"], filters)
        assert (len(rows), total, exact) == (50, COUNT_CAP, False)
        ((sql, params),) = statements
        plan = _plan(database, sql, params)
        # The page's walk is the first index named (the count may pick the narrower one).
        assert plan.index(index) == plan.index("ix_fills_owner_"), plan
        assert "Sort" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        if database.is_sqlite:
            assert "COVERING INDEX" in plan, plan  # the count never reads the table
        else:
            assert "Index Only Scan" in plan, plan
