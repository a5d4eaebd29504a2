"""Bulk test data for trading records: users, bots, and many orders, fills and trades fast.

For tests and the load benchmark (``bench/api_load.py`` puts 100,000 orders in the
database with :func:`seed_records`). Rows go in with multi-row ``INSERT``s in chunks, one
transaction per chunk: 100,000 orders take seconds, not minutes. Every value is
deterministic (derived from the row number), so two runs seed the same data apart from
the random ids.

Users created here have an unusable password hash (``!``): they cannot log in. For API
tests create users with the ``make_user`` fixture and pass their id as ``owner_id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert

from xor_trading.core.errors import InputError
from xor_trading.persistence.base import Base
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories.orders import client_order_id_for
from xor_trading.persistence.tables.bots import BotRow, BotVersionRow
from xor_trading.persistence.tables.orders import FillRow, OrderRow, RecordedOrderStatus
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.persistence.tables.users import UserRow
from xor_trading.persistence.types import new_id
from xor_trading.services.bot_config import config_to_json, parse_bot_config

CHUNK = 5_000
DEFAULT_SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")
# Cycled over the seeded orders: mostly finished orders, some working, some denied.
SEED_STATUSES = (
    RecordedOrderStatus.FILLED,
    RecordedOrderStatus.FILLED,
    RecordedOrderStatus.CANCELED,
    RecordedOrderStatus.ACCEPTED,
    RecordedOrderStatus.FILLED,
    RecordedOrderStatus.DENIED,
    RecordedOrderStatus.REJECTED,
    RecordedOrderStatus.PARTIALLY_FILLED,
)


@dataclass(frozen=True, slots=True)
class SeedCounts:
    orders: int
    fills: int
    trades: int


def _table(model: type[Base]) -> Table:
    # Core inserts: one executemany per chunk (ORM bulk inserts split rows with NULLs).
    return Base.metadata.tables[model.__tablename__]


def seed_user(database: Database, *, email: str, now: datetime, role: str = "trader") -> str:
    """Insert an active user that cannot log in; returns its id."""
    user_id = new_id()
    with database.session() as session:
        session.add(
            UserRow(
                id=user_id,
                email=email,
                password_hash="!",  # not a PHC string: no password verifies against it
                role=role,
                is_active=True,
                created_at=now,
                updated_at=now,
                password_changed_at=now,
            )
        )
    return user_id


def seed_bot(
    database: Database,
    *,
    owner_id: str,
    name: str,
    now: datetime,
    strategy: str = "sma_cross",
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS,
) -> str:
    """Insert a stopped paper bot of ``owner_id`` with its configuration version 1; its id."""
    bot_id = new_id()
    wanted = {"name": name, "strategy": strategy, "symbols": list(symbols), "timeframe": "1h"}
    try:
        config_json = config_to_json(parse_bot_config(wanted))
    except InputError:
        # A test-only strategy that is not registered: keep the raw configuration; the
        # bots API cannot read such a bot, the records APIs and the recorder can.
        config_json = json.dumps(wanted, sort_keys=True)
    with database.session() as session:
        session.add(
            BotRow(
                id=bot_id,
                owner_id=owner_id,
                name=name,
                strategy=strategy,
                mode="paper",
                state="stopped",
                exchange="binance",
                symbols=json.dumps(list(symbols)),
                timeframe="1h",
                risk_profile="default",
                config_version=1,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        session.add(
            BotVersionRow(
                bot_id=bot_id,
                version=1,
                config=config_json,
                created_at=now,
                created_by=owner_id,
                reason="seeded",
            )
        )
    return bot_id


def _order(i: int, owner_id: str, bot_id: str, at: datetime, symbol: str) -> dict[str, Any]:
    status = SEED_STATUSES[i % len(SEED_STATUSES)]
    quantity = Decimal("0.001") * (i % 100 + 1)
    price = Decimal(20_000 + i % 1_000) + Decimal("0.25")
    filled = {
        RecordedOrderStatus.FILLED: quantity,
        RecordedOrderStatus.PARTIALLY_FILLED: quantity / 2,
    }.get(status, Decimal(0))
    return {
        "id": new_id(),
        "owner_id": owner_id,
        "bot_id": bot_id,
        "client_order_id": client_order_id_for(bot_id, f"S-{i}"),
        "venue_order_id": None if status is RecordedOrderStatus.DENIED else f"V{i}",
        "symbol": symbol,
        "side": "buy" if i % 2 == 0 else "sell",
        "type": "limit",
        "time_in_force": "gtc",
        "status": status.value,
        "quantity": quantity,
        "price": price,
        "stop_price": None,
        "filled_quantity": filled,
        "average_price": price if filled else None,
        "tag": "seed",
        "reason": "max_open_positions" if status is RecordedOrderStatus.DENIED else "",
        "created_at": at,
        "updated_at": at,
    }


def seed_records(
    database: Database,
    *,
    owner_id: str,
    bot_id: str,
    orders: int,
    trades: int = 0,
    start: datetime,
    step: timedelta = timedelta(seconds=1),
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS,
    strategy: str = "sma_cross",
) -> SeedCounts:
    """Insert ``orders`` orders (one fill per filled or partially filled order) and ``trades``
    closed trades of ``bot_id``, order ``i`` created at ``start + i * step``.

    Trade ``i`` gains ``(i % 7 - 3) * 1.5`` quote units gross and pays ``0.1`` in fees,
    so the seeded trades mix winners, losers and break-evens in a known pattern.
    """
    fills = 0
    for begin in range(0, orders, CHUNK):
        order_rows = [
            _order(i, owner_id, bot_id, start + i * step, symbols[i % len(symbols)])
            for i in range(begin, min(begin + CHUNK, orders))
        ]
        fill_rows = [
            {
                "id": new_id(),
                "owner_id": owner_id,
                "bot_id": bot_id,
                "order_id": row["id"],
                "venue_trade_id": f"T{row['client_order_id']}",
                "symbol": row["symbol"],
                "side": row["side"],
                "quantity": row["filled_quantity"],
                "price": row["price"],
                "fee": Decimal("0.01"),
                "fee_currency": "USDT",
                "liquidity": "maker",
                "at": row["created_at"],
            }
            for row in order_rows
            if row["filled_quantity"]
        ]
        with database.session() as session:
            session.execute(insert(_table(OrderRow)), order_rows)
            if fill_rows:
                session.execute(insert(_table(FillRow)), fill_rows)
        fills += len(fill_rows)
    for begin in range(0, trades, CHUNK):
        trade_rows = []
        for i in range(begin, min(begin + CHUNK, trades)):
            gross = Decimal(i % 7 - 3) * Decimal("1.5")
            entry_at = start + i * step
            trade_rows.append(
                {
                    "id": new_id(),
                    "owner_id": owner_id,
                    "bot_id": bot_id,
                    "strategy": strategy,
                    "symbol": symbols[i % len(symbols)],
                    "side": "long",
                    "quantity": Decimal("0.5"),
                    "entry_price": Decimal(100),
                    "exit_price": Decimal(100) + gross * 2,
                    "entry_at": entry_at,
                    "exit_at": entry_at + step / 2,
                    "gross_pnl": gross,
                    "fees": Decimal("0.1"),
                    "net_pnl": gross - Decimal("0.1"),
                    "exit_reason": "signal",
                }
            )
        with database.session() as session:
            session.execute(insert(_table(TradeRow)), trade_rows)
    return SeedCounts(orders=orders, fills=fills, trades=trades)
