"""Reading an event log written by :class:`~xor_trading.runtime.event_log.EventLogRecorder`.

:func:`read_event_log` checks the whole file before anything is replayed: line 1 must be
the header of this format and version (with a bot spec and the venue's description), every
other line a JSON object of a known ``type``, the footer (if any) last. Anything else
raises :class:`~xor_trading.core.errors.DataError` naming the line. A log without a footer
(the recording did not end cleanly) is valid: it is replayed as far as it goes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from xor_trading.core.errors import DataError, RejectedError, UnknownOutcomeError, XorError
from xor_trading.runtime.event_log import FORMAT, VERSION

__all__ = ["EventLog", "LogLine", "read_event_log", "venue_error"]

_VENUE_ERRORS: dict[str, type[XorError]] = {
    "UnknownOutcomeError": UnknownOutcomeError,
    "RejectedError": RejectedError,
}


_LINE_TYPES = ("input", "call", "gate", "journal", "start", "output")
_HINT = "record the run again; only files written by EventLogRecorder can be replayed"


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line after the header: its 1-based number in the file and its JSON object."""

    number: int
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.data["type"])


@dataclass(frozen=True, slots=True)
class EventLog:
    """A parsed event log: the header, the lines in between, the footer (``None`` when the
    recording did not end cleanly)."""

    header: dict[str, Any]
    lines: list[LogLine]
    footer: dict[str, Any] | None

    @property
    def spec(self) -> dict[str, Any]:
        return dict(self.header["spec"])


def _parse(number: int, text: str, name: str) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{name} line {number} is not valid JSON ({exc.msg})", _HINT) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise DataError(f'{name} line {number} is not an object with a "type"', _HINT)
    return obj


def _check_header(header: dict[str, Any], name: str) -> None:
    if header["type"] != "header" or header.get("format") != FORMAT:
        raise DataError(f"{name} is not an XOR event log (line 1 is not its header)", _HINT)
    version = header.get("version")
    if version != VERSION:
        raise DataError(
            f"{name} is event log version {version!r}; this XOR reads version {VERSION}",
            "replay it with the XOR version that recorded it",
        )
    if not isinstance(header.get("spec"), dict):
        raise DataError(f"{name} has no bot spec in its header", _HINT)
    if header.get("venue") is None:
        raise DataError(
            f"{name} was recorded without the venue's reports, so it cannot be replayed",
            "record with EventLogRecorder(..., venue=RecordingVenue(venue))",
        )


def _lines(source: str | Path | IO[str]) -> Iterator[str]:
    if isinstance(source, str | Path):
        try:
            with open(source, encoding="utf-8") as handle:
                yield from handle
        except FileNotFoundError:
            raise DataError(f"no event log at {source}", "check the path") from None
        except UnicodeDecodeError:
            raise DataError(f"{source} is not a text file", _HINT) from None
    else:
        yield from source


def read_event_log(source: str | Path | IO[str]) -> EventLog:
    """Parse a log; raises :class:`DataError` for a bad header, version, JSON or line type."""
    name = str(source) if isinstance(source, str | Path) else "the event log"
    header: dict[str, Any] | None = None
    footer: dict[str, Any] | None = None
    lines: list[LogLine] = []
    for number, text in enumerate(_lines(source), start=1):
        if not text.strip():
            raise DataError(f"{name} line {number} is empty", _HINT)
        obj = _parse(number, text, name)
        if header is None:
            _check_header(obj, name)
            header = obj
        elif footer is not None:
            raise DataError(f"{name} line {number} follows the footer", _HINT)
        elif obj["type"] == "footer":
            if not isinstance(obj.get("sha256"), str):
                raise DataError(f"{name} line {number}: the footer has no sha256", _HINT)
            footer = obj
        elif obj["type"] in _LINE_TYPES:
            lines.append(LogLine(number, obj))
        else:
            raise DataError(f"{name} line {number} has an unknown type {obj['type']!r}", _HINT)
    if header is None:
        raise DataError(f"{name} is empty", _HINT)
    return EventLog(header, lines, footer)


def venue_error(raised: Mapping[str, Any]) -> XorError:
    """The exception a recorded call raised, to raise it again in a replay."""
    cls = _VENUE_ERRORS.get(str(raised.get("error")))
    if cls is None:
        raise DataError(f"unknown venue error {raised.get('error')!r} in the event log", _HINT)
    return cls(str(raised.get("message", "")), str(raised.get("hint", "")))
