"""API load: requests/s and p99 of an authenticated read, and of listing 100,000 orders.

    .venv/bin/python bench/api_load.py [--workers 2] [--connections 32]
        [--orders-connections 8] [--duration 10]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--skip-sqlite]
        [--server xor|uvicorn] [--endpoints read,list,orders,orders_filtered]
        [--redis-url redis://127.0.0.1:6379/0]
        [--no-neighbour] [--neighbour-rate 8] [--neighbour-duration 10] [--neighbour-rounds 4]
        [--neighbour-orders 10000] [--flood-connections 128]

Runs with the product's own venv and wrk (Debian package ``wrk``; installed with
``apt-get install -y wrk`` when it is not on PATH). Traffic goes to 127.0.0.1 only, and
every run is bounded in time.

For each back end (the embedded SQLite file, and PostgreSQL when ``--database-url`` names a
server: a throw-away database ``xor_bench_<hex>`` is created on it and dropped at the end):

1. a temporary data directory, the schema, one user with the trader role
   (``services.auth_service.create_user_record``, as the API tests create theirs), ``--orders``
   orders owned by that user (``testing.seed_records``, bulk inserts; on PostgreSQL then
   ``VACUUM ANALYZE``, as autovacuum would do soon after) and an access token for the user,
   issued by the container's token codec with the server's XOR_JWT_SECRET;
2. the real server as a subprocess: ``xor serve --workers N`` on a free loopback port
   (``--server uvicorn``: uvicorn on ``api.asgi:create_app_from_environment`` with uvloop,
   httptools and no access log), then ``GET /api/v1/health`` until it answers;
3. for each endpoint, wrk with ``--threads`` threads and ``--connections`` connections
   (``--orders-connections`` for the two orders lists, see below): a ``--warmup`` second
   run that is discarded, then a ``--duration`` second run that counts; then one
   connection for ``--serial-duration`` seconds (the service time without queueing;
   printed, no target):

   * ``read``: ``GET /api/v1/auth/me`` (rate limiter, token check with the caller's
     authentication state, then the caller's profile: both from the per-process cache,
     ADR 0012, or, at most about once a second per worker, from the database; then the
     response model's serialiser);
   * ``list``: ``GET /api/v1/bots`` (the same checks, one page of the trader's bots and
     its total from the database; printed, no target: it shows what a typical list costs);
   * ``orders``: ``GET /api/v1/orders?limit=50`` (newest 50 of 100,000, with the total);
   * ``orders_filtered``: filled BTC/USDT orders (12,500 rows), newest first, third page;

4. the server is stopped (SIGTERM to its process group, SIGKILL after 10 s), always;
5. S7, the noisy neighbour (``--no-neighbour`` skips it): a second trader, tenant B, with
   ``--neighbour-orders`` orders of their own, and the server started again WITHOUT
   ``XOR_RATE_LIMIT_PER_USER_PER_S`` (the default budget of 100 units/s per user, an
   orders list costing 10; per worker process, as the limiter lives in process memory
   without Redis; a user who spends the budget as fast as it refills has their lists run
   one at a time per worker, the next ones waiting their turn). Tenant B lists its
   orders (``GET /api/v1/orders?limit=50``) at ``--neighbour-rate`` requests/s from an
   open-loop client (each request due at a fixed time whether or not the previous one
   was answered, its latency measured from that time to the last byte, so the p99 is
   exact over every request and free of coordinated omission): ``--warmup`` s discarded,
   then ``--neighbour-rounds`` rounds of two ``--neighbour-duration`` s windows, B alone
   (the baseline) then B while tenant A (the first trader, 100,000 orders) floods the same
   endpoint with wrk (``--threads`` threads, ``--flood-connections`` connections,
   ``bench/wrk/flood.lua`` counting the
   2xx, 429 and other answers), far above its budget. Printed: B's p50/p90/p99/max in
   both windows, A's request rate and 429 share, and the server's CPU split (B's
   requests, A's allowed ones at the ``orders`` run's cost per request, and the rest
   per 429). The windows are interleaved because this machine's speed drifts (a shared
   VM: B's p99 alone ranged 17-65 ms between consecutive 10 s windows): a baseline taken
   once, before the flood, compared a fast minute with a slow one. Each round's p99s are
   printed; the verdict pools every window of each side.

With ``--redis-url`` the PostgreSQL runs use the production configuration, PostgreSQL and
Redis: the rate limiter's budgets then live in Redis, shared by every worker, so a
flooding tenant gets its budget once, not once per worker.

The per-user rate limit (100 requests/s by default) would answer most of this load with
429, so the run sets ``XOR_RATE_LIMIT_PER_USER_PER_S`` to 1,000,000 for the server and says
so; the limiter still runs for every request. Every non-2xx answer counts as an error and
fails the run (a fast 429 is not a read).

Latencies are wrk's own histogram values (every request is recorded; a Lua ``done()`` hook
prints exact microseconds, see ``bench/wrk/authenticated_get.lua``). wrk is closed-loop:
``--connections`` clients each send the next request when the last one is answered, so
mean latency = connections / throughput (Little's law). With 32 clients, 1,000 requests/s
means a mean of 32 ms, which leaves room for a p99 under 50 ms only when the server is
faster than the target; with 64 clients the p99 target alone would demand over 1,280/s.
So the two targets are measured at different concurrencies: the read target is a
throughput target and needs enough clients to saturate the server (``--connections``,
32); the orders target is a latency target ("listing orders has p99 < 100 ms") and is
measured at a moderate ``--orders-connections`` (8): at 32 clients its p99 would mostly
measure the queue in front of a saturated server, not the listing.
wrk and the server share the machine's 2 cores; the server's CPU time per request (all
its processes and threads, from /proc; not the PostgreSQL server's own processes) is
printed too, and is the figure to compare between machines and between runs on a busy
machine.

Targets (per back end, from the loaded runs, not the one-connection ones):
  read (--connections clients): >= 1,000 requests/s and p99 < 50 ms
  orders, both variants, with 100,000 rows (--orders-connections clients): p99 < 100 ms
  no errors (connection, timeout or non-2xx)
  S7 neighbour: B's p99 during A's flood < 2x B's p99 alone; every request of B's answered
  2xx; A's answers only 2xx or 429, and at least one 429 (else the flood tested nothing)

Exit status: 0 every target met; 1 a target missed (or an endpoint left out with
``--endpoints``); 2 the run could not be set up. Prints ONE summary line
``SUMMARY api_load ... PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = ROOT / "bench" / "wrk" / "authenticated_get.lua"
VENV_BIN = Path(sys.executable).parent

READ_TARGET_RPS = 1_000.0
READ_P99_TARGET_MS = 50.0
ORDERS_P99_TARGET_MS = 100.0
# High enough that the limiter never answers 429 during the run, low enough to stay an int.
RATE_LIMIT_FOR_RUN = 1_000_000
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
BENCH_PASSWORD = "bench-Password-0123456789"

READ_PATH = "/api/v1/auth/me"
# A typical list, reported without a target (one page of the trader's bots and the total).
LIST_PATH = "/api/v1/bots"
ORDERS_PATHS = {
    # The dashboard's first page: newest 50 of 100,000, with the total.
    "orders": "/api/v1/orders?limit=50",
    # A filtered page further in: filled BTC/USDT orders (12,500 of them), third page.
    "orders_filtered": "/api/v1/orders?status=filled&symbol=BTC%2FUSDT&sort=-created_at"
    "&limit=50&offset=100",
}

WRK_LINE = re.compile(r"^XOR_WRK (?P<fields>.*)$", re.MULTILINE)
WRK_FIELDS = (
    "requests",
    "duration_us",
    "bytes",
    "connect_errors",
    "read_errors",
    "write_errors",
    "status_errors",
    "timeouts",
    "mean_us",
    "p50_us",
    "p90_us",
    "p99_us",
    "max_us",
)


class SetupError(Exception):
    """The benchmark could not be set up; the message says what to do (exit status 2)."""


# -- wrk output ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run as printed by ``bench/wrk/authenticated_get.lua`` (times in microseconds)."""

    requests: int
    duration_us: int
    bytes: int
    connect_errors: int
    read_errors: int
    write_errors: int
    status_errors: int  # answers that were not 2xx or 3xx
    timeouts: int
    mean_us: float
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int

    @property
    def requests_per_s(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us > 0 else 0.0

    @property
    def errors(self) -> int:
        """Every failed request: socket errors, timeouts and non-2xx/3xx answers."""
        return (
            self.connect_errors
            + self.read_errors
            + self.write_errors
            + self.status_errors
            + self.timeouts
        )

    @property
    def p50_ms(self) -> float:
        return self.p50_us / 1000.0

    @property
    def p90_ms(self) -> float:
        return self.p90_us / 1000.0

    @property
    def p99_ms(self) -> float:
        return self.p99_us / 1000.0

    @property
    def max_ms(self) -> float:
        return self.max_us / 1000.0


def parse_wrk_output(text: str) -> WrkResult:
    """The figures of the ``XOR_WRK key=value ...`` line that the Lua ``done()`` hook prints.

    ``text`` is wrk's whole standard output; the last ``XOR_WRK`` line counts. Raises
    ``ValueError`` naming the problem when there is no such line, a field is missing or a
    value is not a number.
    """
    matches = WRK_LINE.findall(text)
    if not matches:
        raise ValueError("wrk printed no XOR_WRK line: was it run with bench/wrk/*.lua?")
    values: dict[str, str] = {}
    for pair in matches[-1].split():
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"XOR_WRK field {pair!r} is not key=value")
        values[key] = value
    missing = [name for name in WRK_FIELDS if name not in values]
    if missing:
        raise ValueError(f"XOR_WRK line lacks {', '.join(missing)}")
    try:
        counts = {name: int(values[name]) for name in WRK_FIELDS if name != "mean_us"}
        mean_us = float(values["mean_us"])
    except ValueError as exc:
        raise ValueError(f"XOR_WRK line has a value that is not a number: {exc}") from None
    return WrkResult(mean_us=mean_us, **counts)


# -- wrk -----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk, installing the Debian package first when it is not on PATH."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise SetupError("wrk is not on PATH and apt-get is missing: install wrk (4.x) by hand")
    print("  wrk is not on PATH: running apt-get install -y wrk", flush=True)
    run = subprocess.run(
        [apt, "install", "-y", "--no-install-recommends", "wrk"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    found = shutil.which("wrk")
    if run.returncode != 0 or found is None:
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise SetupError(
            "wrk is not installed and `apt-get install -y wrk` failed "
            f"(exit {run.returncode}: {' / '.join(tail)}); install it as root "
            "(apt-get update && apt-get install -y wrk) and run again"
        )
    return found


def run_wrk(
    wrk: str, url: str, token: str, *, threads: int, connections: int, duration_s: int
) -> WrkResult:
    """One wrk run of ``duration_s`` seconds against ``url`` with ``token``."""
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration_s}s",
        "--timeout=5s",
        f"--script={LUA_SCRIPT}",
        url,
    ]
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "XOR_BENCH_TOKEN": token},
        timeout=duration_s + 30,
    )
    if run.returncode != 0:
        raise SetupError(f"wrk exited {run.returncode}: {run.stderr.strip() or run.stdout}")
    return parse_wrk_output(run.stdout)


# -- process CPU time ----------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class CpuTicks:
    """The machine's CPU time counters (``/proc/stat``, all CPUs): steal and the total."""

    steal: int
    total: int


def parse_cpu_ticks(proc_stat: str) -> CpuTicks:
    """The ``cpu`` line of ``/proc/stat``: user nice system idle iowait irq softirq steal
    (guest time is already inside user). Raises ``ValueError`` when there is no such line."""
    for line in proc_stat.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            ticks = [int(value) for value in fields[1:9]]
            ticks += [0] * (8 - len(ticks))
            return CpuTicks(steal=ticks[7], total=sum(ticks))
    raise ValueError("no 'cpu' line in /proc/stat")


def cpu_ticks() -> CpuTicks | None:
    """The machine's counters now; None where ``/proc/stat`` is not available."""
    try:
        return parse_cpu_ticks(Path("/proc/stat").read_text())
    except (OSError, ValueError):
        return None


def steal_share(before: CpuTicks | None, after: CpuTicks | None) -> float | None:
    """The share of CPU time the hypervisor gave to other machines between two readings
    (0-1); None when either reading is missing or no time passed."""
    if before is None or after is None or after.total <= before.total:
        return None
    return (after.steal - before.steal) / (after.total - before.total)


# Above this share of stolen CPU time the latencies measure the host, not XOR: said so.
NOISY_STEAL = 0.05


def _process_tree(root: int) -> list[int]:
    """``root`` and its descendants (uvicorn's supervisor and its worker processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree.extend(children)
        frontier = children
    return tree


def cpu_seconds(root: int) -> float:
    """User plus system CPU time of ``root`` and its live descendants, in seconds."""
    total = 0
    for pid in _process_tree(root):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


# -- back ends and seeding -----------------------------------------------------------------


@dataclass
class Backend:
    """One database to run against; ``url`` None means the SQLite file in the data dir."""

    name: str
    url: str | None
    drop: list[str] = field(default_factory=list)  # PostgreSQL databases to drop at the end
    redis_url: str | None = None  # the production option: budgets shared through Redis


def postgres_backend(server_url: str) -> tuple[Backend, str]:
    """A fresh database on the PostgreSQL server at ``server_url``; (backend, admin URL)."""
    from sqlalchemy import create_engine, text

    from xor_trading.persistence.database import normalise_url

    admin_url = normalise_url(server_url)
    name = f"xor_bench_{secrets.token_hex(4)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        raise SetupError(
            f"cannot create a database on {server_url} ({type(exc).__name__}: {exc}); "
            "start PostgreSQL or pass the URL of a server where this user may CREATE DATABASE"
        ) from None
    finally:
        engine.dispose()
    return Backend("postgresql", admin_url.rsplit("/", 1)[0] + f"/{name}", [name]), admin_url


def drop_postgres_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def server_environment(
    data_dir: Path, backend: Backend, redis_url: str | None = None
) -> dict[str, str]:
    """The XOR_* variables the seeding code and the server share (same secrets, same DB,
    and Redis when ``redis_url`` is given: the rate limiter's budgets then live there,
    shared by every worker)."""
    env = {
        "XOR_DATA_DIR": str(data_dir),
        "XOR_CONFIG_FILE": str(data_dir / "no-config.toml"),  # ignore the user's config
        "XOR_MODE": "development",
        "XOR_JWT_SECRET": secrets.token_urlsafe(48),
        "XOR_KEK": base64.b64encode(os.urandom(32)).decode(),
        "XOR_RATE_LIMIT_PER_USER_PER_S": str(RATE_LIMIT_FOR_RUN),
        # The seeded user's password is never checked during the run: hash it cheaply.
        "XOR_PASSWORD_HASH_PROFILE": "test",
    }
    if backend.url is not None:
        env["XOR_DATABASE_URL"] = backend.url
    if redis_url is not None:
        env["XOR_REDIS_URL"] = redis_url
    return env


@dataclass(frozen=True, slots=True)
class Seeded:
    """The seeded trader: their id, an access token (valid 15 minutes) and the row count."""

    user_id: str
    token: str
    orders: int
    seconds: float


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``env`` added, restored on exit (settings read the environment)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def seed(env: Mapping[str, str], orders: int) -> Seeded:
    """Schema, one trader and ``orders`` orders of theirs, through the product's own code.

    The user is created as the API tests create theirs (``auth_service.create_user_record``)
    and the token is issued by the same codec the server uses: both read XOR_JWT_SECRET
    from ``env``.
    """
    return seed_tenant(env, "bench-trader@example.test", orders, create_schema_first=True)


def seed_tenant(
    env: Mapping[str, str], email: str, orders: int, *, create_schema_first: bool
) -> Seeded:
    """One trader ``email`` with a bot and ``orders`` orders, and an access token for them;
    the schema is created first when ``create_schema_first`` (else it must exist)."""
    try:
        from xor_trading.domain.users import Role
        from xor_trading.persistence.schema import create_schema
        from xor_trading.runtime.settings import load_settings
        from xor_trading.services.auth_service import create_user_record
        from xor_trading.services.container import build_container
        from xor_trading.testing.seed_records import seed_bot, seed_records
    except ImportError as exc:
        raise SetupError(
            f"the product lacks a piece the benchmark needs ({exc}); it needs "
            "services.auth_service and testing.seed_records"
        ) from None

    started = time.perf_counter()
    with environment(env):
        container = build_container(load_settings())
    try:
        if create_schema_first:
            create_schema(container.database)
        user_id = create_user_record(
            container, email=email, password=BENCH_PASSWORD, role=Role.TRADER
        )
        now = datetime.fromtimestamp(container.clock.now_ms() / 1000, UTC)
        bot_id = seed_bot(container.database, owner_id=user_id, name="bench", now=now)
        # One order a second, the newest just before now (the list's default order).
        seed_records(
            container.database,
            owner_id=user_id,
            bot_id=bot_id,
            orders=orders,
            start=now - timedelta(seconds=orders),
        )
        if not container.database.is_sqlite:
            _vacuum_analyze(container.database.engine)
        token = container.tokens.issue_access(user_id, Role.TRADER.value).token
    finally:
        container.close()
    return Seeded(user_id, token, orders, time.perf_counter() - started)


def _vacuum_analyze(engine: Engine) -> None:
    """PostgreSQL: what autovacuum does within a minute of a bulk insert in production.

    Without it the planner still believes the tables are empty (it picks a bitmap scan and
    a sort for a page it could read from an index) and the visibility map is unset (no
    index-only COUNT), so the run would measure the seconds after a bulk load, not a
    steady state. SQLite is left as it is: the product never runs ANALYZE on it.
    """
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


# -- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(port: int, workers: int, server: str) -> list[str]:
    """``xor serve`` (``server`` "xor", when the CLI has it), else uvicorn on the ASGI
    factory directly with uvloop, httptools and no access log (``server`` "uvicorn")."""
    import importlib.util

    if server == "xor" and importlib.util.find_spec("xor_trading.cli.serve_command"):
        return [
            str(VENV_BIN / "xor"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    factory = "xor_trading.api.asgi:create_app_from_environment"
    if importlib.util.find_spec("xor_trading.api.asgi") is None:
        factory = "api_load:create_app_from_environment"  # this file, with bench/ on the path
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--app-dir",
        str(ROOT / "bench"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def create_app_from_environment() -> object:
    """The API over the settings of the environment (uvicorn factory, when api.asgi is absent)."""
    from xor_trading.api.app import create_app
    from xor_trading.runtime.settings import load_settings
    from xor_trading.services.container import build_container

    return create_app(build_container(load_settings()))


def http(
    method: str, url: str, *, token: str | None = None, body: object = None
) -> tuple[int, bytes]:
    """One request with the standard library; (status, body) whatever the status."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextlib.contextmanager
def running_server(
    env: Mapping[str, str],
    port: int,
    workers: int,
    server: str,
    log_path: Path,
    *,
    unset: frozenset[str] = frozenset(),
) -> Iterator[subprocess.Popen[bytes]]:
    """The server on ``port``, answering /api/v1/health; stopped on exit, always.

    Its environment is ours plus ``env``, without the variables named in ``unset``."""
    command = server_command(port, workers, server)
    print(f"  server: {Path(command[0]).name} {' '.join(command[1:])}")
    child_env = {key: value for key, value in {**os.environ, **env}.items() if key not in unset}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,  # its own process group: we stop it and its workers
        )
    try:
        _wait_until_healthy(process, f"http://127.0.0.1:{port}/api/v1/health", log_path)
        yield process
    finally:
        _stop(process)


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupError(
                f"the server exited with status {process.returncode} before answering; "
                f"its log ends with:\n{_tail(log_path)}"
            )
        with contextlib.suppress(OSError):
            status, _ = http("GET", url)
            if status == 200:
                return
        time.sleep(0.2)
    raise SetupError(
        f"the server did not answer {url} within {SERVER_START_TIMEOUT_S:.0f} s; "
        f"its log ends with:\n{_tail(log_path)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL when it is still there after 10 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print("  the server ignored SIGTERM for 10 s: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=SERVER_STOP_TIMEOUT_S)


def _tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


# -- one back end --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measured:
    endpoint: str
    path: str
    result: WrkResult
    server_cpu_s: float
    response_bytes: int

    @property
    def cpu_us_per_request(self) -> float:
        return self.server_cpu_s * 1e6 / self.result.requests if self.result.requests else 0.0


def measure_backend(
    backend: Backend, args: argparse.Namespace, wrk: str
) -> tuple[list[Measured], NeighbourResult | None]:
    """The endpoints' runs, then (unless ``--no-neighbour``) the S7 neighbour scenario."""
    with tempfile.TemporaryDirectory(prefix="xor-api-load-") as tmp:
        data_dir = Path(tmp)
        env = server_environment(data_dir, backend, backend.redis_url)
        seeded = seed(env, args.orders)
        print(
            f"  seeded 1 trader and {seeded.orders:,} orders in {seeded.seconds:.1f} s "
            f"({backend.name}"
            + ("" if backend.url is None else "; then VACUUM ANALYZE, as autovacuum would")
            + ")"
        )
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with running_server(
            env, port, args.workers, args.server, data_dir / "server.log"
        ) as process:
            token = seeded.token
            endpoints = {
                name: path
                for name, path in {"read": READ_PATH, "list": LIST_PATH, **ORDERS_PATHS}.items()
                if name in args.endpoints
            }
            results = []
            print(HEADER)
            for endpoint, path in endpoints.items():
                status, body = http("GET", base_url + path, token=token)
                if status != 200:
                    raise SetupError(f"GET {path} answered {status} before the run: {body[:300]!r}")
                if endpoint in ORDERS_PATHS:
                    _check_page(path, body, seeded.orders)
                url = base_url + path
                clients = args.orders_connections if endpoint in ORDERS_PATHS else args.connections
                loaded = _measure(wrk, process.pid, url, token, clients, args)
                results.append(Measured(endpoint, path, loaded[0], loaded[1], len(body)))
                _print_row(results[-1], clients)
                if args.serial_duration > 0:
                    # One connection: the service time alone, without queueing (no target).
                    serial = _measure(wrk, process.pid, url, token, 1, args, serial=True)
                    _print_row(Measured(endpoint, path, serial[0], serial[1], len(body)), 1)
        neighbour = None
        if args.neighbour:
            allowed_cpu_us = next(
                (m.cpu_us_per_request for m in results if m.endpoint == "orders"), None
            )
            neighbour = measure_neighbour(env, data_dir, seeded.token, args, wrk, allowed_cpu_us)
        return results, neighbour


def _measure(
    wrk: str,
    server_pid: int,
    url: str,
    token: str,
    connections: int,
    args: argparse.Namespace,
    *,
    serial: bool = False,
) -> tuple[WrkResult, float]:
    """A discarded warm-up run, then the measured run; (result, server CPU seconds)."""
    threads = 1 if serial else min(args.threads, connections)
    duration = args.serial_duration if serial else args.duration
    if not serial:
        run_wrk(wrk, url, token, threads=threads, connections=connections, duration_s=args.warmup)
    before = cpu_seconds(server_pid)
    result = run_wrk(wrk, url, token, threads=threads, connections=connections, duration_s=duration)
    return result, cpu_seconds(server_pid) - before


def _check_page(path: str, body: bytes, orders: int) -> None:
    """The orders page must hold rows (else the benchmark would time an empty answer)."""
    page = json.loads(body)
    items = page.get("items")
    if not isinstance(items, list) or not items:
        raise SetupError(f"GET {path} returned no orders although {orders:,} were seeded")


def _print_row(m: Measured, connections: int) -> None:
    r = m.result
    print(
        f"  {m.endpoint:<16} {connections:5d} {r.requests_per_s:9,.0f} {r.p50_ms:8.2f} "
        f"{r.p90_ms:8.2f} {r.p99_ms:8.2f} {r.max_ms:8.1f} {r.errors:7d} "
        f"{m.cpu_us_per_request:10,.0f} "
        f"{m.response_bytes:8,d}"
    )


HEADER = (
    f"  {'endpoint':<16} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
    f"{'max ms':>8} {'errors':>7} {'cpu us/req':>10} {'bytes':>8}"
)


# -- S7: a noisy neighbour -----------------------------------------------------------------

FLOOD_LUA_SCRIPT = ROOT / "bench" / "wrk" / "flood.lua"
# S7: "during one tenant's flood another tenant's order endpoint p99 stays < 2x baseline".
NEIGHBOUR_P99_RATIO_TARGET = 2.0
NEIGHBOUR_EMAIL = "bench-neighbour@example.test"
NEIGHBOUR_PATH = ORDERS_PATHS["orders"]
RATE_LIMIT_VARIABLE = "XOR_RATE_LIMIT_PER_USER_PER_S"
# The flood runs this long before B's measured window opens and after it closes, so that
# the window sees the flood at full strength from its first request to its last.
FLOOD_MARGIN_S = 1
PACED_TIMEOUT_S = 10.0
# uvicorn closes a keep-alive connection idle for 5 s; one idle longer than this is not
# reused (a request sent as the server closes it would read an empty answer).
PACED_MAX_IDLE_S = 2.0
FLOOD_LINE = re.compile(
    r"^XOR_FLOOD ok=(?P<ok>\d+) limited=(?P<limited>\d+) other=(?P<other>\d+)$", re.MULTILINE
)
STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3})")


def nearest_rank_percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile of ``values`` by the nearest-rank method: the smallest value
    such that at least ``pct`` percent of the values are at most it (an actual sample, no
    interpolation; the p99 of 500 samples is the 495th smallest). Raises ``ValueError``
    for no values or ``pct`` outside (0, 100]."""
    if not values:
        raise ValueError("no values")
    if not 0 < pct <= 100:
        raise ValueError(f"pct must be in (0, 100], got {pct}")
    ordered = sorted(values)
    rank = math.ceil(pct / 100 * len(ordered))
    return ordered[rank - 1]


def parse_response_head(head: bytes) -> tuple[int, int]:
    """(status, Content-Length) of an HTTP/1.1 response head (status line and headers,
    up to the blank line). Raises ``ValueError`` when the status line is not HTTP/1.x or
    there is no Content-Length (the paced client reads exactly that many body bytes; the
    API sends it on every JSON answer)."""
    match = STATUS_LINE.match(head)
    if match is None:
        raise ValueError(f"not an HTTP/1.x status line: {head[:40]!r}")
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"content-length":
            return int(match.group(1)), int(value.strip())
    raise ValueError("the response has no Content-Length")


@dataclass(frozen=True, slots=True)
class FloodResult:
    """wrk's figures for the flooding tenant, and its answers by status."""

    wrk: WrkResult
    ok: int  # 2xx
    limited: int  # 429
    other: int  # any other status

    @property
    def limited_share(self) -> float:
        answered = self.ok + self.limited + self.other
        return self.limited / answered if answered else 0.0


def parse_flood_output(text: str) -> FloodResult:
    """The XOR_WRK and XOR_FLOOD lines that ``bench/wrk/flood.lua`` prints (the last of
    each counts); ``ValueError`` naming the problem when one is missing or malformed."""
    wrk = parse_wrk_output(text)
    matches = list(FLOOD_LINE.finditer(text))
    if not matches:
        raise ValueError("wrk printed no XOR_FLOOD line: was it run with bench/wrk/flood.lua?")
    last = matches[-1]
    return FloodResult(wrk, int(last["ok"]), int(last["limited"]), int(last["other"]))


@dataclass(frozen=True, slots=True)
class PacedRun:
    """One tenant's requests sent at a fixed rate (open loop), latencies in microseconds.

    A latency runs from the moment the request was due (its slot in the schedule) to the
    last byte of the answer, so a client that fell behind cannot hide a slow answer
    (no coordinated omission); ``max_lag_ms`` says how late the client ever sent.
    """

    latencies_us: tuple[float, ...]  # 2xx answers only
    statuses: Mapping[int, int]  # every answer's status -> count
    errors: Mapping[str, int]  # requests without an answer, by exception type name
    duration_s: float
    max_lag_ms: float

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def failures(self) -> int:
        """Requests without a 2xx answer."""
        return self.requests - len(self.latencies_us)

    def percentile_ms(self, pct: float) -> float:
        return (
            nearest_rank_percentile(self.latencies_us, pct) / 1000.0 if self.latencies_us else 0.0
        )

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


def paced_gets(url: str, token: str, rate: float, duration_s: float) -> PacedRun:
    """GET ``url`` with ``token`` ``rate`` times a second for ``duration_s`` seconds, each
    request due at a fixed time whether or not earlier ones were answered (open loop: the
    arrival rate of a real user, unlike wrk's closed loop). HTTP/1.1 keep-alive on plain
    asyncio streams, a new connection only when every open one is busy: the client's own
    cost per request is tens of microseconds, so it measures the server, not itself."""
    return asyncio.run(_paced_gets(url, token, rate, duration_s))


async def _paced_gets(url: str, token: str, rate: float, duration_s: float) -> PacedRun:
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    # Open connections not in use: (reader, writer, when last answered).
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}

    async def one(due: float) -> None:
        connection = None
        while idle and connection is None:
            reader, writer, last_used = idle.pop()
            if time.perf_counter() - last_used < PACED_MAX_IDLE_S:
                connection = reader, writer
            else:
                writer.close()
        try:
            if connection is None:
                connection = await asyncio.open_connection(host, port)
            reader, writer = connection
            writer.write(request)
            async with asyncio.timeout(PACED_TIMEOUT_S):
                status, length = parse_response_head(await reader.readuntil(b"\r\n\r\n"))
                await reader.readexactly(length)
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as exc:
            # No answer: counted by kind, and the connection is dropped.
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            if connection is not None:
                connection[1].close()
            return
        finished = time.perf_counter()
        idle.append((reader, writer, finished))
        statuses[status] = statuses.get(status, 0) + 1
        if 200 <= status < 300:
            latencies.append((finished - due) * 1e6)

    # Two warm connections, so that the first requests do not time a TCP handshake.
    for _ in range(2):
        idle.append((*await asyncio.open_connection(host, port), time.perf_counter()))
    count = max(1, round(rate * duration_s))
    tasks: list[asyncio.Task[None]] = []
    max_lag = 0.0
    start = time.perf_counter() + 0.01
    for index in range(count):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        max_lag = max(max_lag, time.perf_counter() - due)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for _, writer, _ in idle:
        writer.close()
    return PacedRun(tuple(latencies), statuses, errors, elapsed, max_lag * 1000.0)


@dataclass(frozen=True, slots=True)
class NeighbourResult:
    """B alone, then B during A's flood; server CPU seconds of each measured window."""

    baseline: PacedRun
    flooded: PacedRun
    flood: FloodResult
    flood_connections: int
    baseline_cpu_s: float
    flood_cpu_s: float
    flood_window_s: float  # the length of the flooded window the CPU was measured over
    # Server CPU per allowed request of A's, from the loaded ``orders`` run before (the same
    # user, endpoint and rows); None when that run was left out.
    allowed_cpu_us: float | None = None

    @property
    def p99_ratio(self) -> float:
        base = self.baseline.percentile_ms(99)
        return self.flooded.percentile_ms(99) / base if base > 0 else math.inf

    def server_cpu_us_per_flood_request(self) -> float:
        """Server CPU time per request of A's during the flood, B's share taken out (at
        B's baseline cost per request): an upper bound of what a 429 costs, as it also
        carries A's allowed requests."""
        per_b = self.baseline_cpu_s / self.baseline.requests if self.baseline.requests else 0.0
        a_cpu = self.flood_cpu_s - per_b * self.flooded.requests
        a_requests = self.flood.wrk.requests_per_s * self.flood_window_s
        return a_cpu * 1e6 / a_requests if a_requests > 0 else 0.0

    def server_cpu_us_per_rejection(self) -> float | None:
        """Server CPU time per 429 of A's: the flooded window's CPU less B's requests (at
        B's baseline cost) and A's allowed ones (at ``allowed_cpu_us``), over A's 429s in
        the window (at the flood's average rates). An estimate: costs per request rise
        under contention. None without ``allowed_cpu_us`` or without a 429."""
        seconds = self.flood.wrk.duration_us / 1e6
        if self.allowed_cpu_us is None or self.flood.limited == 0 or seconds <= 0:
            return None
        per_b = self.baseline_cpu_s / self.baseline.requests if self.baseline.requests else 0.0
        allowed = self.flood.ok / seconds * self.flood_window_s
        limited = self.flood.limited / seconds * self.flood_window_s
        rest = self.flood_cpu_s - per_b * self.flooded.requests
        rest -= allowed * self.allowed_cpu_us / 1e6
        return rest * 1e6 / limited


def _flooded_window(
    wrk: str, url: str, token_b: str, token_a: str, server_pid: int, args: argparse.Namespace
) -> tuple[PacedRun, FloodResult, float, float]:
    """One of B's windows during A's flood: (B's run, A's flood, the server's CPU seconds
    over the window, the window's length in seconds). The flood starts
    :data:`FLOOD_MARGIN_S` before the window opens and ends as long after it closes."""
    duration = args.neighbour_duration
    flood_process = subprocess.Popen(
        [
            wrk,
            f"--threads={min(args.threads, args.flood_connections)}",
            f"--connections={args.flood_connections}",
            f"--duration={duration + 2 * FLOOD_MARGIN_S}s",
            "--timeout=5s",
            f"--script={FLOOD_LUA_SCRIPT}",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "XOR_BENCH_TOKEN": token_a},
    )
    try:
        time.sleep(FLOOD_MARGIN_S)
        before = cpu_seconds(server_pid)
        window_start = time.perf_counter()
        flooded = paced_gets(url, token_b, args.neighbour_rate, duration)
        window = time.perf_counter() - window_start
        cpu = cpu_seconds(server_pid) - before
        out, err = flood_process.communicate(timeout=duration + 30)
    finally:
        if flood_process.poll() is None:
            flood_process.kill()
            flood_process.wait()
    if flood_process.returncode != 0:
        raise SetupError(f"wrk (flood) exited {flood_process.returncode}: {err.strip()}")
    return flooded, parse_flood_output(out), cpu, window


def merge_paced(runs: Sequence[PacedRun]) -> PacedRun:
    """Several windows of one tenant's paced requests as one run: every latency, the
    statuses and errors summed, the durations added, the worst lag. Raises ``ValueError``
    for no runs."""
    if not runs:
        raise ValueError("no runs to merge")
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    for run in runs:
        for status, count in run.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        for kind, count in run.errors.items():
            errors[kind] = errors.get(kind, 0) + count
    return PacedRun(
        tuple(latency for run in runs for latency in run.latencies_us),
        statuses,
        errors,
        sum(run.duration_s for run in runs),
        max(run.max_lag_ms for run in runs),
    )


def merge_floods(floods: Sequence[FloodResult]) -> FloodResult:
    """Several floods as one: counts and durations added, the mean weighted by requests,
    and each percentile the worst of the floods' (wrk prints percentiles, not samples, so
    an exact merged percentile is not available; the worst one is an upper bound). Raises
    ``ValueError`` for no floods."""
    if not floods:
        raise ValueError("no floods to merge")
    runs = [flood.wrk for flood in floods]
    requests = sum(run.requests for run in runs)
    merged = WrkResult(
        requests=requests,
        duration_us=sum(run.duration_us for run in runs),
        bytes=sum(run.bytes for run in runs),
        connect_errors=sum(run.connect_errors for run in runs),
        read_errors=sum(run.read_errors for run in runs),
        write_errors=sum(run.write_errors for run in runs),
        status_errors=sum(run.status_errors for run in runs),
        timeouts=sum(run.timeouts for run in runs),
        mean_us=sum(run.mean_us * run.requests for run in runs) / requests if requests else 0.0,
        p50_us=max(run.p50_us for run in runs),
        p90_us=max(run.p90_us for run in runs),
        p99_us=max(run.p99_us for run in runs),
        max_us=max(run.max_us for run in runs),
    )
    return FloodResult(
        merged,
        sum(flood.ok for flood in floods),
        sum(flood.limited for flood in floods),
        sum(flood.other for flood in floods),
    )


def measure_neighbour(
    env: Mapping[str, str],
    data_dir: Path,
    token_a: str,
    args: argparse.Namespace,
    wrk: str,
    allowed_cpu_us: float | None,
) -> NeighbourResult:
    """S7: tenant B's paced orders list alone, then while tenant A floods the same
    endpoint with wrk, on a server with the default per-user rate limit."""
    seeded_b = seed_tenant(env, NEIGHBOUR_EMAIL, args.neighbour_orders, create_schema_first=False)
    print(
        f"  neighbour (S7): seeded tenant B with {seeded_b.orders:,} orders in "
        f"{seeded_b.seconds:.1f} s; server restarted with {RATE_LIMIT_VARIABLE} unset "
        + (
            "(the default budget, per worker process without Redis)"
            if env.get("XOR_REDIS_URL") is None
            else "(the default budget, shared by the workers through Redis)"
        )
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}{NEIGHBOUR_PATH}"
    with running_server(
        env,
        port,
        args.workers,
        args.server,
        data_dir / "server-neighbour.log",
        unset=frozenset({RATE_LIMIT_VARIABLE}),
    ) as process:
        for who, token in (("A", token_a), ("B", seeded_b.token)):
            status, body = http("GET", url, token=token)
            if status != 200:
                raise SetupError(f"tenant {who}: GET {NEIGHBOUR_PATH} answered {status}")
            _check_page(NEIGHBOUR_PATH, body, seeded_b.orders)
        rate, duration = args.neighbour_rate, args.neighbour_duration
        paced_gets(url, seeded_b.token, rate, args.warmup)  # warm-up, discarded
        baselines: list[PacedRun] = []
        floodeds: list[PacedRun] = []
        floods: list[FloodResult] = []
        baseline_cpu = flood_cpu = window = 0.0
        for round_index in range(1, args.neighbour_rounds + 1):
            before = cpu_seconds(process.pid)
            baselines.append(paced_gets(url, seeded_b.token, rate, duration))
            baseline_cpu += cpu_seconds(process.pid) - before
            flooded_run, flood_run, cpu, seconds = _flooded_window(
                wrk, url, seeded_b.token, token_a, process.pid, args
            )
            floodeds.append(flooded_run)
            floods.append(flood_run)
            flood_cpu += cpu
            window += seconds
            print(
                f"  round {round_index}/{args.neighbour_rounds}: B's p99 alone "
                f"{baselines[-1].percentile_ms(99):.1f} ms, during the flood "
                f"{flooded_run.percentile_ms(99):.1f} ms"
            )
        baseline, flooded = merge_paced(baselines), merge_paced(floodeds)
        flood = merge_floods(floods)
        _print_paced("B alone", baseline, rate)
        _print_paced("B during flood", flooded, rate)
    result = NeighbourResult(
        baseline,
        flooded,
        flood,
        args.flood_connections,
        baseline_cpu,
        flood_cpu,
        window,
        allowed_cpu_us,
    )
    duration = baseline.duration_s
    w = flood.wrk
    print(
        f"  A's flood: {args.flood_connections} connections, {w.requests_per_s:,.0f} req/s, "
        f"{flood.ok / (w.duration_us / 1e6):,.0f}/s allowed (2xx), "
        f"{flood.limited_share:.1%} answered 429, {flood.other} other statuses, "
        f"{w.errors - flood.limited - flood.other} socket errors/timeouts; "
        f"A's own p50 {w.p50_ms:.2f} ms, p99 {w.p99_ms:.2f} ms"
    )
    print(
        f"  server CPU: B alone {baseline_cpu / duration:.0%} of a core "
        f"({baseline_cpu * 1e6 / max(1, baseline.requests):,.0f} us/request); during the "
        f"flood {flood_cpu / window:.0%}, {result.server_cpu_us_per_flood_request():,.0f} us "
        "per request of A's (B's share taken out; an upper bound of a 429's cost)"
    )
    rejection = result.server_cpu_us_per_rejection()
    if rejection is not None and allowed_cpu_us is not None:
        seconds = w.duration_us / 1e6
        print(
            f"  of which A's allowed requests ~{flood.ok / seconds * allowed_cpu_us / 1e6:.0%} "
            f"of a core (at {allowed_cpu_us:,.0f} us each, from the orders run) and its 429s "
            f"~{flood.limited / seconds * rejection / 1e6:.0%} ({rejection:,.0f} us each, "
            "estimated from the rest)"
        )
    return result


def _print_paced(label: str, run: PacedRun, rate: float) -> None:
    others = {s: n for s, n in sorted(run.statuses.items()) if not 200 <= s < 300}
    print(
        f"  {label:<15} {rate:5.0f}/s {run.requests:6d} requests  p50 "
        f"{run.percentile_ms(50):7.2f} ms  p90 {run.percentile_ms(90):7.2f} ms  p99 "
        f"{run.percentile_ms(99):7.2f} ms  max {run.percentile_ms(100):7.1f} ms  "
        f"client max lag {run.max_lag_ms:5.1f} ms  non-2xx {others or 0} "
        f"errors {run.errors or 0}"
    )


def neighbour_verdict(backend: str, result: NeighbourResult) -> tuple[str, list[str]]:
    """(summary fragment, missed targets) of the S7 scenario for one back end.

    Missed: B's p99 during the flood at or above ``NEIGHBOUR_P99_RATIO_TARGET`` times its
    baseline; any of B's requests without a 2xx answer; an answer to A other than 2xx or
    429 (the server failing under the flood); and a flood that A's budget never refused
    (no 429: then the scenario did not test what it claims).
    """
    base, flooded = result.baseline.percentile_ms(99), result.flooded.percentile_ms(99)
    ratio = result.p99_ratio
    missed = []
    if ratio >= NEIGHBOUR_P99_RATIO_TARGET:
        missed.append(
            f"{backend} neighbour p99 {flooded:.1f} ms during the flood >= "
            f"{NEIGHBOUR_P99_RATIO_TARGET:g}x baseline {base:.1f} ms"
        )
    for label, run in (("alone", result.baseline), ("during the flood", result.flooded)):
        if run.failures:
            missed.append(f"{backend} neighbour {label}: {run.failures} requests without 2xx")
    if result.flood.other:
        missed.append(f"{backend} flood: {result.flood.other} answers neither 2xx nor 429")
    if result.flood.limited == 0:
        missed.append(f"{backend} flood: no 429 at all (the flood never exceeded A's budget)")
    fragment = (
        f"neighbour p99 {base:.1f}->{flooded:.1f}ms x{ratio:.2f} "
        f"(target <{NEIGHBOUR_P99_RATIO_TARGET:g}x; flood {result.flood.wrk.requests_per_s:.0f} "
        f"req/s {result.flood.limited_share:.0%} 429)"
    )
    return fragment, missed


# -- verdict -------------------------------------------------------------------------------


def verdict(backend: str, results: list[Measured]) -> tuple[str, list[str]]:
    """(summary fragment, missed targets) for one back end.

    A target whose endpoint was not measured (``--endpoints`` left it out) counts as
    missed: a partial run never passes.
    """
    read = next((m for m in results if m.endpoint == "read"), None)
    orders = [m for m in results if m.endpoint in ORDERS_PATHS]
    missed = []
    if read is None:
        missed.append(f"{backend} read: not measured")
        read_text = "read=not measured"
    else:
        rps, p99 = read.result.requests_per_s, read.result.p99_ms
        if rps < READ_TARGET_RPS:
            missed.append(f"{backend} read {rps:,.0f} req/s < {READ_TARGET_RPS:,.0f}")
        if p99 >= READ_P99_TARGET_MS:
            missed.append(f"{backend} read p99 {p99:.1f} ms >= {READ_P99_TARGET_MS:g} ms")
        read_text = f"read={rps:.0f} req/s p99={p99:.1f}ms"
    for name in ORDERS_PATHS:
        if not any(m.endpoint == name for m in orders):
            missed.append(f"{backend} {name}: not measured")
    for m in orders:
        if m.result.p99_ms >= ORDERS_P99_TARGET_MS:
            missed.append(
                f"{backend} {m.endpoint} p99 {m.result.p99_ms:.1f} ms >= "
                f"{ORDERS_P99_TARGET_MS:g} ms"
            )
    for m in results:
        if m.result.errors:
            missed.append(f"{backend} {m.endpoint}: {m.result.errors} failed requests")
    orders_text = (
        f"orders100k p99={max(m.result.p99_ms for m in orders):.1f}ms"
        if orders
        else "orders100k=not measured"
    )
    fragment = (
        f"{backend} {read_text} (target >={READ_TARGET_RPS:.0f}, <{READ_P99_TARGET_MS:g}) "
        f"{orders_text} (target <{ORDERS_P99_TARGET_MS:g})"
    )
    return fragment, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--connections",
        type=int,
        default=32,
        help="wrk connections (concurrent clients) for read and list (throughput target)",
    )
    parser.add_argument(
        "--orders-connections",
        type=int,
        default=8,
        help="wrk connections for the two orders lists (a latency target)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of discarded warm-up")
    parser.add_argument(
        "--serial-duration",
        type=int,
        default=5,
        help="seconds of an extra one-connection run per endpoint (service time; 0: skip)",
    )
    parser.add_argument("--orders", type=int, default=100_000, help="orders seeded")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server; a throw-away database is created there and dropped",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--redis-url",
        help=(
            "with --database-url: the production configuration, PostgreSQL and Redis (the "
            "rate limiter's budgets shared by every worker); SQLite runs stay embedded"
        ),
    )
    parser.add_argument(
        "--server",
        choices=("xor", "uvicorn"),
        default="xor",
        help="xor serve (the product, default) or uvicorn on the factory (no access log)",
    )
    parser.add_argument(
        "--endpoints",
        type=lambda text: text.split(","),
        default=["read", "list", *ORDERS_PATHS],
        help=f"comma-separated subset of: read, list, {', '.join(ORDERS_PATHS)} (profiling)",
    )
    parser.add_argument(
        "--neighbour",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="S7 noisy neighbour: tenant B's paced orders list alone, then during tenant "
        "A's wrk flood, on a server with the default per-user rate limit (default: on)",
    )
    parser.add_argument(
        "--neighbour-rate",
        type=float,
        default=8.0,
        help=(
            "tenant B's requests per second (open loop, fixed schedule); within B's own "
            "budget even if every request lands on one worker: an orders list costs 10 "
            "of the 100 units/s"
        ),
    )
    parser.add_argument(
        "--neighbour-duration",
        type=int,
        default=10,
        help="seconds of each of tenant B's windows (alone, then during the flood)",
    )
    parser.add_argument(
        "--neighbour-rounds",
        type=int,
        default=4,
        help=(
            "pairs of windows (B alone, then B during the flood), interleaved so that a "
            "drift of the machine's speed weighs on both sides alike"
        ),
    )
    parser.add_argument(
        "--neighbour-orders", type=int, default=10_000, help="orders seeded for tenant B"
    )
    parser.add_argument(
        "--flood-connections",
        type=int,
        default=128,
        help="wrk connections of tenant A's flood (with --threads threads)",
    )
    args = parser.parse_args()

    backends: list[Backend] = []
    admin_url = ""
    fragments: list[str] = []
    missed: list[str] = []
    try:
        wrk = ensure_wrk()
        if not args.skip_sqlite:
            backends.append(Backend("sqlite", None))
        if args.database_url:
            pg, admin_url = postgres_backend(args.database_url)
            pg.redis_url = args.redis_url
            backends.append(pg)
        if not backends:
            raise SetupError("--skip-sqlite without --database-url leaves nothing to measure")
        print(
            f"  load: wrk {args.threads} threads, {args.connections} connections for read and "
            f"list (a throughput target: enough clients to saturate the server), "
            f"{args.orders_connections} for the orders lists (a latency target, measured at "
            f"moderate concurrency); {args.warmup} s warm-up then {args.duration} s per "
            f"endpoint; server {args.workers} worker(s) on 127.0.0.1"
        )
        print(
            f"  XOR_RATE_LIMIT_PER_USER_PER_S={RATE_LIMIT_FOR_RUN:,} for this run (default "
            "100/s), so that the limiter is exercised but never answers 429"
        )
        for backend in backends:
            print(f"  [{backend.name}]")
            ticks_before = cpu_ticks()
            results, neighbour = measure_backend(backend, args, wrk)
            steal = steal_share(ticks_before, cpu_ticks())
            fragment, backend_missed = verdict(backend.name, results)
            if steal is not None:
                print(
                    f"  CPU steal during the {backend.name} runs: {steal:.1%} of the machine's "
                    "time went to other virtual machines"
                    + (
                        f" (over {NOISY_STEAL:.0%}: these latencies say more about the host "
                        "than about XOR; measure again when it is quiet)"
                        if steal > NOISY_STEAL
                        else ""
                    )
                )
            if neighbour is not None:
                neighbour_fragment, neighbour_missed = neighbour_verdict(backend.name, neighbour)
                fragment += " " + neighbour_fragment
                backend_missed += neighbour_missed
            if steal is not None:
                fragment += f" steal {steal:.0%}" + (" NOISY" if steal > NOISY_STEAL else "")
            fragments.append(fragment)
            missed.extend(backend_missed)
    except SetupError as exc:
        print(f"  setup error: {exc}")
        print(f"SUMMARY api_load: not measured ({str(exc).splitlines()[0]}) FAIL")
        return 2
    finally:
        for backend in backends:
            for name in backend.drop:
                drop_postgres_database(admin_url, name)

    for line in missed:
        print(f"  target missed: {line}")
    passed = not missed
    print(
        f"SUMMARY api_load {'; '.join(fragments)}, {args.workers} workers "
        f"{'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
