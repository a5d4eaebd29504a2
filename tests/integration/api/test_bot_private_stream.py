"""``GET /bots/{id}`` and ``GET /bots`` show a bot's private stream (ADR 0023), on SQLite and
PostgreSQL: ``not_applicable`` for a paper bot; for a live bot, what the worker that holds
its lease recorded last (here: the worker's reporter fed the session's events, as in a
separate ``xor worker``), and ``null`` when no run holds the lease (never run, lease
expired, taken over by another worker) or once the run ended."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.persistence.repositories import bot_stream_status as status_repo
from xor_trading.runtime.lease import DEFAULT_TTL_MS
from xor_trading.runtime.stream_health import (
    PrivateStreamChanged,
    PrivateStreamEnded,
    PrivateStreamState,
)
from xor_trading.services.audit import datetime_of_ms
from xor_trading.services.bot_worker import DatabaseLeaseStore
from xor_trading.services.container import Container
from xor_trading.services.private_stream_reporter import PrivateStreamReporter
from xor_trading.services.stream_alert_rule import StreamAlertRule
from xor_trading.testing.live_bots import SECRET, seal_key

MakeUser = Any  # tests/integration/api/conftest.py: make_user
UserHandle = Any

BOTS = "/api/v1/bots"
BOT: dict[str, Any] = {
    "name": "btc cross",
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30},
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
}


def live_bot(client: TestClient, container: Container, user: UserHandle) -> str:
    key = seal_key(container, user.id, "api-key-0001", SECRET)
    body = {**BOT, "mode": "live", "exchange_credential_id": key}
    response = client.post(BOTS, json=body, headers=user.step_up_headers())
    assert response.status_code == 201, response.text
    bot_id: str = response.json()["id"]
    return bot_id


def stream_shown(client: TestClient, user: UserHandle, bot_id: str) -> object:
    response = client.get(f"{BOTS}/{bot_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["private_stream"]


def worker_run(container: Container, clock: TestClock, bot_id: str, worker: str) -> Any:
    """A run of ``bot_id`` by ``worker``: its lease and the reporter on its bus."""
    lease = DatabaseLeaseStore(container.database).acquire(
        bot_id, worker, clock.now_ms(), DEFAULT_TTL_MS
    )
    assert lease is not None
    bus = MessageBus()
    PrivateStreamReporter(
        container,
        owner_id="owner",  # the alerts only; this owner has no channel
        bot_id=bot_id,
        fencing_token=lease.fencing_token,
        rule=StreamAlertRule("btc cross", "binance"),
        clock=clock,
    ).attach(bus)
    return bus


def stalled(at_ms: int) -> PrivateStreamChanged:
    return PrivateStreamChanged(PrivateStreamState.STALLED, True, 3, 1, at_ms, at_ms - 2_000)


def test_a_paper_bot_has_no_private_stream(client: TestClient, make_user: MakeUser) -> None:
    user = make_user()
    created = client.post(BOTS, json=BOT, headers=user.headers).json()

    assert created["private_stream"] == {
        "state": "not_applicable",
        "orders_held": False,
        "drops": 0,
        "stalls": 0,
        "changed_at_ms": None,
    }
    assert stream_shown(client, user, created["id"]) == created["private_stream"]


def test_a_live_bot_shows_what_the_worker_holding_its_lease_recorded(
    client: TestClient, make_user: MakeUser, container: Container, clock: TestClock
) -> None:
    user = make_user(mfa=True)
    bot_id = live_bot(client, container, user)
    assert stream_shown(client, user, bot_id) is None  # never run

    bus = worker_run(container, clock, bot_id, "worker-a")
    bus.publish(stalled(clock.now_ms()))

    shown = {
        "state": "stalled",
        "orders_held": True,
        "drops": 3,
        "stalls": 1,
        "changed_at_ms": clock.now_ms(),
    }
    assert stream_shown(client, user, bot_id) == shown
    listed = client.get(BOTS, headers=user.headers).json()["items"]
    assert [b["private_stream"] for b in listed] == [shown]

    clock.advance(1_000)
    bus.publish(PrivateStreamChanged(PrivateStreamState.CONNECTED, False, 3, 1, clock.now_ms(), 0))
    assert stream_shown(client, user, bot_id) == {
        "state": "connected",
        "orders_held": False,
        "drops": 3,
        "stalls": 1,
        "changed_at_ms": clock.now_ms(),
    }

    bus.publish(PrivateStreamEnded(clock.now_ms()))
    assert stream_shown(client, user, bot_id) is None  # the run ended


def test_a_status_whose_run_lost_the_lease_is_not_shown(
    client: TestClient, make_user: MakeUser, container: Container, clock: TestClock
) -> None:
    user = make_user(mfa=True)
    bot_id = live_bot(client, container, user)
    worker_run(container, clock, bot_id, "worker-a").publish(stalled(clock.now_ms()))

    clock.advance(DEFAULT_TTL_MS)  # the worker died: its lease expired, nobody renewed it
    assert stream_shown(client, user, bot_id) is None

    worker_run(container, clock, bot_id, "worker-b")  # taken over, nothing reported yet
    assert stream_shown(client, user, bot_id) is None

    # The former owner's late write never replaces the new run's record.
    later = worker_run(container, clock, bot_id, "worker-b")  # token 3 (a restart there)
    later.publish(PrivateStreamChanged(PrivateStreamState.CONNECTED, False, 0, 0, 5, None))
    record = status_repo.StreamStatusRecord("stalled", True, 9, 9, 6)
    with container.database.session() as session:
        written = status_repo.save_stream_status(
            session, bot_id, 1, record, datetime_of_ms(clock.now_ms())
        )
    assert written is False
    assert stream_shown(client, user, bot_id) == {
        "state": "connected",
        "orders_held": False,
        "drops": 0,
        "stalls": 0,
        "changed_at_ms": 5,
    }
