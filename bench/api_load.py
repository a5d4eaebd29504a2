"""API load: requests/s and p99 of an authenticated read, and of listing 100,000 orders.

    .venv/bin/python bench/api_load.py [--workers 2] [--connections 32]
        [--orders-connections 8] [--duration 10]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--skip-sqlite]
        [--server xor|uvicorn] [--endpoints read,list,orders,orders_filtered]

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
     authentication state, from the per-process cache or the database, then the user row
     read from the database and a response model);
   * ``list``: ``GET /api/v1/bots`` (the same checks, one page of the trader's bots and
     its total from the database; printed, no target: it shows what a typical list costs);
   * ``orders``: ``GET /api/v1/orders?limit=50`` (newest 50 of 100,000, with the total);
   * ``orders_filtered``: filled BTC/USDT orders (12,500 rows), newest first, third page;

4. the server is stopped (SIGTERM to its process group, SIGKILL after 10 s), always.

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

Exit status: 0 every target met; 1 a target missed (or an endpoint left out with
``--endpoints``); 2 the run could not be set up. Prints ONE summary line
``SUMMARY api_load ... PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
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
import urllib.request
from collections.abc import Iterator, Mapping
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


def server_environment(data_dir: Path, backend: Backend) -> dict[str, str]:
    """The XOR_* variables the seeding code and the server share (same secrets, same DB)."""
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
        create_schema(container.database)
        user_id = create_user_record(
            container, email="bench-trader@example.test", password=BENCH_PASSWORD, role=Role.TRADER
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
    env: Mapping[str, str], port: int, workers: int, server: str, log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """The server on ``port``, answering /api/v1/health; stopped on exit, always."""
    command = server_command(port, workers, server)
    print(f"  server: {Path(command[0]).name} {' '.join(command[1:])}")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
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


def measure_backend(backend: Backend, args: argparse.Namespace, wrk: str) -> list[Measured]:
    with tempfile.TemporaryDirectory(prefix="xor-api-load-") as tmp:
        data_dir = Path(tmp)
        env = server_environment(data_dir, backend)
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
        return results


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
            results = measure_backend(backend, args, wrk)
            fragment, backend_missed = verdict(backend.name, results)
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
