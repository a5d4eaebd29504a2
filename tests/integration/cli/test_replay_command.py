"""``xor replay FILE``: 0 and the hash when the replay is identical, 1 and the first
divergent line when it is not, 2 and one sentence when the file cannot be replayed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from xor_trading.cli.main import app
from xor_trading.core.clock import TestClock
from xor_trading.core.ids import Symbol
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.domain.events import CandleClosed
from xor_trading.runtime.bot_assembly import assemble_bot, paper_venue
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.event_log import EventLogRecorder, RecordingVenue, bot_spec_header

SAMPLE = (
    Path(__file__).resolve().parents[3] / "src/xor_trading/data/samples/binance/BTC-USDT/1m.parquet"
)
BTC = Symbol("BTC/USDT")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A paper run of sma_cross (5/20) on 1,200 shipped BTC/USDT 1m candles, recorded."""
    spec = BotSpec(bot_id="b-1", owner_id="u-1", strategy="sma_cross", symbols=("BTC/USDT",),
                   timeframe="1m", params={"fast": 5, "slow": 20})  # fmt: skip
    frame = read_candle_parquet(SAMPLE, 60_000)
    clock = TestClock(int(frame.ts_ms[0]))
    sim = paper_venue(spec, clock)
    venue = RecordingVenue(sim)
    bot = assemble_bot(spec, clock, venue)
    path = tmp_path_factory.mktemp("replay") / "paper.jsonl"
    with EventLogRecorder(bot.kernel.bus, path, bot_spec_header(spec), clock=clock, venue=venue):
        bot.start()
        for _, candle in zip(range(1_200), frame.iter_candles(), strict=False):
            clock.set_time(candle.ts_ms)
            sim.on_candle(BTC, candle)
            clock.set_time(candle.close_ms)
            bot.kernel.bus.publish(CandleClosed(BTC, candle))
    return path


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_replay_identical_run_exits_0_and_prints_the_recorded_hash(recorded: Path) -> None:
    footer = lines_of(recorded)[-1]
    result = CliRunner().invoke(app, ["replay", str(recorded)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"identical: {footer['outputs']} outputs from {footer['inputs']} inputs",
        f"sha256 {footer['sha256']}",
    ]


def test_replay_tampered_fill_price_exits_1_naming_line_expected_and_actual(
    recorded: Path, tmp_path: Path
) -> None:
    lines = lines_of(recorded)
    i = next(i for i, line in enumerate(lines) if line.get("event") == "OrderFilled")
    real = lines[i]["data"]["fill"]["price"]
    lines[i]["data"]["fill"]["price"] = "99999.99"
    result = CliRunner().invoke(app, ["replay", str(write(tmp_path / "t.jsonl", lines))])
    assert result.exit_code == 1
    err = result.stderr.splitlines()
    assert err[0] == f"diverged at line {i + 1}: the replay produced a different output"
    assert err[1].startswith("  expected: ")
    assert '"price":"99999.99"' in err[1]
    assert err[2].startswith("  actual:   ")
    assert f'"price":"{real}"' in err[2]


def test_replay_without_footer_exits_0_with_a_note(recorded: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "cut.jsonl", lines_of(recorded)[:-1])
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "note: the log has no footer" in result.stdout


def test_replay_verbose_prints_each_matched_output_with_its_line(recorded: Path) -> None:
    lines = lines_of(recorded)
    first_output = next(n for n, line in enumerate(lines, 1) if line["type"] == "output")
    result = CliRunner().invoke(app, ["replay", "--verbose", str(recorded)])
    assert result.exit_code == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == f"bot b-1: sma_cross on BTC/USDT 1m, {len(lines) - 2} lines"
    assert out[1].startswith(f"line {first_output}: ")
    assert len(out) == lines[-1]["outputs"] + 3


def test_replay_other_version_exits_2_with_one_sentence(recorded: Path, tmp_path: Path) -> None:
    lines = lines_of(recorded)
    lines[0]["version"] = 2
    path = write(tmp_path / "v2.jsonl", lines)
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path} is event log version 2; this XOR reads")


def test_replay_file_without_header_exits_2(recorded: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "nohead.jsonl", lines_of(recorded)[1:])
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 2
    assert "is not an XOR event log" in result.stderr


def test_replay_bad_json_exits_2_naming_the_line(recorded: Path, tmp_path: Path) -> None:
    text = recorded.read_text().splitlines(keepends=True)
    text[6] = "{not json\n"
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(text))
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 2
    assert f"error: {path} line 7 is not valid JSON" in result.stderr


def test_replay_bad_spec_exits_2(recorded: Path, tmp_path: Path) -> None:
    lines = lines_of(recorded)
    lines[0]["spec"]["stake"] = "-5"
    result = CliRunner().invoke(app, ["replay", str(write(tmp_path / "s.jsonl", lines))])
    assert result.exit_code == 2
    assert "the event log's spec is not a valid bot spec" in result.stderr


def test_replay_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(tmp_path / "absent.jsonl")])
    assert result.exit_code == 2
    assert "error: no event log at" in result.stderr
