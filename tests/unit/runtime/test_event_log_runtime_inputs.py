"""What a bot runtime does beyond candles and venue reports is on record and replayed:
the strategies' start after the warm-up (``start`` line), the runtime's own commands
(cancel all, flatten), the intent journal's refusals; a log that starts from restored
state is refused by the replay with a sentence saying so.

The driver below does what ``BotRuntime`` does: warm-up candles (no venue matching), the
start through the recorder, then live candles matched by the simulated venue behind its
recording wrapper (``assemble_bot(..., matching_venue=sim)``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xor_trading.core.clock import TestClock
from xor_trading.core.errors import DataError, SubmissionRefusedError
from xor_trading.core.ids import OrderId, Symbol
from xor_trading.data.parquet_file import read_candle_parquet
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import SubmitOrder
from xor_trading.domain.orders import Order, OrderSide, OrderType
from xor_trading.runtime.bot_assembly import AssembledBot, assemble_bot, paper_venue
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.event_log import (
    EventLogRecorder,
    RecordingGate,
    RecordingJournal,
    RecordingVenue,
    bot_spec_header,
)
from xor_trading.runtime.event_log_reader import read_event_log
from xor_trading.runtime.event_replay import ReplayResult, replay_event_log
from xor_trading.strategy.base import Strategy
from xor_trading.strategy.config import StrategyConfig
from xor_trading.strategy.context import StrategyContext
from xor_trading.strategy.registry import register_strategy

SAMPLE = (
    Path(__file__).resolve().parents[3] / "src/xor_trading/data/samples/binance/BTC-USDT/1m.parquet"
)
BTC = Symbol("BTC/USDT")
WARMUP = 5
CANDLES = 40
FLATTEN_AFTER = 10  # live candles before the runtime flattens


class EntryOnStartConfig(StrategyConfig):
    pass


@register_strategy
class EntryOnStart(Strategy[EntryOnStartConfig]):
    """Buys on start at the last candle it saw (so its order depends on when it is
    started; the paper venue, which has matched no candle yet, rejects it), then once more
    on the first candle after the start (filled at the next open)."""

    name = "test_entry_on_start"
    config_class = EntryOnStartConfig

    def __init__(self, config: EntryOnStartConfig, context: StrategyContext) -> None:
        super().__init__(config, context)
        self._last: Candle | None = None
        self._started = False
        self._entered = False

    def on_candle(self, candle: Candle) -> None:
        self._last = candle
        if self._started and not self._entered:
            self._entered = True
            self.enter_long(candle)

    def on_start(self) -> None:
        self._started = True
        if self._last is not None:
            self.enter_long(self._last)


SPEC = BotSpec("b-1", "u-1", "test_entry_on_start", ("BTC/USDT",), "1m")


class _RefusingJournal:
    """An intent journal whose lease is lost: every intent is refused."""

    def record_intent(self, order: Order) -> None:
        raise SubmissionRefusedError(
            "the bot's lease was taken over", "the bot runs in another worker now"
        )


@pytest.fixture(scope="module")
def candles() -> list[Candle]:
    frame = read_candle_parquet(SAMPLE, 60_000)
    return [c for _, c in zip(range(CANDLES), frame.iter_candles(), strict=False)]


def _flatten(bot: AssembledBot) -> SubmitOrder:
    return SubmitOrder(
        order_id=OrderId("F-1"),
        strategy_id=bot.strategy_id_of(BTC),
        symbol=BTC,
        side=OrderSide.SELL,
        order_type=OrderType.MARKET,
        quantity=bot.kernel.portfolio.position_quantity(BTC),
        ts_ms=bot.clock.now_ms(),
        reduce_only=True,
        tag="flatten",
    )


def record_runtime(
    candles: list[Candle],
    *,
    journal: Any = None,
    after_candle: Callable[[int, AssembledBot, EventLogRecorder], None] | None = None,
    restored: dict[str, int] | None = None,
) -> str:
    """A bot run as ``BotRuntime`` drives it (see the module), recorded; the log's text."""
    clock = TestClock(candles[WARMUP].ts_ms)
    sim = paper_venue(SPEC, clock)
    venue = RecordingVenue(sim)
    gate = RecordingGate(lambda command: True)
    recording_journal = RecordingJournal(journal) if journal is not None else None
    bot = assemble_bot(
        SPEC, clock, venue, command_gate=gate, intent_journal=recording_journal,
        matching_venue=sim,
    )  # fmt: skip
    out = io.StringIO()
    recorder = EventLogRecorder(
        bot.kernel.bus, out, bot_spec_header(SPEC), clock=clock, venue=venue, gate=gate,
        journal=recording_journal, records_start=True, restored=restored,
    )  # fmt: skip
    for candle in candles[:WARMUP]:
        bot.warm_up(candle)
    recorder.start(bot.start)
    for i, candle in enumerate(candles[WARMUP:]):
        bot.feed_candle(candle)
        if after_candle is not None:
            after_candle(i, bot, recorder)
    recorder.close()
    return out.getvalue()


def lines_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def text_of(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines)


def replay_text(text: str) -> ReplayResult:
    return replay_event_log(read_event_log(io.StringIO(text)))


def _flatten_after(i: int, bot: AssembledBot, recorder: EventLogRecorder) -> None:
    if i == FLATTEN_AFTER:
        command = _flatten(bot)
        recorder.runtime_command(command, lambda: bot.kernel.bus.send("risk.execute", command))


# -- the start --------------------------------------------------------------------------------


def test_recorded_start_line_follows_the_warm_up_and_precedes_the_entry_it_caused(
    candles: list[Candle],
) -> None:
    lines = lines_of(record_runtime(candles))
    kinds = [(line["type"], line.get("event") or line.get("op")) for line in lines]
    start = kinds.index(("start", None))

    assert lines[0]["start_line"] is True
    assert kinds[1:start] == [("input", "CandleClosed")] * WARMUP
    assert ("call", "submit_order") in kinds[start:]
    assert kinds.index(("call", "submit_order")) < kinds.index(("input", "CandleClosed"), start)


def test_replay_of_run_started_after_warm_up_is_identical_with_the_footer_hash(
    candles: list[Candle],
) -> None:
    text = record_runtime(candles)

    result = replay_text(text)

    assert result.divergence is None
    assert result.sha256 == lines_of(text)[-1]["sha256"]


def test_replay_starting_the_strategies_before_the_warm_up_diverges(
    candles: list[Candle],
) -> None:
    lines = lines_of(record_runtime(candles))
    lines[0]["start_line"] = False  # as if the strategies had started before any input

    result = replay_text(text_of(lines))

    assert result.divergence is not None
    assert result.outputs == 0  # the very first output (the entry on start) differs


# -- the runtime's own commands ---------------------------------------------------------------


def test_runtime_flatten_is_recorded_as_an_input_and_replays_identically(
    candles: list[Candle],
) -> None:
    text = record_runtime(candles, after_candle=_flatten_after)
    lines = lines_of(text)
    flatten = next(i for i, line in enumerate(lines) if line.get("event") == "SubmitOrder")

    assert lines[flatten]["type"] == "input"
    assert lines[flatten]["data"]["tag"] == "flatten"
    assert lines[flatten + 1]["event"] == "OrderStatusChanged"  # its outputs follow it
    assert lines[flatten + 1]["data"]["order_id"] == "F-1"
    assert replay_text(text).divergence is None


def test_replay_without_the_runtime_flatten_input_diverges_at_its_first_output(
    candles: list[Candle],
) -> None:
    lines = lines_of(record_runtime(candles, after_candle=_flatten_after))
    flatten = next(i for i, line in enumerate(lines) if line.get("event") == "SubmitOrder")
    del lines[flatten]

    result = replay_text(text_of(lines))

    assert result.divergence is not None
    assert result.divergence.line == flatten + 1  # 1-based: the flatten's first output
    assert result.divergence.expected is not None
    assert result.divergence.expected["data"]["order_id"] == "F-1"


# -- the intent journal -----------------------------------------------------------------------


def test_journal_refusal_is_recorded_and_replays_identically(candles: list[Candle]) -> None:
    text = record_runtime(candles, journal=_RefusingJournal())
    lines = lines_of(text)
    refusals = [line for line in lines if line["type"] == "journal"]
    statuses = [
        line["data"]["status"] for line in lines if line.get("event") == "OrderStatusChanged"
    ]

    assert [r["refused"]["message"] for r in refusals] == ["the bot's lease was taken over"] * 2
    assert statuses == ["initialized", "denied"] * 2
    assert replay_text(text).divergence is None


def test_replay_without_the_journal_refusal_diverges(candles: list[Candle]) -> None:
    lines = [line for line in lines_of(record_runtime(candles, journal=_RefusingJournal()))
             if line["type"] != "journal"]  # fmt: skip

    result = replay_text(text_of(lines))

    assert result.divergence is not None
    assert result.divergence.expected is not None
    assert result.divergence.expected["data"]["status"] == "denied"


# -- restored state ---------------------------------------------------------------------------


def test_replay_of_log_started_from_restored_state_raises_naming_it(
    candles: list[Candle],
) -> None:
    text = record_runtime(candles[: WARMUP + 2], restored={"orders": 1, "positions": 1})

    assert lines_of(text)[0]["restored"] == {"orders": 1, "positions": 1}
    with pytest.raises(DataError, match=r"^this log starts from restored state \(1 order"):
        replay_text(text)


def test_recorder_with_nothing_restored_writes_no_restored_field(candles: list[Candle]) -> None:
    text = record_runtime(candles[: WARMUP + 2], restored={"orders": 0, "positions": 0})

    assert "restored" not in lines_of(text)[0]
    assert replay_text(text).divergence is None
