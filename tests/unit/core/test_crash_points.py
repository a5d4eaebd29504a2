"""Crash points: the armed point exits the process at once with 137 (after its skips),
every other point and an unset environment do nothing, a mistyped name is refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from xor_trading.core import crash_points
from xor_trading.core.crash_points import CRASH_EXIT_CODE, CRASH_POINTS
from xor_trading.core.errors import ConfigError

# Three passes of the armed point, then an "ok" line: what a process gets to print.
SCRIPT = """
from xor_trading.core.crash_points import crash_point
for i in range(3):
    crash_point("before_intent_commit")
    print(f"passed {i}", flush=True)
crash_point("after_commit_before_send")
print("ok", flush=True)
"""


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XOR_CRASH")}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_armed_point_exits_with_137_at_once() -> None:
    done = _run(XOR_CRASH_POINT="before_intent_commit")

    assert done.returncode == CRASH_EXIT_CODE
    assert done.stdout == ""
    assert "crash point before_intent_commit reached" in done.stderr


def test_armed_point_passes_its_skips_then_exits() -> None:
    done = _run(XOR_CRASH_POINT="before_intent_commit", XOR_CRASH_SKIP="2")

    assert done.returncode == CRASH_EXIT_CODE
    assert done.stdout.splitlines() == ["passed 0", "passed 1"]


def test_unarmed_process_passes_every_point() -> None:
    done = _run()

    assert done.returncode == 0
    assert done.stdout.splitlines() == ["passed 0", "passed 1", "passed 2", "ok"]


def test_every_point_is_named_once() -> None:
    assert len(set(CRASH_POINTS)) == len(CRASH_POINTS) == 6


def test_a_mistyped_crash_point_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crash_points, "_armed", "after_send")

    with pytest.raises(ConfigError, match="XOR_CRASH_POINT='after_send' is not a crash point"):
        crash_points.armed_crash_point()
