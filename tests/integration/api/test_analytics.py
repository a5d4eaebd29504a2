"""GET /api/v1/analytics/pnl and /analytics/strategies: exact sums over hand-computed
data, UTC days, half-open ranges, and nothing of another user's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.persistence.tables.pnl import PnlSnapshotRow
from xor_trading.persistence.tables.trades import TradeRow
from xor_trading.services.container import Container
from xor_trading.testing.seed_records import seed_bot

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, second, tzinfo=UTC)


# (bot, exit time, gross, fees); net = gross - fees.
TRADES = [
    ("alpha", _at(1, 10), D("10"), D("0.5")),
    ("alpha", _at(1, 23, 59, 59), D("-4"), D("0.25")),
    ("beta", _at(2, 0), D("3.3"), D("0.1")),
    ("gamma", _at(2, 12), D("-1"), D("0")),
    ("gamma", _at(3, 1), D("0.1"), D("0.1")),  # net zero: neither a win nor a loss
]
# (bot, time, equity, unrealised PnL)
SNAPSHOTS = [
    ("alpha", _at(1, 9), D("1000"), D("0")),
    ("alpha", _at(1, 12), D("1010"), D("1.5")),
    ("alpha", _at(1, 23), D("1002"), D("-3")),
    ("beta", _at(2, 1), D("500"), D("0.25")),
    ("beta", _at(2, 2), D("490"), D("-10")),
    ("gamma", _at(2, 13), D("200"), D("0")),
]
STRATEGY = {"alpha": "sma_cross", "beta": "sma_cross", "gamma": "breakout", "other": "sma_cross"}


@pytest.fixture
def world(container: Container, make_user: Any) -> dict[str, Any]:
    a, b = make_user(role="viewer"), make_user(role="viewer")
    db = container.database
    bots = {
        name: seed_bot(db, owner_id=a.id, name=name, strategy=STRATEGY[name], now=NOW)
        for name in ("alpha", "beta", "gamma")
    }
    bots["other"] = seed_bot(db, owner_id=b.id, name="other", now=NOW)
    owner = {name: (b.id if name == "other" else a.id) for name in bots}
    with db.session() as session:
        for name, exit_at, gross, fees in [*TRADES, ("other", _at(1, 11), D("100"), D("0"))]:
            session.add(
                TradeRow(
                    owner_id=owner[name], bot_id=bots[name], strategy=STRATEGY[name],
                    symbol="BTC/USDT", side="long", quantity=D(1), entry_price=D(1),
                    exit_price=D(1), entry_at=exit_at, exit_at=exit_at, gross_pnl=gross,
                    fees=fees, net_pnl=gross - fees, exit_reason="signal",
                )
            )  # fmt: skip
        for name, at, equity, unrealised in [*SNAPSHOTS, ("other", _at(1, 9), D(5), D(5))]:
            session.add(
                PnlSnapshotRow(
                    owner_id=owner[name], bot_id=bots[name], at=at, equity=equity,
                    realised_pnl=D(0), unrealised_pnl=unrealised, fees=D(0),
                )
            )  # fmt: skip
    return {"a": a, "b": b, "bots": bots}


def _groups(body: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        g["label"]: (
            g["trades"], g["wins"], g["losses"], g["gross_pnl"], g["fees"], g["net_pnl"],
            g["unrealised_pnl"],
        )
        for g in body["groups"]
    }  # fmt: skip


def test_pnl_by_bot_strategy_and_day(client: TestClient, world: dict[str, Any]) -> None:
    h = world["a"].headers
    url = "/api/v1/analytics/pnl"
    by_bot = client.get(url, headers=h).json()
    assert by_bot["group_by"] == "bot"
    assert _groups(by_bot) == {
        "alpha": (2, 1, 1, "6", "0.75", "5.25", "-3"),
        "beta": (1, 1, 0, "3.3", "0.1", "3.2", "-10"),
        "gamma": (2, 0, 1, "-0.9", "0.1", "-1", "0"),
    }
    assert {g["key"] for g in by_bot["groups"]} == {
        world["bots"][n] for n in ("alpha", "beta", "gamma")
    }
    assert (by_bot["trades"], by_bot["gross_pnl"], by_bot["fees"], by_bot["net_pnl"]) == (
        5, "8.4", "0.95", "7.45",
    )  # fmt: skip

    by_strategy = client.get(url, headers=h, params={"group_by": "strategy"}).json()
    assert _groups(by_strategy) == {
        "breakout": (2, 0, 1, "-0.9", "0.1", "-1", "0"),
        "sma_cross": (3, 2, 1, "9.3", "0.85", "8.45", "-13"),
    }
    by_day = client.get(url, headers=h, params={"group_by": "day"}).json()
    assert [g["key"] for g in by_day["groups"]] == ["2025-06-01", "2025-06-02", "2025-06-03"]
    assert _groups(by_day) == {
        "2025-06-01": (2, 1, 1, "6", "0.75", "5.25", "-3"),
        "2025-06-02": (2, 1, 1, "2.3", "0.1", "2.2", "-10"),
        "2025-06-03": (1, 0, 0, "0.1", "0.1", "0", None),
    }
    # since <= exit < until: the 12:00 trade of the 2nd is out, so is gamma's snapshot.
    window = {"since": "2025-06-01T12:00:00Z", "until": "2025-06-02T12:00:00Z"}
    ranged = client.get(url, headers=h, params=window).json()
    assert _groups(ranged) == {
        "alpha": (1, 0, 1, "-4", "0.25", "-4.25", "-3"),
        "beta": (1, 1, 0, "3.3", "0.1", "3.2", "-10"),
    }
    assert (ranged["trades"], ranged["gross_pnl"], ranged["fees"], ranged["net_pnl"]) == (
        2, "-0.7", "0.35", "-1.05",
    )  # fmt: skip
    assert (ranged["since"], ranged["until"]) == ("2025-06-01T12:00:00Z", "2025-06-02T12:00:00Z")


def test_strategy_comparison(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get("/api/v1/analytics/strategies", headers=world["a"].headers)
    assert response.status_code == 200
    assert response.json() == [
        {
            "strategy": "breakout", "bots": 1, "trades": 2, "wins": 0, "losses": 1,
            "win_rate": "0.000000", "gross_profit": "0", "gross_loss": "1", "net_pnl": "-1",
            "profit_factor": "0.000000", "max_drawdown": "0", "max_drawdown_pct": None,
        },
        {
            # Combined equity of alpha and beta: 1000, 1010, 1002, 1502, 1492: the worst
            # fall is 10 from 1502 (the fall of 8 from 1010 is smaller).
            "strategy": "sma_cross", "bots": 2, "trades": 3, "wins": 2, "losses": 1,
            "win_rate": "0.666667", "gross_profit": "12.7", "gross_loss": "4.25",
            "net_pnl": "8.45", "profit_factor": "2.988235", "max_drawdown": "10",
            "max_drawdown_pct": "0.006658",
        },
    ]  # fmt: skip


def test_another_users_analytics_and_bad_input(client: TestClient, world: dict[str, Any]) -> None:
    b = world["b"].headers
    assert _groups(client.get("/api/v1/analytics/pnl", headers=b).json()) == {
        "other": (1, 1, 0, "100", "0", "100", "5")
    }
    strategies = client.get("/api/v1/analytics/strategies", headers=b).json()
    assert [(s["strategy"], s["bots"], s["net_pnl"]) for s in strategies] == [
        ("sma_cross", 1, "100")
    ]
    bad = client.get(
        "/api/v1/analytics/pnl",
        headers=b,
        params={"since": "2025-06-03T00:00:00Z", "until": "2025-06-01T00:00:00Z"},
    )
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("since (2025-06-03T00:00:00+00:00) is after until")
    weekly = client.get("/api/v1/analytics/pnl", headers=b, params={"group_by": "week"})
    assert weekly.status_code == 422
