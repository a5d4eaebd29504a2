"""bench/api_load.py: wrk's XOR_WRK line is parsed exactly, and the verdict applies the targets."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

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
