"""Crash points: kill the process (``os._exit(137)``, like ``kill -9``) at a named step.

The crash-recovery tests (reliability spec R4) run ``xor worker`` with::

    XOR_CRASH_POINT=after_commit_before_send   # one of CRASH_POINTS
    XOR_CRASH_SKIP=2                           # optional: pass the point twice, die at the 3rd

and check what a restart recovers. Product code calls :func:`crash_point` at each step of
the order pipeline. Unset (production), a call is one comparison of a module global: the
environment is read once, at import.

The points, in pipeline order (where the call is):

* ``before_intent_commit``: the intent row is added, its transaction not committed
  (``persistence/intent_journal.py``);
* ``after_commit_before_send``: the intent is committed, the venue has not been called
  (``persistence/intent_journal.py``, after the commit);
* ``after_send_before_ack``: the venue answered the create, the answer is not processed
  (``exchanges/ccxt_client/live_port.py``);
* ``after_ack_before_persist``: the order is accepted in memory, its ``accepted`` status
  is not on record (``persistence/recorder.py``);
* ``after_fill_before_position``: a fill event arrived, neither the fill nor the position
  change is on record (``persistence/recorder.py``; both are written in one transaction);
* ``during_reconciliation``: a reconciliation run (the startup gate first, then the
  in-flight checks) applied the venue's reports, its new trade cursors are not on record
  (``runtime/live_session.py``).

No process other than a test's subprocess should ever have ``XOR_CRASH_POINT`` set; an
unknown name is refused by :func:`armed_crash_point` (the worker calls it at start).
"""

from __future__ import annotations

import os

from xor_trading.core.errors import ConfigError

__all__ = ["CRASH_EXIT_CODE", "CRASH_POINTS", "armed_crash_point", "crash_point"]

CRASH_EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL (128 + 9)

CRASH_POINTS: tuple[str, ...] = (
    "before_intent_commit",
    "after_commit_before_send",
    "after_send_before_ack",
    "after_ack_before_persist",
    "after_fill_before_position",
    "during_reconciliation",
)

_armed: str | None = os.environ.get("XOR_CRASH_POINT") or None
_skips_left: list[int] = [int(os.environ.get("XOR_CRASH_SKIP", "0") or 0)]  # one, mutable


def armed_crash_point() -> str | None:
    """The crash point set in the environment, or ``None``.

    Raises :class:`ConfigError` for a name that is not one of :data:`CRASH_POINTS`.
    """
    if _armed is not None and _armed not in CRASH_POINTS:
        raise ConfigError(
            f"XOR_CRASH_POINT={_armed!r} is not a crash point",
            f"use one of: {', '.join(CRASH_POINTS)} (or unset it)",
        )
    return _armed


def crash_point(name: str) -> None:
    """Exit the process at once, without cleanup, if ``name`` is the armed point (after
    ``XOR_CRASH_SKIP`` passes); otherwise do nothing."""
    if _armed != name:
        return
    if _skips_left[0] > 0:
        _skips_left[0] -= 1
        return
    os.write(2, f"xor: crash point {name} reached: exiting with {CRASH_EXIT_CODE}\n".encode())
    os._exit(CRASH_EXIT_CODE)
