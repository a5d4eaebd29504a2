"""bench/api_load.py: wrk's XOR_WRK line is parsed exactly, and the verdict applies the targets."""

from __future__ import annotations

import http.server
import importlib.util
import re
import socketserver
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"

# A real wrk 4.1.0 run with bench/wrk/authenticated_get.lua (the human table, then the hook).
WRK_STDOUT = """Running 2s test @ http://127.0.0.1:18765/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.31ms    2.31ms  17.18ms   73.54%
    Req/Sec   468.50     38.09   550.00     72.50%
  1868 requests in 2.00s, 3.35MB read
Requests/sec:    931.84
Transfer/sec:      1.67MB
XOR_WRK requests=1868 duration_us=2004645 bytes=3508260 connect_errors=0 read_errors=0 \
write_errors=0 status_errors=0 timeouts=0 mean_us=4308.2 p50_us=3953 p90_us=7274 \
p99_us=12483 max_us=17185
"""


def xor_wrk(**overrides: str) -> str:
    fields = {
        "requests": "12000",
        "duration_us": "10000000",
        "bytes": "1",
        "connect_errors": "0",
        "read_errors": "0",
        "write_errors": "0",
        "status_errors": "0",
        "timeouts": "0",
        "mean_us": "1000.0",
        "p50_us": "1000",
        "p90_us": "2000",
        "p99_us": "3000",
        "max_us": "9000",
    }
    fields.update(overrides)
    return "XOR_WRK " + " ".join(f"{k}={v}" for k, v in fields.items()) + "\n"


@pytest.fixture(scope="module")
def api_load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_load", BENCH / "api_load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["api_load"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_real_wrk_output_is_parsed_to_the_microsecond(api_load: ModuleType) -> None:
    result = api_load.parse_wrk_output(WRK_STDOUT)

    assert result == api_load.WrkResult(
        requests=1868,
        duration_us=2004645,
        bytes=3508260,
        connect_errors=0,
        read_errors=0,
        write_errors=0,
        status_errors=0,
        timeouts=0,
        mean_us=4308.2,
        p50_us=3953,
        p90_us=7274,
        p99_us=12483,
        max_us=17185,
    )
    assert result.requests_per_s == pytest.approx(1868 / 2.004645, rel=1e-12)
    assert result.p99_ms == 12.483
    assert result.errors == 0


def test_every_kind_of_failure_counts_as_an_error(api_load: ModuleType) -> None:
    text = xor_wrk(
        connect_errors="1", read_errors="2", write_errors="4", status_errors="8", timeouts="16"
    )

    assert api_load.parse_wrk_output(text).errors == 31


def test_the_last_xor_wrk_line_counts(api_load: ModuleType) -> None:
    text = xor_wrk(p99_us="1") + "noise\n" + xor_wrk(p99_us="2")

    assert api_load.parse_wrk_output(text).p99_us == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Requests/sec:    931.84\n", "wrk printed no XOR_WRK line"),
        (xor_wrk().replace(" p99_us=3000", ""), "XOR_WRK line lacks p99_us"),
        (xor_wrk(p99_us="12.5ms"), "not a number"),
        (xor_wrk().replace("bytes=1", "bytes"), "field 'bytes' is not key=value"),
    ],
)
def test_malformed_output_is_refused_with_the_reason(
    api_load: ModuleType, text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        api_load.parse_wrk_output(text)


def test_the_lua_hook_prints_exactly_the_fields_the_parser_requires(api_load: ModuleType) -> None:
    lua = (BENCH / "wrk" / "authenticated_get.lua").read_text()
    printed = re.findall(r"(\w+)=%", lua)

    assert tuple(printed) == api_load.WRK_FIELDS


def measured(api_load: ModuleType, endpoint: str, **fields: str) -> object:
    result = api_load.parse_wrk_output(xor_wrk(**fields))
    return api_load.Measured(endpoint, "/x", result, server_cpu_s=1.0, response_bytes=10)


def test_verdict_passes_at_the_targets_and_names_each_miss(api_load: ModuleType) -> None:
    # 10,000 requests in 10 s is exactly 1,000/s (passes); p99 49.999 ms is under 50.
    fast = [
        measured(api_load, "read", requests="10000", p99_us="49999"),
        measured(api_load, "orders", p99_us="99999"),
        measured(api_load, "orders_filtered", p99_us="20000"),
    ]
    fragment, missed = api_load.verdict("sqlite", fast)

    assert missed == []
    assert fragment == (
        "sqlite read=1000 req/s p99=50.0ms (target >=1000, <50) "
        "orders100k p99=100.0ms (target <100)"
    )

    slow = [
        measured(api_load, "read", requests="9990", p99_us="50000"),
        measured(api_load, "orders", p99_us="100000", status_errors="3"),
        measured(api_load, "orders_filtered", p99_us="1000"),
    ]
    _, missed = api_load.verdict("postgresql", slow)

    assert missed == [
        "postgresql read 999 req/s < 1,000",
        "postgresql read p99 50.0 ms >= 50 ms",
        "postgresql orders p99 100.0 ms >= 100 ms",
        "postgresql orders: 3 failed requests",
    ]


def test_a_partial_run_never_passes(api_load: ModuleType) -> None:
    fragment, missed = api_load.verdict("sqlite", [measured(api_load, "orders", p99_us="1000")])

    assert missed == ["sqlite read: not measured", "sqlite orders_filtered: not measured"]
    assert fragment == (
        "sqlite read=not measured (target >=1000, <50) orders100k p99=1.0ms (target <100)"
    )


# -- S7: the noisy neighbour ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pct", "expected"),
    [(1, 1.0), (50, 50.0), (50.5, 51.0), (99, 99.0), (99.01, 100.0), (100, 100.0)],
)
def test_nearest_rank_percentile_is_an_actual_sample(
    api_load: ModuleType, pct: float, expected: float
) -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted

    assert api_load.nearest_rank_percentile(values, pct) == expected


def test_nearest_rank_percentile_of_500_samples_is_the_495th(api_load: ModuleType) -> None:
    values = list(range(1, 501))

    assert api_load.nearest_rank_percentile(values, 99) == 495
    assert api_load.nearest_rank_percentile([7.5], 99) == 7.5


@pytest.mark.parametrize(
    ("values", "pct", "message"),
    [([], 99, "no values"), ([1.0], 0, "pct must be in (0, 100]"), ([1.0], 101, "pct")],
)
def test_nearest_rank_percentile_refuses_nonsense(
    api_load: ModuleType, values: list[float], pct: float, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        api_load.nearest_rank_percentile(values, pct)


def test_response_head_gives_status_and_content_length(api_load: ModuleType) -> None:
    head = (
        b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
        b"Content-Length:  173\r\nretry-after: 1\r\n\r\n"
    )

    assert api_load.parse_response_head(head) == (429, 173)


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"HTTP/2 200\r\ncontent-length: 2\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", "no Content-Length"),
    ],
)
def test_response_head_without_what_the_client_needs_is_refused(
    api_load: ModuleType, head: bytes, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        api_load.parse_response_head(head)


def test_flood_output_counts_answers_by_status(api_load: ModuleType) -> None:
    text = xor_wrk(requests="1000", status_errors="950") + "XOR_FLOOD ok=50 limited=940 other=10\n"

    flood = api_load.parse_flood_output(text)

    assert (flood.ok, flood.limited, flood.other) == (50, 940, 10)
    assert flood.wrk.requests == 1000
    assert flood.limited_share == 0.94


def test_flood_output_without_its_counts_is_refused(api_load: ModuleType) -> None:
    with pytest.raises(ValueError, match="no XOR_FLOOD line"):
        api_load.parse_flood_output(xor_wrk())


def test_the_flood_lua_prints_what_its_parser_reads(api_load: ModuleType) -> None:
    lua = (BENCH / "wrk" / "flood.lua").read_text()
    xor_wrk_format = lua[lua.index('"XOR_WRK ') : lua.index("\\n", lua.index('"XOR_WRK '))]

    assert tuple(re.findall(r"(\w+)=%", xor_wrk_format)) == api_load.WRK_FIELDS
    assert 'XOR_FLOOD ok=%.0f limited=%.0f other=%.0f\\n"' in lua


def paced(
    api_load: ModuleType, latencies_ms: list[float], statuses: dict[int, int] | None = None
) -> object:
    return api_load.PacedRun(
        latencies_us=tuple(ms * 1000 for ms in latencies_ms),
        statuses=statuses or {200: len(latencies_ms)},
        errors={},
        duration_s=10.0,
        max_lag_ms=0.5,
    )


def neighbour(
    api_load: ModuleType,
    base_p99_ms: float,
    flood_p99_ms: float,
    *,
    flood_line: str = "XOR_FLOOD ok=2000 limited=48000 other=0\n",
    flooded_statuses: dict[int, int] | None = None,
) -> Any:
    # 100 samples each: the p99 is the 99th smallest, the slowest is above it.
    base = paced(api_load, [1.0] * 98 + [base_p99_ms, 500.0])
    flooded = paced(api_load, [1.0] * 98 + [flood_p99_ms, 500.0], flooded_statuses)
    flood = api_load.parse_flood_output(
        xor_wrk(requests="50000", duration_us="12000000") + flood_line
    )
    return api_load.NeighbourResult(
        baseline=base,
        flooded=flooded,
        flood=flood,
        flood_connections=128,
        baseline_cpu_s=0.5,  # 5,000 us per request of B's (100 requests)
        flood_cpu_s=14.0,
        flood_window_s=10.0,
        allowed_cpu_us=4000.0,
    )


def test_neighbour_verdict_passes_just_under_twice_the_baseline(api_load: ModuleType) -> None:
    fragment, missed = api_load.neighbour_verdict("sqlite", neighbour(api_load, 10.0, 19.99))

    assert missed == []
    assert fragment == ("neighbour p99 10.0->20.0ms x2.00 (target <2x; flood 4167 req/s 96% 429)")


def test_neighbour_verdict_names_every_miss(api_load: ModuleType) -> None:
    result = neighbour(
        api_load,
        10.0,
        20.0,
        flood_line="XOR_FLOOD ok=49990 limited=0 other=10\n",
        flooded_statuses={200: 100, 429: 3},
    )

    _, missed = api_load.neighbour_verdict("postgresql", result)

    assert missed == [
        "postgresql neighbour p99 20.0 ms during the flood >= 2x baseline 10.0 ms",
        "postgresql neighbour during the flood: 3 requests without 2xx",
        "postgresql flood: 10 answers neither 2xx nor 429",
        "postgresql flood: no 429 at all (the flood never exceeded A's budget)",
    ]


def test_a_request_without_an_answer_is_a_failure(api_load: ModuleType) -> None:
    run = api_load.PacedRun(
        latencies_us=(1000.0,),
        statuses={200: 1},
        errors={"TimeoutError": 2},
        duration_s=1.0,
        max_lag_ms=0.0,
    )

    assert (run.requests, run.failures, run.requests_per_s) == (3, 2, 3.0)


def test_the_cost_of_a_rejection_is_what_is_left_after_b_and_the_allowed_requests(
    api_load: ModuleType,
) -> None:
    result = neighbour(api_load, 10.0, 15.0)

    # Window 10 s; the flood ran 12 s: 2000/12 allowed and 48000/12 refused per second.
    # B: 100 requests at 5,000 us = 0.5 s; A allowed: 1666.67 x 4,000 us = 6.6667 s;
    # left 14 - 0.5 - 6.6667 = 6.8333 s over 40,000 refusals = 170.83 us each.
    assert result.server_cpu_us_per_rejection() == pytest.approx(6.8333333e6 / 40_000)
    # Upper bound: (14 - 0.5) s over A's 50000/12 x 10 requests.
    assert result.server_cpu_us_per_flood_request() == pytest.approx(13.5e6 / (50_000 / 1.2))


def test_the_paced_client_sends_on_schedule_and_counts_every_answer(
    api_load: ModuleType,
) -> None:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the API server

        def do_GET(self) -> None:
            seen.append(self.headers["Authorization"])
            status = 200 if len(seen) % 2 else 429
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        run = api_load.paced_gets(f"http://127.0.0.1:{port}/x?y=1", "tok", 100.0, 0.2)
    finally:
        server.shutdown()
        server.server_close()

    assert run.statuses == {200: 10, 429: 10}
    assert len(run.latencies_us) == 10
    assert run.errors == {}
    assert seen == ["Bearer tok"] * 20
    assert 0.19 <= run.duration_s < 1.0  # 20 requests due 10 ms apart, the last at 190 ms


def test_interleaved_windows_merge_into_one_run_of_every_sample(api_load: ModuleType) -> None:
    first = api_load.PacedRun((1000.0, 2000.0), {200: 2, 429: 1}, {"TimeoutError": 1}, 10.0, 0.5)
    second = api_load.PacedRun((3000.0,), {200: 1}, {"OSError": 2, "TimeoutError": 1}, 9.5, 4.0)

    merged = api_load.merge_paced([first, second])

    assert merged.latencies_us == (1000.0, 2000.0, 3000.0)
    assert merged.statuses == {200: 3, 429: 1}
    assert merged.errors == {"TimeoutError": 2, "OSError": 2}
    assert (merged.duration_s, merged.max_lag_ms) == (19.5, 4.0)
    assert (merged.requests, merged.failures) == (8, 5)
    with pytest.raises(ValueError, match="no runs"):
        api_load.merge_paced([])


def test_floods_merge_by_adding_counts_and_keeping_the_worst_percentiles(
    api_load: ModuleType,
) -> None:
    a = api_load.parse_flood_output(
        xor_wrk(requests="1000", duration_us="10000000", mean_us="100.0", p99_us="3000")
        + "XOR_FLOOD ok=100 limited=900 other=0\n"
    )
    b = api_load.parse_flood_output(
        xor_wrk(requests="3000", duration_us="5000000", mean_us="200.0", p99_us="2500")
        + "XOR_FLOOD ok=50 limited=2949 other=1\n"
    )

    merged = api_load.merge_floods([a, b])

    assert (merged.ok, merged.limited, merged.other) == (150, 3849, 1)
    assert (merged.wrk.requests, merged.wrk.duration_us) == (4000, 15_000_000)
    assert merged.wrk.mean_us == 175.0  # (1000 x 100 + 3000 x 200) / 4000
    assert merged.wrk.p99_us == 3000
    assert merged.wrk.requests_per_s == pytest.approx(4000 / 15)
    with pytest.raises(ValueError, match="no floods"):
        api_load.merge_floods([])


# A /proc/stat of a 2-core VM: user nice system idle iowait irq softirq steal guest guest_nice.
PROC_STAT_BEFORE = """cpu  1000 10 300 8000 50 0 40 100 0 0
cpu0 500 5 150 4000 25 0 20 50 0 0
intr 12345
"""
PROC_STAT_AFTER = """cpu  1300 10 400 8400 50 0 40 300 0 0
cpu0 650 5 200 4200 25 0 20 150 0 0
"""


def test_steal_share_is_the_stolen_part_of_all_cpu_time_between_two_readings(
    api_load: ModuleType,
) -> None:
    module = api_load
    before = module.parse_cpu_ticks(PROC_STAT_BEFORE)
    after = module.parse_cpu_ticks(PROC_STAT_AFTER)
    assert (before.steal, before.total) == (100, 9500)
    assert (after.steal, after.total) == (300, 10500)
    assert module.steal_share(before, after) == pytest.approx(200 / 1000)
    assert module.steal_share(after, before) is None  # no time passed: no share
    assert module.steal_share(None, after) is None
    with pytest.raises(ValueError, match="no 'cpu' line"):
        module.parse_cpu_ticks("intr 1\n")
