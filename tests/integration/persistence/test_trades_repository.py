"""Trades and signals on SQLite and PostgreSQL: numeric sorting of exact decimals (text
on SQLite), filters, owner scoping, and the service's validation sentences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from xor_trading.core.errors import InputError, NotFoundError
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import signals as signals_repo
from xor_trading.persistence.repositories import trades as repo
from xor_trading.persistence.repositories.orders import Sort
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.persistence.types import new_id
from xor_trading.services.principal import Principal
from xor_trading.services.trading_records import TradingRecordsService
from xor_trading.testing.seed_records import seed_bot, seed_records, seed_user

NOW = datetime(2025, 6, 1, tzinfo=UTC)
# Net PnL chosen so that text order ("-10" < "-2.5" < "10" < "9.75") differs from numeric.
NETS = [D("9.75"), D("-2.5"), D("10"), D("-10"), D("0.000000000000000001")]


class _Services:
    """The service needs only ``container.database``."""

    def __init__(self, database: Database) -> None:
        self.database = database


@pytest.fixture
def setup(database: Database) -> tuple[str, str, str, list[str]]:
    a = seed_user(database, email="a@example.test", now=NOW)
    b = seed_user(database, email="b@example.test", now=NOW)
    bot = seed_bot(database, owner_id=a, name="alpha", now=NOW)
    ids = []
    with database.session() as session:
        for n, net in enumerate(NETS):
            row = TradeRow(
                id=new_id(), owner_id=a, bot_id=bot, strategy="sma_cross" if n % 2 else "dca",
                symbol="BTC/USDT", side="long" if n < 3 else "short", quantity=D(1),
                entry_price=D(100), exit_price=D(100) + net, entry_at=NOW,
                exit_at=NOW + timedelta(hours=n), gross_pnl=net, fees=D(0), net_pnl=net,
                exit_reason="signal",
            )  # fmt: skip
            session.add(row)
            ids.append(row.id)
    return a, b, bot, ids


def _list(database: Database, owner: str, sort: Sort, **filters: object) -> list[str]:
    with database.read_session() as session:
        rows, total, exact = repo.list_trades(
            session,
            owner,
            repo.TradeFilters(**filters),
            sort,
            50,
            0,  # type: ignore[arg-type]
        )
        assert (total, exact) == (len(rows), True)
        return [r.id for r in rows]


def test_decimal_sort_is_numeric_on_both_back_ends(
    database: Database, setup: tuple[str, str, str, list[str]]
) -> None:
    a, _, _, ids = setup
    ascending = [ids[3], ids[1], ids[4], ids[0], ids[2]]  # -10, -2.5, 1e-18, 9.75, 10
    assert _list(database, a, Sort("net_pnl", False)) == ascending
    assert _list(database, a, Sort("net_pnl", True)) == ascending[::-1]


def test_trade_filters_and_owner_scope(
    database: Database, setup: tuple[str, str, str, list[str]]
) -> None:
    a, b, bot, ids = setup
    newest = Sort("exit_at", True)
    assert _list(database, a, newest, strategy="dca") == [ids[4], ids[2], ids[0]]
    assert _list(database, a, newest, side="short") == [ids[4], ids[3]]
    assert _list(
        database, a, newest, since=NOW + timedelta(hours=1), until=NOW + timedelta(hours=3)
    ) == [
        ids[2],
        ids[1],
    ]
    assert _list(database, b, newest) == []
    assert _list(database, b, newest, bot_id=bot) == []
    with database.read_session() as session:
        assert repo.get_trade(session, b, ids[0]) is None
        found = repo.get_trade(session, a, ids[4])
        assert found is not None
        assert found.net_pnl == D("1E-18")


def test_service_validates_and_scopes(
    database: Database, setup: tuple[str, str, str, list[str]]
) -> None:
    a, b, bot, ids = setup
    service = TradingRecordsService(_Services(database))  # type: ignore[arg-type]
    alice, bob = Principal(a, Role.VIEWER), Principal(b, Role.VIEWER)
    with pytest.raises(NotFoundError, match="no trade with id"):
        service.get_trade(bob, ids[0])
    assert service.get_trade(alice, ids[0]).net_pnl == D("9.75")
    with pytest.raises(InputError, match="cannot sort by 'fees'; sort by one of: exit_at"):
        service.list_trades(alice, sort="-fees")
    with pytest.raises(InputError, match="side 'up' is not one of: long, short"):
        service.list_trades(alice, side="up")
    with pytest.raises(InputError, match="status 'done' is not one of: pending_submit"):
        service.list_orders(alice, status="done")
    with pytest.raises(InputError, match="limit 0 is out of range"):
        service.list_orders(alice, limit=0)
    with pytest.raises(InputError, match=r"since \(2025-06-02.*\) is after until"):
        service.list_trades(alice, since=NOW + timedelta(days=1), until=NOW)
    with pytest.raises(InputError, match="until has no time zone"):
        service.list_orders(alice, until=datetime(2025, 6, 1))  # naive on purpose
    # Equal ends are an empty range, not an error.
    assert service.list_trades(alice, since=NOW, until=NOW) == ([], 0, True)

    # Fills of an order another user owns: not found, like an order that does not exist.
    seed_records(database, owner_id=a, bot_id=bot, orders=1, start=NOW)
    (order,), _, _ = service.list_orders(alice)
    assert [f.quantity for f in service.list_fills(alice, order.id)] == [D("0.001")]
    with pytest.raises(NotFoundError, match="no order with id"):
        service.list_fills(bob, order.id)


def test_signals_round_trip(database: Database, setup: tuple[str, str, str, list[str]]) -> None:
    a, b, bot, _ = setup
    with database.session() as session:
        signals_repo.add_signal(
            session, owner_id=a, bot_id=bot, at=NOW, symbol="BTC/USDT", kind="entry",
            strength=D("0.875"), details={"rsi": "28.5", "reason": "oversold"},
        )  # fmt: skip
        signals_repo.add_signal(
            session, owner_id=a, bot_id=bot, at=NOW + timedelta(minutes=1),
            symbol="ETH/USDT", kind="exit",
        )  # fmt: skip
    service = TradingRecordsService(_Services(database))  # type: ignore[arg-type]
    signals, total, exact = service.list_signals(Principal(a, Role.VIEWER))
    assert (total, exact) == (2, True)
    assert [(s.kind, s.strength, s.details) for s in signals] == [
        ("exit", None, {}),
        ("entry", D("0.875"), {"reason": "oversold", "rsi": "28.5"}),
    ]
    assert service.list_signals(Principal(b, Role.VIEWER), bot_id=bot) == ([], 0, True)
    only_entries, _, _ = service.list_signals(Principal(a, Role.VIEWER), kind="entry")
    assert [s.symbol for s in only_entries] == ["BTC/USDT"]
