"""Replaying an event log: rebuild the bot's kernel, feed it the recorded inputs, compare.

Contract (docs/replay.md):

* The kernel is assembled from the header's spec with ``assemble_bot``, on a
  :class:`TestClock` and a :class:`ReplayVenue`. The venue sends nothing anywhere: each
  call is matched to the recorded call with the same operation and order ids, and the
  reports the venue gave during that call are delivered again (a recorded
  ``UnknownOutcomeError`` or ``RejectedError`` is raised again). A :class:`ReplayGate`
  answers the command gate's recorded decisions in order.
* Each ``input`` line is fed at its recorded clock reading: a candle is published, a
  venue report delivered, a kill switch engaged or re-armed, a command of the bot's
  runtime (``CancelAllOrders``, a flattening ``SubmitOrder``) sent to the risk engine.
  The strategies are started before the first input, or at the ``start`` line when the
  header says the start was recorded (a bot runtime starts them after its warm-up). A
  :class:`ReplayJournal` refuses the orders the intent journal refused.
* A log whose header says the run started from restored state (orders or positions of an
  earlier run) is refused with a :class:`DataError`: that state is not in the file.
* After each input the outputs produced so far are compared with the recorded ones, in
  canonical JSON. The first difference stops the replay: :class:`Divergence` names the
  file's line, the expected and the actual output. A kernel that raises while handling an
  input diverges at that input's line.
* When everything matches, the SHA-256 of the produced output stream must equal the
  footer's (a log without a footer, from a run that did not end cleanly, is compared as far
  as it goes and says so).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xor_trading.bus.endpoints import RISK
from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import TestClock
from xor_trading.core.errors import DataError, SubmissionRefusedError, XorError
from xor_trading.core.ids import OrderId
from xor_trading.domain.commands import CancelAllOrders, SubmitOrder
from xor_trading.domain.events import CandleClosed
from xor_trading.domain.orders import Order
from xor_trading.execution.ports import ReportSink, VenueCapabilities
from xor_trading.execution.reports import ExecutionReport
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.events import KillSwitchEngaged, KillSwitchRearmed
from xor_trading.risk.exit_manager import ExitConfig
from xor_trading.risk.kill_switch import KillScope
from xor_trading.risk.position_sizer import SizingConfig
from xor_trading.runtime.bot_assembly import AssembledBot, assemble_bot
from xor_trading.runtime.bot_spec import BotSpec, RunMode
from xor_trading.runtime.event_codec import canonical_json, decode, encode, encode_value
from xor_trading.runtime.event_log import OUTPUT_EVENTS, output_item, output_stream_hash
from xor_trading.runtime.event_log_reader import EventLog, LogLine, venue_error

__all__ = [
    "Divergence",
    "ReplayGate",
    "ReplayJournal",
    "ReplayResult",
    "ReplayVenue",
    "replay_event_log",
    "spec_from_header",
]

_HINT = "the event log was edited or written by another XOR version"


class _DivergedError(Exception):
    """Raised inside the replay when a venue call or gate question has no recorded answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first difference: the file's ``line`` (1-based), what the log holds there
    (``expected``) and what the replay produced (``actual``); ``None`` for nothing."""

    line: int
    reason: str
    expected: dict[str, Any] | None = None
    actual: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """``sha256`` is the produced output stream's hash; ``recorded_sha256`` the footer's."""

    outputs: int
    inputs: int
    sha256: str
    recorded_sha256: str | None
    divergence: Divergence | None = None

    @property
    def identical(self) -> bool:
        return self.divergence is None


# -- the spec -----------------------------------------------------------------------------------


def _need(spec: Mapping[str, Any], key: str) -> Any:
    if key not in spec:
        raise DataError(f"the event log's spec lacks {key!r}", _HINT)
    return spec[key]


def spec_from_header(spec: Mapping[str, Any]) -> BotSpec:
    """The :class:`BotSpec` written by ``bot_spec_header`` (the paper fill model is not read:
    the replay venue answers from the log)."""
    try:
        return BotSpec(
            bot_id=str(_need(spec, "bot_id")),
            owner_id=str(_need(spec, "owner_id")),
            strategy=str(_need(spec, "strategy")),
            symbols=tuple(_need(spec, "symbols")),
            timeframe=str(_need(spec, "timeframe")),
            params=dict(_need(spec, "params")),
            exchange=str(_need(spec, "exchange")),
            mode=RunMode(_need(spec, "mode")),
            credential_id=spec.get("credential_id"),
            risk=RiskConfig.model_validate(_need(spec, "risk")),
            sizing=SizingConfig.model_validate(_need(spec, "sizing")),
            exits=ExitConfig.model_validate(_need(spec, "exits")),
            stake=Decimal(str(_need(spec, "stake"))),
            balances={k: Decimal(str(v)) for k, v in dict(_need(spec, "balances")).items()},
        )
    except (ValueError, TypeError, ArithmeticError) as exc:  # pydantic errors are ValueErrors
        first = str(exc).splitlines()[0]
        raise DataError(f"the event log's spec is not a valid bot spec ({first})", _HINT) from None


# -- the replay's venue, gate and output collector -------------------------------------------


def _call_key(op: str, args: Mapping[str, Any]) -> tuple[str, ...]:
    if op == "submit_order":
        return (op, str(args["order"]["order_id"]))
    if op == "submit_oco":
        return (op, str(args["first"]["order_id"]), str(args["second"]["order_id"]))
    return (op, str(args["order_id"]))


class _Collector:
    """Collects what the replayed kernel produces, in the recorder's canonical form."""

    def __init__(self, bus: MessageBus, clock: TestClock) -> None:
        self.items: list[dict[str, Any]] = []
        self.gate_depth = 0
        self._clock = clock
        for event_type in OUTPUT_EVENTS:
            bus.subscribe(event_type, self._on_output)

    def _on_output(self, event: object) -> None:
        if self.gate_depth == 0:  # the gate's own events are part of its recorded decision
            self.items.append(encode(event))

    def call(self, op: str, args: dict[str, Any]) -> None:
        self.items.append({"call": op, "ts": self._clock.now_ms(), "args": args})


class ReplayVenue:
    """An exchange port that sends nothing: it answers each call with the recorded reports."""

    def __init__(self, venue: Mapping[str, Any], log: EventLog) -> None:
        caps = venue.get("capabilities") or {}
        self._name = str(venue.get("name", "replay"))
        self._capabilities = VenueCapabilities(
            stop_market=bool(caps.get("stop_market", True)),
            stop_limit=bool(caps.get("stop_limit", True)),
            oco=bool(caps.get("oco", True)),
        )
        self._sink: ReportSink | None = None
        self.collector: _Collector | None = None
        self._calls: dict[tuple[str, ...], deque[LogLine]] = {}
        for line in log.lines:
            if line.type == "call":
                key = _call_key(str(line.data["op"]), line.data["args"])
                self._calls.setdefault(key, deque()).append(line)

    @property
    def name(self) -> str:
        return self._name

    @property
    def capabilities(self) -> VenueCapabilities:
        return self._capabilities

    def connect(self, sink: ReportSink) -> None:
        self._sink = sink

    def deliver(self, report: ExecutionReport) -> None:
        assert self._sink is not None
        self._sink(report)

    def submit_order(self, order: Order) -> None:
        self._answer("submit_order", {"order": encode_value(order)})

    def submit_oco(self, first: Order, second: Order) -> None:
        self._answer("submit_oco", {"first": encode_value(first), "second": encode_value(second)})

    def cancel_order(self, order_id: OrderId) -> None:
        self._answer("cancel_order", {"order_id": order_id})

    def _answer(self, op: str, args: dict[str, Any]) -> None:
        if self.collector is not None:
            self.collector.call(op, args)
        queue = self._calls.get(_call_key(op, args))
        if not queue:
            raise _DivergedError(f"the kernel called {op} {_call_key(op, args)[1:]}, "
                                 "which the recording never did")  # fmt: skip
        line = queue.popleft()
        for number, raw in enumerate(line.data.get("reports") or []):
            report: Any = decode(raw, f"line {line.number} report {number + 1}")
            self.deliver(report)
        raised = line.data.get("raised")
        if raised:
            raise venue_error(raised)


class ReplayGate:
    """The command gate of a replay: the recorded decisions, in order, for the same commands."""

    def __init__(self, log: EventLog) -> None:
        self._decisions = deque(line for line in log.lines if line.type == "gate")
        self.bus: MessageBus | None = None
        self.collector: _Collector | None = None

    def __call__(self, command: object) -> bool:
        actual = encode(command)
        if not self._decisions:
            raise _DivergedError(f"the gate was asked about {canonical_json(actual)}, "
                                 "which the recording never did")  # fmt: skip
        line = self._decisions.popleft()
        if canonical_json(line.data["command"]) != canonical_json(actual):
            raise _DivergedError(
                f"line {line.number}: the gate was asked about {canonical_json(actual)}, "
                f"the recording about {canonical_json(line.data['command'])}"
            )
        assert self.bus is not None
        assert self.collector is not None
        self.collector.gate_depth += 1
        try:
            for raw in line.data.get("published") or []:
                self.bus.publish(decode(raw, f"line {line.number}"))
        finally:
            self.collector.gate_depth -= 1
        return bool(line.data["allowed"])


class ReplayJournal:
    """The intent journal of a replay: refuses exactly the orders the recording's journal
    refused (by order id, with the recorded sentence), takes every other intent."""

    def __init__(self, log: EventLog) -> None:
        self._refused: dict[str, deque[Mapping[str, Any]]] = {}
        for line in log.lines:
            if line.type == "journal":
                refused = line.data.get("refused") or {}
                self._refused.setdefault(str(line.data.get("order_id")), deque()).append(refused)

    def record_intent(self, order: Order) -> None:
        queue = self._refused.get(str(order.order_id))
        if queue:
            refused = queue.popleft()
            raise SubmissionRefusedError(
                str(refused.get("message", "")), str(refused.get("hint", ""))
            )


def _refuse_restored(log: EventLog) -> None:
    restored = log.header.get("restored") or {}
    orders, positions = int(restored.get("orders", 0)), int(restored.get("positions", 0))
    if orders or positions:
        raise DataError(
            f"this log starts from restored state ({orders} order(s) and {positions} "
            f"position(s) of an earlier run of bot {log.spec.get('bot_id')}), which the file "
            "does not hold, so it cannot be replayed",
            "replay the log of a run that started flat (the bot's first run, or a restart "
            "with no open order or position); see docs/replay.md, Limits",
        )


# -- feeding inputs -----------------------------------------------------------------------------


def _feed(bot: AssembledBot, venue: ReplayVenue, message: object) -> None:
    kernel = bot.kernel
    if isinstance(message, CandleClosed):
        kernel.bus.publish(message)
    elif isinstance(message, KillSwitchEngaged):
        scope = KillScope(message.scope, message.target)  # type: ignore[arg-type]
        kernel.risk.engage_kill_switch(
            scope, message.reason, flatten=message.flatten, ts_ms=message.ts_ms, by=message.by
        )
    elif isinstance(message, KillSwitchRearmed):
        scope = KillScope(message.scope, message.target)  # type: ignore[arg-type]
        kernel.risk.rearm_kill_switch(scope, message.by, message.reason, ts_ms=message.ts_ms)
    elif isinstance(message, CancelAllOrders | SubmitOrder):
        kernel.bus.send(RISK, message)  # the runtime's own command (wind-down)
    else:
        venue.deliver(message)  # type: ignore[arg-type]  # a report: decode() checked the type


_REPORT_NAMES = frozenset(
    {
        "OrderAcceptedReport",
        "OrderRejectedReport",
        "OrderTriggeredReport",
        "OrderCanceledReport",
        "OrderExpiredReport",
        "OrderFilledReport",
        "OrderStatusUnknownReport",
    }
)
_RUNTIME_COMMAND_NAMES = frozenset({"CancelAllOrders", "SubmitOrder"})
_INPUT_NAMES = (
    _REPORT_NAMES
    | _RUNTIME_COMMAND_NAMES
    | {"CandleClosed", "KillSwitchEngaged", "KillSwitchRearmed"}
)


def _clock_reading(line: LogLine) -> int:
    ts = line.data.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise DataError(f"line {line.number}: the input has no clock reading (ts)", _HINT)
    return ts


def _input_message(line: LogLine) -> tuple[int, object]:
    data = line.data
    name = data.get("event")
    if name not in _INPUT_NAMES:
        raise DataError(f"line {line.number}: {name!r} is not an input event", _HINT)
    ts = _clock_reading(line)
    return ts, decode({"event": name, "data": data.get("data")}, f"line {line.number}")


@dataclass(slots=True)
class _Comparison:
    expected: list[tuple[int, dict[str, Any]]]
    checked: int = 0
    on_match: Callable[[int, dict[str, Any]], None] | None = None

    def check(self, produced: list[dict[str, Any]], at_line: int) -> Divergence | None:
        while self.checked < len(produced):
            actual = produced[self.checked]
            text = canonical_json(actual)
            if self.checked >= len(self.expected):
                return Divergence(at_line, "the replay produced an output the recording lacks",
                                  None, actual)  # fmt: skip
            number, expected = self.expected[self.checked]
            if canonical_json(expected) != text:
                return Divergence(number, "the replay produced a different output",
                                  expected, actual)  # fmt: skip
            if self.on_match is not None:
                self.on_match(number, actual)
            self.checked += 1
        return None

    def missing(self, before_line: int | None = None) -> Divergence | None:
        """The first recorded output not produced (only those above ``before_line``)."""
        if self.checked < len(self.expected):
            number, expected = self.expected[self.checked]
            if before_line is not None and number > before_line:
                return None
            return Divergence(number, "the recording has an output the replay did not produce",
                              expected, None)  # fmt: skip
        return None


def replay_event_log(
    log: EventLog, on_match: Callable[[int, dict[str, Any]], None] | None = None
) -> ReplayResult:
    """Replay ``log`` (see the module); ``on_match(line, output)`` sees each matched output.

    Raises :class:`DataError` for a log that cannot be replayed at all (bad spec, an input
    that does not decode, a run that started from restored state); a difference in
    behaviour is a :class:`Divergence`, not an error.
    """
    _refuse_restored(log)
    spec = log.spec
    header_venue = log.header["venue"]
    clock = TestClock(int(log.header.get("start_ms", 0)))
    venue = ReplayVenue(header_venue, log)
    gate = ReplayGate(log) if log.header.get("gate") else None
    balance = spec.get("account_balance")
    bot = assemble_bot(
        spec_from_header(spec),
        clock,
        venue,
        order_id_prefix=str(spec.get("order_id_prefix") or ""),
        command_gate=gate,
        account_balance=None if balance is None else Decimal(str(balance)),
        intent_journal=ReplayJournal(log),
    )
    collector = _Collector(bot.kernel.bus, clock)
    venue.collector = collector
    if gate is not None:
        gate.bus, gate.collector = bot.kernel.bus, collector
    expected = [(line.number, output_item(line.data)) for line in log.lines
                if line.type in ("output", "call")]  # fmt: skip
    comparison = _Comparison(expected, on_match=on_match)
    inputs = 0

    def result(divergence: Divergence | None) -> ReplayResult:
        produced_hash = output_stream_hash(collector.items[: comparison.checked])
        recorded = None if log.footer is None else str(log.footer["sha256"])
        return ReplayResult(comparison.checked, inputs, produced_hash, recorded, divergence)

    def start(at_line: int) -> Divergence | None:
        try:
            bot.start()
        except (_DivergedError, XorError, LookupError, ValueError) as exc:
            return Divergence(at_line, f"starting the strategies raised: {_why(exc)}")
        return comparison.check(collector.items, at_line)

    if not log.header.get("start_line"):  # started before the first input
        found = start(log.lines[0].number if log.lines else 2)
        if found is not None:
            return result(found)
    for line in log.lines:
        if line.type not in ("input", "start"):
            continue
        # Every output written above an input was produced before that input arrived.
        found = comparison.missing(before_line=line.number)
        if found is not None:
            return result(found)
        inputs += 1
        ts, message = (_clock_reading(line), None) if line.type == "start" else _input_message(line)
        try:
            clock.set_time(ts)
        except ValueError:
            return result(Divergence(line.number, f"the clock goes backwards to {ts}"))
        if message is None:
            found = start(line.number)
        else:
            try:
                _feed(bot, venue, message)
            except (_DivergedError, XorError, LookupError, ValueError) as exc:
                comparison.check(collector.items, line.number)
                why = f"replaying this input raised: {_why(exc)}"
                return result(Divergence(line.number, why))
            found = comparison.check(collector.items, line.number)
        if found is not None:
            return result(found)
    footer_line = (log.lines[-1].number if log.lines else 1) + 1
    missing = comparison.missing()
    if missing is not None:
        return result(missing)
    done = result(None)
    if done.recorded_sha256 is not None and done.recorded_sha256 != done.sha256:
        why = f"every output matches but the footer's hash is {done.recorded_sha256}"
        return result(Divergence(footer_line, why))
    return done


def _why(exc: BaseException) -> str:
    if isinstance(exc, _DivergedError):
        return exc.reason
    if isinstance(exc, XorError):
        return f"{type(exc).__name__}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"
