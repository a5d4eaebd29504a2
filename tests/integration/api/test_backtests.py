"""Backtests as background jobs through the API, on SQLite and PostgreSQL.

Runs execute in real worker processes (spawn) over the shipped candles; results must equal
running the same request directly through the backtest service. Tests that need a run to
stop at a precise point execute the worker function in-process instead. Every test ends
with no worker process left (``_no_stray_workers``).
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from xor_trading.backtest.config import BacktestConfig
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.domain.users import Role
from xor_trading.persistence.database import Database
from xor_trading.persistence.repositories import backtest_runs as runs_repo
from xor_trading.risk.config import RiskConfig
from xor_trading.services import backtest_jobs
from xor_trading.services.audit import list_audit_entries
from xor_trading.services.backtest_jobs import (
    INTERRUPTED,
    WORKER_DIED,
    WorkerJob,
    execute_run,
)
from xor_trading.services.backtest_service import (
    BacktestOutcome,
    BacktestRequest,
    parse_time,
    run_backtest_job,
)
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

# The fixtures' types (tests/integration/api/conftest.py; conftest modules are not imported).
MakeUser = Any
START_MS = 1_748_736_000_000  # the clock fixture's time, 2025-06-01T00:00:00Z

API = "/api/v1/backtests"
FINAL = ("succeeded", "failed", "cancelled")
START = datetime.fromtimestamp(START_MS / 1000, UTC)
SUBMIT: dict[str, Any] = {
    "strategy": "sma_cross",
    "symbol": "BTC/USDT",
    "timeframe": "1h",
    "from": "2020-01-01",
    "to": "2020-06-01",
    "params": {"fast": 10, "slow": 30},
    "risk": {"enabled": False},
}


@pytest.fixture(autouse=True)
def _no_stray_workers() -> Iterator[None]:
    """Autouse, so set up first and torn down last: after the app shut its runner down."""
    yield
    assert multiprocessing.active_children() == []


@pytest.fixture
def candles(store: ParquetCandleStore) -> Path:
    """The shipped candles in the container's data directory."""
    return store.root


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run :func:`execute_run` in this process with its own engine cache, disposed after."""
    engines: dict[str, Database] = {}
    monkeypatch.setattr(backtest_jobs, "_worker_databases", engines)
    yield
    for engine in engines.values():
        engine.dispose()


def _direct(
    candles_dir: Path,
    output: Path,
    *,
    params: dict[str, Any],
    start: str = "2020-01-01",
    end: str = "2020-06-01",
) -> BacktestOutcome:
    """The same backtest run directly through the backtest service (what the CLI does)."""
    config = BacktestConfig.build(
        capital=Decimal(10_000), stake=Decimal(200), risk=RiskConfig.disabled()
    )
    request = BacktestRequest(
        strategy="sma_cross",
        symbol="BTC/USDT",
        timeframe="1h",
        config=config,
        output=output,
        params=params,
        start_ms=parse_time(start, "from"),
        end_ms=parse_time(end, "to"),
    )
    return run_backtest_job(request, candles_dir)


def _submit(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post(API, json={**SUBMIT, **changes}, headers=headers)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def _wait(client: TestClient, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        body: dict[str, Any] = client.get(f"{API}/{run_id}", headers=headers).json()
        if body["status"] in FINAL:
            return body
        assert time.monotonic() < deadline, f"still {body['status']} after 60 s"
        time.sleep(0.05)


def _job(container: Container, run_id: str) -> WorkerJob:
    return WorkerJob(
        database_url=container.database.url,
        data_dir=container.settings.data_dir,
        run_id=run_id,
        clock=container.clock,
        default_exchange="binance",
    )


def _run_here(container: Container, run_id: str) -> str:
    """Execute a queued run in this process, as a worker would."""
    return execute_run(_job(container, run_id))


def test_a_submitted_backtest_runs_in_a_worker_and_equals_a_direct_run(
    client: TestClient, make_user: MakeUser, candles: Path, tmp_path: Path, container: Container
) -> None:
    user = make_user(role="trader")
    queued = _submit(client, user.headers)
    # A second run, on the event path under risk limits, shares the worker pool.
    event = _submit(client, user.headers, path="event", risk={"limits": {"max_open_positions": 2}})
    assert (queued["status"], queued["progress"], queued["error"]) == ("queued", 0.0, None)
    assert "metrics" not in queued
    assert queued["request"]["from"] == "2020-01-01"
    assert queued["request"]["costs"]["capital"] == "10000"
    done = _wait(client, user.headers, queued["id"])

    direct = _direct(candles, tmp_path / "direct", params={"fast": 10, "slow": 30})
    assert done["status"] == "succeeded", done["error"]
    assert done["progress"] == 1.0
    assert done["metrics"] == json.loads(json.dumps(direct.metrics.to_dict()))
    assert (done["candles"], done["path"], done["trades"]) == (3639, "fast", 66)
    assert done["trades"] == direct.metrics.number_of_trades
    assert Decimal(done["total_return_pct"]) == Decimal(
        repr(direct.metrics.total_return_pct)
    ).quantize(Decimal("1e-8"))
    assert done["warnings"] == direct.warnings
    assert done["error"] is None
    assert done["started_at"] == done["finished_at"] == START.isoformat().replace("+00:00", "Z")

    # The full equity curve is the direct run's, point for point.
    full = client.get(f"{API}/{queued['id']}/equity?max_points=20000", headers=user.headers)
    assert full.status_code == 200
    curve = direct.result.curve
    assert full.json()["total_points"] == len(curve) == 3639
    assert full.json()["ts_ms"] == curve.ts_ms.tolist()
    assert full.json()["equity"] == curve.equity.tolist()
    assert full.json()["in_position"] == curve.in_position.tolist()
    # By default it is thinned to at most 2,000 points that keep the ends and extremes.
    thin = client.get(f"{API}/{queued['id']}/equity", headers=user.headers).json()
    assert len(thin["ts_ms"]) <= 2_000
    assert thin["ts_ms"][0] == curve.ts_ms[0]
    assert thin["ts_ms"][-1] == curve.ts_ms[-1]
    assert min(thin["equity"]) == curve.equity.min()
    assert max(thin["equity"]) == curve.equity.max()

    page = client.get(f"{API}/{queued['id']}/trades?limit=5&offset=1", headers=user.headers)
    assert page.status_code == 200
    assert (page.json()["total"], page.json()["limit"], page.json()["offset"]) == (66, 5, 1)
    expected = [
        {
            "entry_time": datetime.fromtimestamp(t.entry_time_ms / 1000, UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "exit_time": datetime.fromtimestamp(t.exit_time_ms / 1000, UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "symbol": t.symbol,
            "side": t.side,
            "entry_price": f"{t.entry_price:f}",
            "exit_price": f"{t.exit_price:f}",
            "quantity": f"{t.quantity:f}",
            "fees": f"{t.fees:f}",
            "pnl": f"{t.pnl:f}",
            "return_pct": f"{t.return_pct:.4f}",
            "exit_reason": t.exit_reason,
        }
        for t in list(direct.result.trades)[1:6]
    ]
    assert page.json()["items"] == expected
    results = container.settings.data_dir / "backtests" / queued["id"]
    files = sorted(p.name for p in results.iterdir())
    assert files == [
        "equity.csv",
        "metrics.json",
        "orders.csv",
        "report.html",
        "risk_events.csv",
        "trades.csv",
    ]

    event_done = _wait(client, user.headers, event["id"])
    config = BacktestConfig.build(
        capital=Decimal(10_000),
        stake=Decimal(200),
        risk=RiskConfig.from_pairs(["max_open_positions=2"]),
    )
    event_direct = run_backtest_job(
        BacktestRequest(
            strategy="sma_cross",
            symbol="BTC/USDT",
            timeframe="1h",
            config=config,
            output=tmp_path / "event",
            params={"fast": 10, "slow": 30},
            start_ms=parse_time("2020-01-01", "from"),
            end_ms=parse_time("2020-06-01", "to"),
            path="event",
        ),
        candles,
    )
    assert (event_done["status"], event_done["path"], event_done["progress"]) == (
        "succeeded",
        "event",
        1.0,
    )
    assert event_done["metrics"] == json.loads(json.dumps(event_direct.metrics.to_dict()))
    assert event_done["request"]["risk"] == {
        "enabled": True,
        "limits": {"max_open_positions": "2"},
    }


def test_a_failed_run_keeps_the_sentence_and_has_no_results(
    client: TestClient, make_user: MakeUser, candles: Path, container: Container, in_process: None
) -> None:
    container.jobs.shutdown()
    user = make_user(role="trader")
    short = {"params": {"fast": 10, "slow": 500}, "from": "2020-01-01", "to": "2020-01-05"}
    run = _submit(client, user.headers, **short)
    assert _run_here(container, run["id"]) == "failed"
    done = client.get(f"{API}/{run['id']}", headers=user.headers).json()
    assert done["status"] == "failed"
    assert done["error"] == (
        "too little history for the warm-up: sma_cross needs more than 500 candles and the "
        "range holds 96 (widen --from/--to or choose smaller periods)"
    )
    assert (done["metrics"], done["total_return_pct"], done["progress"]) == (None, None, 0.0)
    equity = client.get(f"{API}/{run['id']}/equity", headers=user.headers)
    assert equity.status_code == 409
    assert equity.json()["message"] == f"backtest {run['id']} has no results: it is failed"
    assert not (container.settings.data_dir / "backtests" / run["id"]).exists()


def test_invalid_requests_are_refused_with_sentences_and_nothing_is_queued(
    client: TestClient, make_user: MakeUser, candles: Path
) -> None:
    user = make_user(role="trader")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"strategy": "nope"}, "invalid_config", "unknown strategy 'nope'"),
        (
            {"params": {"bogus": 1}},
            "invalid_config",
            "unknown parameter 'bogus' for strategy sma_cross",
        ),
        ({"symbol": "FOO/USDT"}, "invalid_input", "unknown symbol 'FOO/USDT' on binance"),
        (
            {"symbol": "SOL/USDT"},
            "invalid_input",
            "no binance SOL/USDT 1h candles (stored for binance: BTC/USDT 1m 1h; ETH/USDT 1m 1h)",
        ),
        ({"timeframe": "7x"}, "invalid_config", "unknown timeframe '7x'"),
        (
            {"from": "2020-06-01", "to": "2020-01-01"},
            "invalid_config",
            "from (2020-06-01) must be before to (2020-01-01)",
        ),
        (
            {"from": "2010-01-01", "to": "2011-01-01"},
            "invalid_input",
            "no BTC/USDT 1h candles are stored in the requested range",
        ),
        (
            {"timeframe": "1m", "from": "2000-01-01", "to": "2020-01-01"},
            "invalid_input",
            "the range 2000-01-01T00:00:00Z to 2020-01-01T00:00:00Z spans 10,519,200 1m "
            "candles; one backtest may read at most 5,000,000",
        ),
        (
            {"costs": {"stake": "20000"}},
            "invalid_config",
            "invalid backtest settings: Value error, stake 20000 is larger than the capital 10000",
        ),
        (
            {"owner_id": str(uuid.uuid4())},
            "invalid_request",
            "owner_id: Extra inputs are not permitted",
        ),
        (
            {"costs": {"capital": "lots"}},
            "invalid_request",
            "costs.capital: Input should be a valid decimal",
        ),
        (
            {"costs": {"fee_asset": "base"}},
            "invalid_request",
            "costs.fee_asset: Input should be 'quote' or 'received'",
        ),
    ]
    for change, code, message in cases:
        response = client.post(API, json={**SUBMIT, **change}, headers=user.headers)
        assert response.status_code == 422, (change, response.text)
        assert (response.json()["code"], response.json()["message"]) == (code, message), change
        assert response.json()["hint"]
    listing = client.get(API, headers=user.headers).json()
    assert (listing["total"], listing["items"]) == (0, [])


def test_each_user_may_have_two_runs_queued_or_running(
    client: TestClient, make_user: MakeUser, candles: Path, container: Container
) -> None:
    container.jobs.shutdown()  # nothing runs: submitted runs stay queued
    user, other = make_user(role="trader"), make_user(role="trader")
    first = _submit(client, user.headers)
    second = _submit(client, user.headers, params={"fast": 5, "slow": 20})
    refused = client.post(API, json=SUBMIT, headers=user.headers)
    assert refused.status_code == 429
    assert refused.json()["message"] == (
        "you already have 2 backtests queued or running; at most 2 may be at once"
    )
    assert refused.headers["Retry-After"] == "10"
    _submit(client, other.headers)  # the quota is per user
    assert client.get(API, headers=user.headers).json()["total"] == 2

    # Cancelling a queued run frees a place at once.
    cancelled = client.post(f"{API}/{first['id']}/cancel", headers=user.headers)
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["finished_at"]) == (
        "cancelled",
        START.isoformat().replace("+00:00", "Z"),
    )
    third = _submit(client, user.headers, params={"fast": 8, "slow": 21})
    again = client.post(f"{API}/{first['id']}/cancel", headers=user.headers)
    assert again.status_code == 409
    assert (
        again.json()["message"]
        == f"backtest {first['id']} already cancelled; there is nothing to cancel"
    )

    queued = client.get(f"{API}?status=queued", headers=user.headers).json()
    assert sorted(item["id"] for item in queued["items"]) == sorted([second["id"], third["id"]])
    cancelled_list = client.get(f"{API}?status=cancelled", headers=user.headers).json()
    assert [item["id"] for item in cancelled_list["items"]] == [first["id"]]


def test_another_user_cannot_see_or_touch_a_run(
    client: TestClient, make_user: MakeUser, candles: Path, container: Container, in_process: None
) -> None:
    container.jobs.shutdown()
    owner, intruder = make_user(role="trader"), make_user(role="trader")
    run = _submit(client, owner.headers)
    assert _run_here(container, run["id"]) == "succeeded"
    run_id = run["id"]
    unknown = str(uuid.uuid4())
    for method, path in [
        ("GET", f"{API}/{run_id}"),
        ("GET", f"{API}/{run_id}/equity"),
        ("GET", f"{API}/{run_id}/trades"),
        ("POST", f"{API}/{run_id}/cancel"),
        ("DELETE", f"{API}/{run_id}"),
        ("GET", f"{API}/compare?ids={run_id}"),
    ]:
        response = client.request(method, path, headers=intruder.headers)
        assert response.status_code == 404, (method, path)
        assert response.json()["message"] == f"no backtest {run_id!r}"
        # The same answer as for an id that does not exist: no existence oracle (S1).
        ghost = client.request(method, path.replace(run_id, unknown), headers=intruder.headers)
        assert (ghost.status_code, ghost.json()["code"]) == (404, "not_found")
    assert client.get(API, headers=intruder.headers).json()["total"] == 0
    assert client.get(f"{API}/{run_id}", headers=owner.headers).json()["status"] == "succeeded"


def test_compare_shows_runs_side_by_side_in_the_order_asked(
    client: TestClient,
    make_user: MakeUser,
    candles: Path,
    tmp_path: Path,
    container: Container,
    in_process: None,
) -> None:
    container.jobs.shutdown()
    user = make_user(role="trader")
    a = _submit(client, user.headers)
    b = _submit(client, user.headers, params={"fast": 5, "slow": 20})
    assert _run_here(container, a["id"]) == _run_here(container, b["id"]) == "succeeded"
    response = client.get(f"{API}/compare?ids={b['id']},{a['id']},{b['id']}", headers=user.headers)
    assert response.status_code == 200
    runs = response.json()["runs"]
    assert [r["id"] for r in runs] == [b["id"], a["id"]]
    direct_b = _direct(candles, tmp_path / "b", params={"fast": 5, "slow": 20})
    assert runs[0]["metrics"] == json.loads(json.dumps(direct_b.metrics.to_dict()))
    assert (
        runs[1]["metrics"] == client.get(f"{API}/{a['id']}", headers=user.headers).json()["metrics"]
    )
    assert runs[0]["metrics"] != runs[1]["metrics"]

    missing = client.get(f"{API}/compare?ids={a['id']},{uuid.uuid4()}", headers=user.headers)
    assert missing.status_code == 404
    by_return = client.get(f"{API}?sort=total_return_pct&direction=asc", headers=user.headers)
    returns = [Decimal(item["total_return_pct"]) for item in by_return.json()["items"]]
    assert returns == sorted(returns)
    assert len(returns) == 2


def test_delete_removes_the_run_and_its_files_but_not_a_running_one(
    client: TestClient, make_user: MakeUser, candles: Path, container: Container, in_process: None
) -> None:
    container.jobs.shutdown()
    user = make_user(role="trader")
    run = _submit(client, user.headers)
    assert _run_here(container, run["id"]) == "succeeded"
    results = container.settings.data_dir / "backtests" / run["id"]
    assert results.is_dir()
    deleted = client.delete(f"{API}/{run['id']}", headers=user.headers)
    assert (deleted.status_code, deleted.json()["message"]) == (
        200,
        f"backtest {run['id']} deleted",
    )
    assert client.get(f"{API}/{run['id']}", headers=user.headers).status_code == 404
    assert not results.exists()

    running = _submit(client, user.headers)
    with container.database.session() as session:  # a worker claims it
        assert runs_repo.claim(session, running["id"], START) is not None
    refused = client.delete(f"{API}/{running['id']}", headers=user.headers)
    assert refused.status_code == 409
    admin = Principal(user_id=make_user(role="admin").id, role=Role.ADMIN)
    entries, _ = list_audit_entries(admin, container, actor_id=user.id, target_type="backtest")
    assert [(e.action, e.target_id) for e in entries] == [
        ("backtest.submit", running["id"]),
        ("backtest.delete", run["id"]),
        ("backtest.submit", run["id"]),
    ]
    assert refused.json()["message"] == f"backtest {running['id']} is running and cannot be deleted"


def test_cancelling_a_running_run_stops_it_at_its_next_progress_check(
    client: TestClient,
    make_user: MakeUser,
    candles: Path,
    container: Container,
    in_process: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container.jobs.shutdown()
    user = make_user(role="trader")
    run = _submit(client, user.headers, path="event")
    seen: list[dict[str, Any]] = []

    def cancel_then_run(*args: Any) -> BacktestOutcome:
        # The worker has claimed the run: the user cancels it now.
        seen.append(client.post(f"{API}/{run['id']}/cancel", headers=user.headers).json())
        return run_backtest_job(*args)

    monkeypatch.setattr(backtest_jobs, "run_backtest_job", cancel_then_run)
    assert _run_here(container, run["id"]) == "cancelled"
    assert (seen[0]["status"], seen[0]["cancel_requested"]) == ("running", True)
    done = client.get(f"{API}/{run['id']}", headers=user.headers).json()
    assert (done["status"], done["error"], done["metrics"]) == ("cancelled", None, None)
    assert done["candles"] == 3639  # it had loaded its candles before it stopped
    assert not (container.settings.data_dir / "backtests" / run["id"]).exists()


def test_shutdown_interrupts_a_run_and_a_restart_fails_runs_left_running(
    client: TestClient,
    make_user: MakeUser,
    candles: Path,
    container: Container,
    in_process: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container.jobs.shutdown()
    user = make_user(role="trader")
    stopping = threading.Event()
    monkeypatch.setattr(backtest_jobs, "_stop_event", stopping)
    run = _submit(client, user.headers, path="event")

    def shut_down_then_run(*args: Any) -> BacktestOutcome:
        stopping.set()  # the server shuts down while the run is under way
        return run_backtest_job(*args)

    monkeypatch.setattr(backtest_jobs, "run_backtest_job", shut_down_then_run)
    assert _run_here(container, run["id"]) == "failed"
    done = client.get(f"{API}/{run['id']}", headers=user.headers).json()
    assert (done["status"], done["error"]) == ("failed", INTERRUPTED)
    # A stopping worker does not claim queued runs: they wait for the next start.
    waiting = _submit(client, user.headers)
    assert _run_here(container, waiting["id"]) == "skipped"
    monkeypatch.setattr(backtest_jobs, "_stop_event", None)

    # A run left running by a process that died is failed at the next start; queued ones run.
    other = make_user(role="trader")
    orphan = _submit(client, other.headers)
    with container.database.session() as session:
        assert runs_repo.claim(session, orphan["id"], START) is not None
    monkeypatch.setattr(backtest_jobs, "run_backtest_job", run_backtest_job)
    container.jobs.start(container)
    orphaned = client.get(f"{API}/{orphan['id']}", headers=other.headers).json()
    assert (orphaned["status"], orphaned["error"]) == ("failed", INTERRUPTED)
    assert _wait(client, user.headers, waiting["id"])["status"] == "succeeded"


def test_a_worker_that_dies_leaves_its_run_failed(
    client: TestClient, make_user: MakeUser, candles: Path, container: Container
) -> None:
    container.jobs.shutdown()
    user = make_user(role="trader")
    run = _submit(client, user.headers)
    with container.database.session() as session:
        runs_repo.claim(session, run["id"], START)
    died: Future[str] = Future()
    died.set_exception(RuntimeError("worker killed"))
    container.jobs._finished(run["id"], container, died)
    done = client.get(f"{API}/{run['id']}", headers=user.headers).json()
    assert (done["status"], done["error"]) == ("failed", WORKER_DIED)


def test_progress_is_written_at_most_four_times_a_second(
    client: TestClient,
    make_user: MakeUser,
    candles: Path,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container.jobs.shutdown()
    user = make_user(role="trader")
    run = _submit(client, user.headers)
    with container.database.session() as session:
        runs_repo.claim(session, run["id"], START)

    class FakeTime:
        now = 0.0

        def monotonic(self) -> float:
            return self.now

    fake = FakeTime()
    monkeypatch.setattr(backtest_jobs, "time", fake)
    writes: list[int] = []
    real = runs_repo.report_progress

    def counting(session: Any, run_id: str, per_mille: int, **kw: Any) -> bool | None:
        writes.append(per_mille)
        return real(session, run_id, per_mille, **kw)

    monkeypatch.setattr(runs_repo, "report_progress", counting)
    progress = backtest_jobs._Progress(container.database, run["id"])
    progress.started(1_000, "event")
    for done in range(0, 1_001, 10):  # 101 callbacks, 0.1 s apart
        fake.now += 0.1
        progress.advanced(done)
    # One write when started, then at the first callback 0.25 s or more after the last
    # write: every third callback (0.3 s), at 20, 50, ..., 980 candles of 1,000.
    assert writes == [0, *range(20, 1_000, 30)]
    state = client.get(f"{API}/{run['id']}", headers=user.headers).json()
    assert (state["status"], state["progress"]) == ("running", 0.98)  # below 1 until stored
