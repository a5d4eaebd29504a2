"""A worker with ``record_dir`` records each bot run to ``<bot_id>-<fencing token>.jsonl``,
and ``replay_event_log`` reproduces the run exactly: the warm-up (candles seen, orders
dropped by the guard), the start of the strategies after it, the runtime's own commands
on the way out (cancel everything, flatten) and the footer written when the run ends.
A restarted run that began from restored state is refused by the replay, clearly."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from xor_trading.core.errors import DataError
from xor_trading.runtime.event_log_reader import read_event_log
from xor_trading.runtime.event_replay import replay_event_log
from xor_trading.testing.waiting import wait_until


def _run(bot: Any, worker: Any, candles: int, *, flatten: bool = False) -> None:
    """Acquire and run the bot until it has seen ``candles`` live candles, then shut down."""

    async def go() -> None:
        supervisor = worker.supervisor()
        await supervisor.tick()
        runtime = supervisor.held[bot.bot_id].runtime
        await wait_until(lambda: runtime.candles_seen == candles)
        await supervisor.shutdown(flatten=flatten)

    asyncio.run(go())


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


def test_recorded_worker_run_replays_identically_with_the_footer_hash(
    paper_bot: Any, tmp_path: Path
) -> None:
    paper_bot.start()
    _run(paper_bot, paper_bot.worker(record_dir=tmp_path), paper_bot.live_candles)

    path = tmp_path / f"{paper_bot.bot_id}-1.jsonl"
    lines = _lines(path)
    result = replay_event_log(read_event_log(path))

    assert lines[-1]["type"] == "footer"
    assert result.identical, result.divergence
    assert result.sha256 == lines[-1]["sha256"]
    assert result.outputs == lines[-1]["outputs"] > 0
    assert lines[0]["start_line"] is True
    assert "restored" not in lines[0]


def test_recorded_worker_run_holds_the_warm_up_candles_before_the_start_line(
    paper_bot: Any, tmp_path: Path
) -> None:
    paper_bot.start()
    _run(paper_bot, paper_bot.worker(record_dir=tmp_path), paper_bot.live_candles)

    lines = _lines(tmp_path / f"{paper_bot.bot_id}-1.jsonl")
    types = [line.get("event", line["type"]) for line in lines]
    start = types.index("start")

    assert types[1:start] == ["CandleClosed"] * paper_bot.warmup
    assert types.count("CandleClosed") == len(paper_bot.frame)


def test_recorded_run_flattened_on_shutdown_records_the_runtime_commands_and_replays(
    paper_bot: Any, tmp_path: Path
) -> None:
    paper_bot.start()
    n = paper_bot.candles_until_open_position()
    first_part = paper_bot.frame.between(
        int(paper_bot.frame.ts_ms[0]), int(paper_bot.frame.ts_ms[n])
    )
    _run(
        paper_bot,
        paper_bot.worker(first_part, record_dir=tmp_path),
        n - paper_bot.warmup,
        flatten=True,
    )

    path = tmp_path / f"{paper_bot.bot_id}-1.jsonl"
    lines = _lines(path)
    runtime_inputs = [
        (line["event"], line["data"].get("tag"))
        for line in lines
        if line["type"] == "input" and line["event"] in ("CancelAllOrders", "SubmitOrder")
    ]
    flatten_fill = [
        line
        for line in lines
        if line["type"] == "output"
        and line["event"] == "OrderFilled"
        and line["data"]["fill"]["order_id"].startswith("1.F-")
    ]
    result = replay_event_log(read_event_log(path))

    assert runtime_inputs == [("CancelAllOrders", None), ("SubmitOrder", "flatten")]
    assert len(flatten_fill) == 1
    assert result.identical, result.divergence
    assert result.sha256 == lines[-1]["sha256"]


def test_replay_of_restarted_run_with_restored_position_refuses_naming_the_restored_state(
    paper_bot: Any, tmp_path: Path
) -> None:
    paper_bot.start()
    n = paper_bot.candles_until_open_position()
    first_part = paper_bot.frame.between(
        int(paper_bot.frame.ts_ms[0]), int(paper_bot.frame.ts_ms[n])
    )
    _run(paper_bot, paper_bot.worker(first_part, record_dir=tmp_path), n - paper_bot.warmup)
    _run(
        paper_bot,
        paper_bot.worker(record_dir=tmp_path, start_at=n, worker_id="worker-b"),
        len(paper_bot.frame) - n,
    )

    first = read_event_log(tmp_path / f"{paper_bot.bot_id}-1.jsonl")
    second = read_event_log(tmp_path / f"{paper_bot.bot_id}-2.jsonl")

    assert replay_event_log(first).identical
    assert second.header["restored"] == {"orders": 0, "positions": 1}
    with pytest.raises(DataError, match=r"this log starts from restored state \(0 order\(s\) "):
        replay_event_log(second)
