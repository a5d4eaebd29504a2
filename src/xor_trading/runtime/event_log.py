"""Recording a bot's run as an event log: its inputs and its outputs, one JSON object a line.

A kernel's behaviour is a function of its inputs. The log holds them all, with the clock
reading at each one, so ``xor replay`` can rebuild the kernel and check that it produces
the same outputs (``runtime/event_replay.py``, docs/replay.md).

Lines (each a JSON object; exact decimals as strings, see ``runtime/event_codec.py``):

* line 1, ``{"type": "header", "format": "xor-event-log", "version": 1, "spec": {...},
  "venue": {"name", "capabilities"}}``: what to assemble (see :func:`bot_spec_header`).
* ``{"type": "input", "ts": <clock ms>, "event": ..., "data": ...}``: a candle close
  (``CandleClosed``), a venue report that arrived on its own (fills of resting orders in
  paper mode, every asynchronous report in live mode), an operator's kill switch
  (``KillSwitchEngaged`` / ``KillSwitchRearmed``).
* ``{"type": "call", "ts", "op", "args", "reports", "raised"}``: the execution engine asked
  the venue something (``submit_order``, ``submit_oco``, ``cancel_order``). ``op`` and
  ``args`` are an output; ``reports`` (what the venue answered during the call) and
  ``raised`` (``UnknownOutcomeError`` / ``RejectedError``) are inputs.
* ``{"type": "input", "ts", "event": "CancelAllOrders" | "SubmitOrder", "data"}``: a command
  the bot's runtime sent to the risk engine by itself, not through a strategy and the gate
  (``BotRuntime.wind_down``: cancel everything, flatten on stop); see
  :meth:`EventLogRecorder.runtime_command`.
* ``{"type": "start", "ts"}``: the strategies were started (``on_start``) here, after the
  warm-up candles above it (only in logs whose header says ``"start_line": true``).
* ``{"type": "gate", "command", "allowed", "published"}``: the bot's command gate (pause,
  warm-up, kill switch, fees) decided on a strategy's command; an input, with the events
  the gate published while deciding.
* ``{"type": "journal", "order_id", "refused": {"message", "hint"}}``: the intent journal
  refused an order (the lease was lost): the order became ``DENIED`` unsent; an input.
* ``{"type": "output", "event": ..., "data": ...}``: an event the kernel published
  (order status changes, fills, positions, denials, breakers, a stopped strategy).
* last line, ``{"type": "footer", "inputs": n, "outputs": m, "sha256": ...}``: the SHA-256
  of the canonical output stream (:func:`output_stream_hash`).

Each input is written before the outputs it caused. Paper bots record the simulated
venue's reports as inputs like a live venue's, so one replay path serves both modes.

The header also says whether the run started from state restored from an earlier run
(``"restored": {"orders": n, "positions": m}``): such a log cannot be replayed from the file
alone, and the replay refuses it.

Use (docs/replay.md; the worker does it in ``runtime/bot_recording.py``)::

    sim = paper_venue(spec, clock)
    venue = RecordingVenue(sim)                             # before the kernel is built
    gate = RecordingGate(command_guard)                     # if the bot has a gate
    bot = assemble_bot(spec, clock, venue, command_gate=gate, matching_venue=sim)
    recorder = EventLogRecorder(bot.kernel.bus, path, bot_spec_header(spec),
                                clock=clock, venue=venue, gate=gate)
    bot.start()                                             # after the recorder is attached
    ...
    recorder.close()                                        # writes the footer

Exact replay needs a clock that does not move while the kernel handles one input (a
``TestClock`` moved by the driver, as paper bots and backtests do).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any, Protocol

from xor_trading.bus.message_bus import MessageBus
from xor_trading.core.clock import Clock
from xor_trading.core.errors import RejectedError, SubmissionRefusedError, UnknownOutcomeError
from xor_trading.core.ids import OrderId
from xor_trading.domain.events import (
    CandleClosed,
    OrderDenied,
    OrderFilled,
    OrderStatusChanged,
    PositionChanged,
)
from xor_trading.domain.orders import Order
from xor_trading.execution.ports import (
    ExchangePort,
    IntentJournal,
    ReportSink,
    VenueCapabilities,
)
from xor_trading.execution.reports import ExecutionReport
from xor_trading.risk.events import (
    BreakerReset,
    BreakerTripped,
    KillSwitchEngaged,
    KillSwitchRearmed,
)
from xor_trading.runtime.bot_spec import BotSpec
from xor_trading.runtime.event_codec import canonical_json, encode, encode_value
from xor_trading.runtime.kernel import CommandGate
from xor_trading.runtime.strategy_runner import StrategyStopped

__all__ = [
    "FORMAT",
    "INPUT_EVENTS",
    "OUTPUT_EVENTS",
    "VERSION",
    "EventLogRecorder",
    "EventTape",
    "RecordingGate",
    "RecordingJournal",
    "RecordingVenue",
    "bot_spec_header",
    "output_item",
    "output_stream_hash",
]

FORMAT = "xor-event-log"
VERSION = 1

OUTPUT_EVENTS: tuple[type, ...] = (
    OrderStatusChanged,
    OrderFilled,
    PositionChanged,
    OrderDenied,
    StrategyStopped,
    BreakerTripped,
    BreakerReset,
)
"""Bus events that are the kernel's outputs (compared and hashed by a replay)."""

INPUT_EVENTS: tuple[type, ...] = (CandleClosed, KillSwitchEngaged, KillSwitchRearmed)
"""Bus events that are inputs: candles and an operator's kill switch."""

# -- the header ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` as plain JSON data: decimals as strings, enums by value, models dumped."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    dump = getattr(value, "model_dump", None)  # pydantic configuration models
    if callable(dump):
        return dump(mode="json")
    raise TypeError(f"cannot write {type(value).__name__} into an event log header")


def bot_spec_header(
    spec: BotSpec, *, order_id_prefix: str = "", account_balance: Decimal | None = None
) -> dict[str, Any]:
    """The header's ``spec``: what ``assemble_bot`` needs to build the same kernel again.

    Pass the same ``order_id_prefix`` and ``account_balance`` that were given to
    ``assemble_bot``. The paper venue's fill model is written for people only: a replay
    takes the venue's reports from the log, not from a simulation.
    """
    venue = spec.paper_venue
    return {
        "bot_id": spec.bot_id,
        "owner_id": spec.owner_id,
        "strategy": spec.strategy,
        "params": _plain(spec.params),
        "exchange": spec.exchange,
        "symbols": list(spec.symbols),
        "timeframe": spec.timeframe,
        "mode": spec.mode.value,
        "credential_id": spec.credential_id,
        "risk": _plain(spec.risk),
        "sizing": _plain(spec.sizing),
        "exits": _plain(spec.exits),
        "stake": str(spec.stake),
        "balances": _plain(spec.balances),
        "paper_venue": {
            "fees": {
                "maker_bps": str(venue.fees.maker_bps),
                "taker_bps": str(venue.fees.taker_bps),
                "asset": venue.fees.asset.value,
            },
            "slippage": repr(venue.slippage),
            "spread_bps": str(venue.spread_bps),
            "max_volume_participation": _plain(venue.max_volume_participation),
        },
        "order_id_prefix": order_id_prefix,
        "account_balance": _plain(account_balance),
    }


# -- outputs in canonical form --------------------------------------------------------------


def output_item(line: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an ``output`` or ``call`` line that a replay must reproduce exactly."""
    if line["type"] == "call":
        return {"call": line["op"], "ts": line["ts"], "args": line["args"]}
    return {"event": line["event"], "data": line["data"]}


def output_stream_hash(items: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 (hex) over the canonical JSON of each output item, one per line."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(canonical_json(item).encode())
        digest.update(b"\n")
    return digest.hexdigest()


# -- recording ----------------------------------------------------------------------------------


class EventTape(Protocol):
    """Where the recording wrappers report (the recorder)."""

    def call_started(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        """A venue call begins; returns its entry (``reports`` and ``raised`` get filled)."""
        ...

    def report_arrived(self, report: ExecutionReport, deliver: Callable[[], None]) -> None:
        """A report outside any call (an input): record it, then ``deliver()`` it."""
        ...

    def gate_decided(self, command: object, decide: Callable[[], bool]) -> bool:
        """The command gate is asked about ``command``; ``decide()`` asks the real gate."""
        ...

    def journal_refused(self, order: Order, error: SubmissionRefusedError) -> None:
        """The intent journal refused ``order`` (it is denied, never sent)."""
        ...


class RecordingVenue:
    """An :class:`ExchangePort` that passes everything to ``inner`` and tells its tape.

    Calls are recorded with the reports the venue gave during them; reports outside any
    call are inputs of their own. Every other attribute (``on_candle``...) is ``inner``'s.
    """

    def __init__(self, inner: ExchangePort) -> None:
        self.inner = inner
        self._sink: ReportSink | None = None
        self._tape: EventTape | None = None
        self._calls: list[dict[str, Any]] = []  # open calls, innermost last

    def attach(self, tape: EventTape) -> None:
        self._tape = tape

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def capabilities(self) -> VenueCapabilities:
        return self.inner.capabilities

    def connect(self, sink: ReportSink) -> None:
        self._sink = sink
        self.inner.connect(self._on_report)

    def submit_order(self, order: Order) -> None:
        self._call(
            "submit_order", {"order": encode_value(order)}, lambda: self.inner.submit_order(order)
        )

    def submit_oco(self, first: Order, second: Order) -> None:
        args = {"first": encode_value(first), "second": encode_value(second)}
        self._call("submit_oco", args, lambda: self.inner.submit_oco(first, second))

    def cancel_order(self, order_id: OrderId) -> None:
        self._call(
            "cancel_order", {"order_id": order_id}, lambda: self.inner.cancel_order(order_id)
        )

    def _call(self, op: str, args: dict[str, Any], call: Callable[[], None]) -> None:
        if self._tape is None:
            call()
            return
        entry = self._tape.call_started(op, args)
        self._calls.append(entry)
        try:
            call()
        except (UnknownOutcomeError, RejectedError) as exc:
            entry["raised"] = {
                "error": type(exc).__name__,
                "message": exc.message,
                "hint": exc.hint,
            }
            raise
        finally:
            self._calls.pop()

    def _on_report(self, report: ExecutionReport) -> None:
        sink = self._sink
        assert sink is not None, "the venue reported before the engine connected"
        if self._tape is None:
            sink(report)
        elif self._calls:
            self._calls[-1]["reports"].append(encode(report))
            sink(report)
        else:
            self._tape.report_arrived(report, lambda: sink(report))


class RecordingGate:
    """Wraps a bot's command gate so its decisions are recorded (they are inputs: pause,
    warm-up, kill switch and fee checks live outside the kernel)."""

    def __init__(self, inner: CommandGate) -> None:
        self.inner = inner
        self._tape: EventTape | None = None

    def attach(self, tape: EventTape) -> None:
        self._tape = tape

    def __call__(self, command: object) -> bool:
        if self._tape is None:
            return self.inner(command)
        return self._tape.gate_decided(command, lambda: self.inner(command))


class RecordingJournal:
    """Wraps a bot's intent journal so its refusals are recorded (an input: whether the
    database took the intent and the lease still held is outside the kernel)."""

    def __init__(self, inner: IntentJournal) -> None:
        self.inner = inner
        self._tape: EventTape | None = None

    def attach(self, tape: EventTape) -> None:
        self._tape = tape

    def record_intent(self, order: Order) -> None:
        try:
            self.inner.record_intent(order)
        except SubmissionRefusedError as exc:
            if self._tape is not None:
                self._tape.journal_refused(order, exc)
            raise


class EventLogRecorder:
    """Records a kernel's inputs and outputs to ``path_or_stream`` (see the module).

    Attach it after the kernel is assembled and before its strategies start, so that
    everything the strategies do is on record. ``venue``, ``gate`` and ``journal`` are the
    recording wrappers the kernel was built with; without ``venue`` the venue's reports are
    missing and the log cannot be replayed.

    ``records_start``: the strategies are started through :meth:`start` (after a warm-up,
    as the bot runtime does), which writes a ``start`` line; otherwise the caller starts
    them before the first input. ``restored``: what the kernel was given from an earlier
    run before recording began (``{"orders": n, "positions": m}``); the replay refuses a
    log that starts from such state.
    """

    def __init__(
        self,
        bus: MessageBus,
        path_or_stream: str | Path | IO[str],
        spec_header: Mapping[str, Any],
        *,
        clock: Clock,
        venue: RecordingVenue | None = None,
        gate: RecordingGate | None = None,
        journal: RecordingJournal | None = None,
        records_start: bool = False,
        restored: Mapping[str, int] | None = None,
    ) -> None:
        if isinstance(path_or_stream, str | Path):
            self._out: IO[str] = open(path_or_stream, "w", encoding="utf-8")  # noqa: SIM115
            self._owns_out = True
        else:
            self._out = path_or_stream
            self._owns_out = False
        self._clock = clock
        self._pending: list[dict[str, Any]] = []  # outputs since the last input was written
        self._gates: list[dict[str, Any]] = []  # gate decisions in progress, innermost last
        self._digest = hashlib.sha256()
        self.inputs = 0
        self.outputs = 0
        self.sha256: str | None = None  # set by close()
        header: dict[str, Any] = {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "spec": _plain(spec_header),
            "venue": _venue_header(venue),
            "gate": gate is not None,
            "start_ms": clock.now_ms(),
            "start_line": records_start,
        }
        if restored and any(restored.values()):
            header["restored"] = dict(restored)
        self._write(header)
        self._out.flush()
        for event_type in OUTPUT_EVENTS:
            bus.subscribe(event_type, self._on_output)
        for event_type in INPUT_EVENTS:
            bus.subscribe(event_type, self._on_input_event)
        if venue is not None:
            venue.attach(self)
        if gate is not None:
            gate.attach(self)
        if journal is not None:
            journal.attach(self)

    # -- what the bot's runtime tells us ----------------------------------------------------

    def start(self, start_strategies: Callable[[], None]) -> None:
        """Start the strategies (``AssembledBot.start``) on record, as an input."""
        self._flush_pending()
        self._write_input({"type": "start", "ts": self._clock.now_ms()})
        start_strategies()
        self._flush_pending()

    def runtime_command(self, command: object, send: Callable[[], None]) -> None:
        """The runtime sends ``command`` to the risk engine itself (``send()``), not through a
        strategy and the gate (cancel all, flatten): an input, before what it causes."""
        self._flush_pending()
        self._write_input({"type": "input", "ts": self._clock.now_ms(), **encode(command)})
        send()
        self._flush_pending()

    # -- what the wrappers and the bus tell us ----------------------------------------------

    def call_started(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        entry = {"type": "call", "ts": self._clock.now_ms(), "op": op, "args": args,
                 "reports": [], "raised": None}  # fmt: skip
        self._emit_output(entry)
        return entry

    def report_arrived(self, report: ExecutionReport, deliver: Callable[[], None]) -> None:
        self._flush_pending()  # outputs so far were not caused by this report
        self._write_input({"type": "input", "ts": self._clock.now_ms(), **encode(report)})
        deliver()
        self._flush_pending()

    def gate_decided(self, command: object, decide: Callable[[], bool]) -> bool:
        entry: dict[str, Any] = {"type": "gate", "command": encode(command), "allowed": None,
                                 "published": []}  # fmt: skip
        self._gates.append(entry)
        try:
            entry["allowed"] = allowed = decide()
        finally:
            self._gates.pop()
        self.inputs += 1
        self._pending.append(entry)
        return allowed

    def journal_refused(self, order: Order, error: SubmissionRefusedError) -> None:
        self.inputs += 1
        refused = {"message": error.message, "hint": error.hint}
        self._pending.append({"type": "journal", "order_id": order.order_id, "refused": refused})

    def _on_output(self, event: object) -> None:
        if self._gates:  # published by the gate: part of its decision (an input)
            self._gates[-1]["published"].append(encode(event))
            return
        self._emit_output({"type": "output", **encode(event)})

    def _on_input_event(self, event: object) -> None:
        self._write_input({"type": "input", "ts": self._clock.now_ms(), **encode(event)})

    # -- writing --------------------------------------------------------------------------------

    def _emit_output(self, entry: dict[str, Any]) -> None:
        self.outputs += 1
        self._pending.append(entry)

    def _write_input(self, line: dict[str, Any]) -> None:
        """An input, then the outputs it caused (those of a candle are published before the
        recorder, subscribed last, hears of the candle itself)."""
        self.inputs += 1
        self._write(line)
        self._flush_pending()

    def _flush_pending(self) -> None:
        for entry in self._pending:
            if entry["type"] not in ("gate", "journal"):
                self._digest.update(canonical_json(output_item(entry)).encode())
                self._digest.update(b"\n")
            self._write(entry)
        self._pending.clear()
        self._out.flush()

    def _write(self, line: Mapping[str, Any]) -> None:
        self._out.write(json.dumps(line, separators=(",", ":"), allow_nan=False))
        self._out.write("\n")

    def close(self) -> str:
        """Write what is pending and the footer; returns the output stream's SHA-256."""
        if self.sha256 is None:
            self._flush_pending()
            self.sha256 = self._digest.hexdigest()
            footer = {"type": "footer", "inputs": self.inputs, "outputs": self.outputs,
                      "sha256": self.sha256}  # fmt: skip
            self._write(footer)
            self._out.flush()
            if self._owns_out:
                self._out.close()
        return self.sha256

    def __enter__(self) -> EventLogRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _venue_header(venue: RecordingVenue | None) -> dict[str, Any] | None:
    if venue is None:
        return None
    caps = venue.capabilities
    return {
        "name": venue.name,
        "capabilities": {"stop_market": caps.stop_market, "stop_limit": caps.stop_limit,
                         "oco": caps.oco},
    }  # fmt: skip
