"""Recording one bot run of the worker to an event log (``xor worker --record-dir DIR``).

Each run under a lease writes ``DIR/<bot_id>-<fencing token>.jsonl`` (a restart gets a new
token, so a new file; a file is never appended to). The order matters, and
:class:`BotRecording` keeps it:

1. :meth:`BotRecording.around` wraps the bot's venue, command guard and intent journal
   in the recording wrappers of ``runtime/event_log.py`` **before** the kernel is built
   (the execution engine connects to its venue in its constructor). Pass
   :attr:`BotRecording.matching_venue` to ``assemble_bot``: a paper venue still matches
   candles behind its wrapper.
2. The bot is restored from the database (nothing of that is recorded).
3. :meth:`BotRecording.start` opens the log once the bot is assembled and restored, and
   before the runtime warms it up: the header holds the spec, the order id prefix, the
   account's cash after the restore, and what was restored (orders, positions), which a
   replay cannot rebuild and refuses. The path is logged.
4. The runtime starts the strategies and sends its own commands through the recorder and
   closes it when the run ends (``BotRuntime.close``: the footer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from xor_trading.exchanges.simulated.venue import SimulatedVenue
from xor_trading.execution.ports import ExchangePort, IntentJournal
from xor_trading.runtime.bot_assembly import AssembledBot
from xor_trading.runtime.event_log import (
    EventLogRecorder,
    RecordingGate,
    RecordingJournal,
    RecordingVenue,
    bot_spec_header,
)
from xor_trading.runtime.kernel import CommandGate

__all__ = ["RECORDING_LOGGER", "BotRecording", "event_log_path"]

RECORDING_LOGGER = "xor.runtime.recording"
logger = logging.getLogger(RECORDING_LOGGER)  # the worker shows it with --record-dir


def event_log_path(record_dir: Path, bot_id: str, fencing_token: int) -> Path:
    """Where the run of ``bot_id`` under ``fencing_token`` is recorded."""
    return record_dir / f"{bot_id}-{fencing_token}.jsonl"


@dataclass(frozen=True, slots=True)
class BotRecording:
    """The recording wrappers of one bot run and its log's path (see the module)."""

    path: Path
    venue: RecordingVenue
    gate: RecordingGate
    journal: RecordingJournal | None
    matching_venue: SimulatedVenue | None

    @classmethod
    def around(
        cls,
        record_dir: Path,
        bot_id: str,
        fencing_token: int,
        venue: ExchangePort,
        gate: CommandGate,
        journal: IntentJournal | None = None,
    ) -> BotRecording:
        """Wrap ``venue``, ``gate`` and ``journal`` (build the kernel with the wrappers)."""
        return cls(
            path=event_log_path(record_dir, bot_id, fencing_token),
            venue=RecordingVenue(venue),
            gate=RecordingGate(gate),
            journal=None if journal is None else RecordingJournal(journal),
            matching_venue=venue if isinstance(venue, SimulatedVenue) else None,
        )

    def start(self, bot: AssembledBot, *, order_id_prefix: str) -> EventLogRecorder:
        """Open the log of ``bot`` (assembled with the wrappers, restored, not started).

        Raises :class:`OSError` when the file cannot be created (the directory is made).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kernel = bot.kernel
        header = bot_spec_header(
            bot.spec,
            order_id_prefix=order_id_prefix,
            account_balance=kernel.portfolio.account.balance,
        )
        # After a restore these hold only what the earlier run left (nothing has run yet).
        restored = {
            "orders": len(kernel.execution.cache),
            "positions": len(kernel.portfolio.positions),
        }
        recorder = EventLogRecorder(
            kernel.bus,
            self.path,
            header,
            clock=bot.clock,
            venue=self.venue,
            gate=self.gate,
            journal=self.journal,
            records_start=True,
            restored=restored,
        )
        logger.info("bot %s: recording its run to %s", bot.spec.bot_id, self.path)
        return recorder
