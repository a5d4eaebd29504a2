"""Show secrets masked: only the last few characters, never the rest (S6)."""

from __future__ import annotations

__all__ = ["MASK", "VISIBLE_TAIL", "mask_tail", "visible_tail"]

MASK = "****"
VISIBLE_TAIL = 4
MIN_LENGTH_TO_SHOW_TAIL = 12  # a tail of a shorter value gives away too much of it


def visible_tail(value: str, visible: int = VISIBLE_TAIL) -> str:
    """The last ``visible`` characters of ``value``, or ``""`` when it is too short to
    reveal any (under 12 characters)."""
    if len(value) < MIN_LENGTH_TO_SHOW_TAIL:
        return ""
    return value[-visible:]


def mask_tail(tail: str) -> str:
    """``"****abcd"`` for the stored tail ``"abcd"``; ``"****"`` when there is none."""
    return MASK + tail
