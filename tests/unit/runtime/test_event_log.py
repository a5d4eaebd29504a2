"""Recording a paper bot's run as an event log and replaying it.

A paper run of sma_cross on the shipped BTC/USDT 1m candles is recorded through the kernel
and the simulated venue; the replay rebuilds the kernel from the header, takes the venue's
reports from the file, and must produce the same outputs, line by line and by hash.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xor_trading.core.clock import TestClock
from xor_trading.core.errors import DataError, UnknownOutcomeError
from xor_trading.core.ids import Symbol
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.events import CandleClosed
from xor_trading.domain.orders import Order
from xor_trading.execution.ports import ExchangePort
from xor_trading.risk.kill_switch import GLOBAL_SCOPE
from xor_trading.runtime.bot_assembly import AssembledBot, assemble_bot, paper_venue
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.event_log import (
    FORMAT,
    VERSION,
    EventLogRecorder,
    RecordingGate,
    RecordingVenue,
    bot_spec_header,
    output_item,
    output_stream_hash,
)
from xor_trading.runtime.event_log_reader import read_event_log
from xor_trading.runtime.event_replay import ReplayResult, replay_event_log

SAMPLE = (
    Path(__file__).resolve().parents[3] / "src/xor_trading/data/samples/binance/BTC-USDT/1m.parquet"
)
BTC = Symbol("BTC/USDT")
SPEC = BotSpec(
    bot_id="b-1",
    owner_id="u-1",
    strategy="sma_cross",
    symbols=("BTC/USDT",),
    timeframe="1m",
    params={"fast": 5, "slow": 20},
)
CANDLES = 2_000


@pytest.fixture(scope="module")
def candles() -> list[Candle]:
    frame = read_candle_parquet(SAMPLE, 60_000)
    return [c for _, c in zip(range(CANDLES), frame.iter_candles(), strict=False)]


class _UnknownOnThirdSubmit:
    """A venue whose third submission times out: it never hears of that order."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.submits = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def submit_order(self, order: Order) -> None:
        self.submits += 1
        if self.submits == 3:
            raise UnknownOutcomeError("the venue did not answer within 10 s", "reconcile")
        self.inner.submit_order(order)


def record(
    candles: list[Candle],
    *,
    gate: Callable[[object], bool] | None = None,
    after_candle: Callable[[int, AssembledBot], None] | None = None,
    venue_wrapper: Callable[[Any], ExchangePort] | None = None,
) -> str:
    """A paper run of ``candles``, recorded; returns the log's text."""
    clock = TestClock(candles[0].ts_ms)
    sim = paper_venue(SPEC, clock)
    venue = RecordingVenue(venue_wrapper(sim) if venue_wrapper else sim)
    recording_gate = RecordingGate(gate) if gate is not None else None
    bot = assemble_bot(SPEC, clock, venue, command_gate=recording_gate)
    out = io.StringIO()
    recorder = EventLogRecorder(bot.kernel.bus, out, bot_spec_header(SPEC), clock=clock,
                                venue=venue, gate=recording_gate)  # fmt: skip
    bot.start()
    for i, candle in enumerate(candles):
        # AssembledBot.feed_candle, with the simulated venue behind the recording wrapper.
        clock.set_time(candle.ts_ms)
        sim.on_candle(BTC, candle)
        clock.set_time(candle.close_ms)
        bot.kernel.bus.publish(CandleClosed(BTC, candle))
        if after_candle is not None:
            after_candle(i, bot)
    recorder.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def paper_log(candles: list[Candle]) -> str:
    return record(candles)


def replay_text(text: str) -> ReplayResult:
    return replay_event_log(read_event_log(io.StringIO(text)))


def lines_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def text_of(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines)


def first_index(lines: list[dict[str, Any]], type_: str, event: str) -> int:
    return next(
        i for i, line in enumerate(lines) if (line["type"], line.get("event")) == (type_, event)
    )


# -- recording --------------------------------------------------------------------------------


def test_recorded_header_names_format_version_spec_and_venue(paper_log: str) -> None:
    header = lines_of(paper_log)[0]
    assert (header["type"], header["format"], header["version"]) == ("header", FORMAT, VERSION)
    assert header["spec"]["strategy"] == "sma_cross"
    assert header["spec"]["params"] == {"fast": 5, "slow": 20}
    assert header["spec"]["stake"] == "100"
    assert header["venue"] == {
        "name": "paper:binance",
        "capabilities": {"stop_market": True, "stop_limit": True, "oco": True},
    }


def test_recorded_paper_run_holds_every_candle_as_an_input(paper_log: str) -> None:
    candles = [line for line in lines_of(paper_log) if line.get("event") == "CandleClosed"]
    assert len(candles) == CANDLES
    assert all(line["type"] == "input" for line in candles)


def test_recorded_paper_run_trades_with_fills_as_inputs_and_outputs(paper_log: str) -> None:
    lines = lines_of(paper_log)
    reports = [line for line in lines if line.get("event") == "OrderFilledReport"]
    fills = [line for line in lines if line.get("event") == "OrderFilled"]
    assert len(reports) == len(fills) > 10
    assert {line["type"] for line in reports} == {"input"}
    assert [r["data"]["fill"] for r in reports] == [f["data"]["fill"] for f in fills]


def test_recorded_submission_is_a_call_carrying_the_venue_acceptance(paper_log: str) -> None:
    lines = lines_of(paper_log)
    call = next(line for line in lines if line["type"] == "call")
    assert call["op"] == "submit_order"
    assert call["args"]["order"]["order_id"] == "O-1"
    assert [r["event"] for r in call["reports"]] == ["OrderAcceptedReport"]
    assert call["raised"] is None


def test_recorded_candle_line_precedes_the_orders_it_caused(paper_log: str) -> None:
    lines = lines_of(paper_log)
    first_call = next(i for i, line in enumerate(lines) if line["type"] == "call")
    # the candle, then INITIALIZED and SUBMITTED, then the call
    assert lines[first_call - 3]["event"] == "CandleClosed"
    assert [lines[first_call - k]["data"]["status"] for k in (2, 1)] == ["initialized", "submitted"]


def test_footer_holds_the_hash_of_the_output_lines(paper_log: str) -> None:
    lines = lines_of(paper_log)
    footer = lines[-1]
    outputs = [output_item(line) for line in lines if line["type"] in ("output", "call")]
    assert footer["type"] == "footer"
    assert footer["outputs"] == len(outputs)
    assert footer["sha256"] == output_stream_hash(outputs)


# -- replay -------------------------------------------------------------------------------------


def test_replay_of_recorded_paper_run_is_identical_with_the_same_hash(paper_log: str) -> None:
    result = replay_text(paper_log)
    footer = lines_of(paper_log)[-1]
    assert result.divergence is None
    assert result.sha256 == footer["sha256"] == result.recorded_sha256
    assert result.outputs == footer["outputs"]


def test_replay_of_tampered_fill_price_diverges_at_that_line(paper_log: str) -> None:
    lines = lines_of(paper_log)
    i = first_index(lines, "output", "OrderFilled")
    real = lines[i]["data"]["fill"]["price"]
    lines[i]["data"]["fill"]["price"] = "1.00"
    result = replay_text(text_of(lines))
    assert result.divergence is not None
    assert result.divergence.line == i + 1
    assert result.divergence.expected is not None
    assert result.divergence.expected["data"]["fill"]["price"] == "1.00"
    assert result.divergence.actual is not None
    assert result.divergence.actual["data"]["fill"]["price"] == real


def test_replay_of_tampered_venue_fill_diverges_at_the_first_output_it_changes(
    paper_log: str,
) -> None:
    lines = lines_of(paper_log)
    i = first_index(lines, "input", "OrderFilledReport")
    lines[i]["data"]["fill"]["price"] = "1.00"
    result = replay_text(text_of(lines))
    assert result.divergence is not None
    # the portfolio books the fill (PositionChanged) before the fill event is published
    assert lines[i + 1]["event"] == "PositionChanged"
    assert result.divergence.line == i + 2
    assert result.divergence.actual is not None
    assert result.divergence.actual["data"]["avg_entry"] == "1.00"


def test_replay_of_log_without_footer_is_identical_without_recorded_hash(paper_log: str) -> None:
    result = replay_text(text_of(lines_of(paper_log)[:-1]))
    assert result.divergence is None
    assert result.recorded_sha256 is None
    assert result.sha256 == lines_of(paper_log)[-1]["sha256"]


def test_replay_with_tampered_footer_hash_diverges_at_the_footer(paper_log: str) -> None:
    lines = lines_of(paper_log)
    lines[-1]["sha256"] = "0" * 64
    result = replay_text(text_of(lines))
    assert result.divergence is not None
    assert result.divergence.line == len(lines)
    assert "footer" in result.divergence.reason


def test_replay_of_log_with_an_output_removed_reports_the_extra_output(paper_log: str) -> None:
    lines = lines_of(paper_log)
    i = first_index(lines, "output", "PositionChanged")
    del lines[i]
    result = replay_text(text_of(lines))
    assert result.divergence is not None
    assert result.divergence.line == i + 1  # now the OrderFilled line stands there
    assert result.divergence.actual is not None
    assert result.divergence.actual["event"] == "PositionChanged"


def test_replay_of_run_with_gate_refusing_entries_is_identical(candles: list[Candle]) -> None:
    asked: list[object] = []

    def gate(command: object) -> bool:  # a pause after the third entry: no new entries
        asked.append(command)
        return not (isinstance(command, SubmitOrder) and command.tag == "entry" and len(asked) > 5)

    text = record(candles, gate=gate)
    gates = [line for line in lines_of(text) if line["type"] == "gate"]
    assert [g["allowed"] for g in gates].count(False) > 0
    assert replay_text(text).divergence is None


def test_replay_with_flipped_gate_decision_diverges(candles: list[Candle]) -> None:
    text = record(candles, gate=lambda command: True)
    lines = lines_of(text)
    i = next(i for i, line in enumerate(lines) if line["type"] == "gate")
    lines[i]["allowed"] = False
    result = replay_text(text_of(lines))
    assert result.divergence is not None
    assert result.divergence.line == i + 2  # the order's INITIALIZED, never produced
    assert result.divergence.expected is not None
    assert result.divergence.expected["data"]["status"] == "initialized"
    assert result.divergence.actual is None


def test_replay_of_run_with_kill_switch_flattening_is_identical(candles: list[Candle]) -> None:
    engaged: list[int] = []

    def kill_when_long(i: int, bot: AssembledBot) -> None:
        if not engaged and i > 1_000 and bot.kernel.portfolio.position_quantity(BTC) > 0:
            engaged.append(i)
            now = bot.clock.now_ms()
            risk = bot.kernel.risk
            risk.engage_kill_switch(
                GLOBAL_SCOPE, "operator stop", flatten=True, ts_ms=now, by="ana"
            )

    text = record(candles, after_candle=kill_when_long)
    lines = lines_of(text)
    assert engaged
    assert first_index(lines, "input", "KillSwitchEngaged") > 0
    assert any(line.get("args", {}).get("order", {}).get("tag") == "kill_switch" for line in lines)
    assert replay_text(text).divergence is None


def test_replay_of_run_with_unknown_outcome_submission_is_identical(
    candles: list[Candle],
) -> None:
    text = record(candles, venue_wrapper=_UnknownOnThirdSubmit)
    lines = lines_of(text)
    raised = [line for line in lines if line["type"] == "call" and line["raised"]]
    assert [line["raised"]["error"] for line in raised] == ["UnknownOutcomeError"]
    assert any(line.get("data", {}).get("status") == "unknown" for line in lines)
    assert replay_text(text).divergence is None


# -- reading ------------------------------------------------------------------------------------


def test_read_log_with_other_version_raises_data_error(paper_log: str) -> None:
    lines = lines_of(paper_log)
    lines[0]["version"] = 99
    with pytest.raises(DataError, match="version 99; this XOR reads version 1"):
        read_event_log(io.StringIO(text_of(lines)))


def test_read_log_without_header_raises_data_error(paper_log: str) -> None:
    text = text_of(lines_of(paper_log)[1:])
    with pytest.raises(DataError, match="not an XOR event log"):
        read_event_log(io.StringIO(text))


def test_read_log_with_broken_json_names_the_line(paper_log: str) -> None:
    text = paper_log.splitlines(keepends=True)
    text[4] = text[4][:20] + "\n"
    with pytest.raises(DataError, match="line 5 is not valid JSON"):
        read_event_log(io.StringIO("".join(text)))


def test_read_log_with_unknown_line_type_names_the_line(paper_log: str) -> None:
    lines = lines_of(paper_log)
    lines[2]["type"] = "gossip"
    with pytest.raises(DataError, match="line 3 has an unknown type 'gossip'"):
        read_event_log(io.StringIO(text_of(lines)))


def test_read_log_with_line_after_footer_raises_data_error(paper_log: str) -> None:
    lines = lines_of(paper_log)
    with pytest.raises(DataError, match="follows the footer"):
        read_event_log(io.StringIO(text_of([*lines, lines[1]])))


def test_read_empty_log_raises_data_error() -> None:
    with pytest.raises(DataError, match="is empty"):
        read_event_log(io.StringIO(""))


def test_read_missing_file_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no event log at"):
        read_event_log(tmp_path / "absent.jsonl")


def test_read_log_recorded_without_the_venue_raises_data_error(candles: list[Candle]) -> None:
    clock = TestClock(candles[0].ts_ms)
    bot = assemble_bot(SPEC, clock, paper_venue(SPEC, clock))
    out = io.StringIO()
    EventLogRecorder(bot.kernel.bus, out, bot_spec_header(SPEC), clock=clock).close()
    with pytest.raises(DataError, match="without the venue's reports"):
        read_event_log(io.StringIO(out.getvalue()))


def test_recorder_writes_to_a_path_and_closes_it(tmp_path: Path, candles: list[Candle]) -> None:
    clock = TestClock(candles[0].ts_ms)
    venue = RecordingVenue(paper_venue(SPEC, clock))
    bot = assemble_bot(SPEC, clock, venue)
    path = tmp_path / "run.jsonl"
    with EventLogRecorder(bot.kernel.bus, path, bot_spec_header(SPEC), clock=clock, venue=venue):
        bot.feed_candle(candles[0])
    log = read_event_log(path)
    assert [line.type for line in log.lines] == ["input"]
    assert log.footer is not None
    assert log.footer["inputs"] == 1
