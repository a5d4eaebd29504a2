"""The documented price path inside a candle.

A candle only tells four prices, so the venue assumes the price travelled
``open -> low -> high -> close`` for a rising candle (``close >= open``) and
``open -> high -> low -> close`` for a falling one. The path is a sequence of four points in
whole ticks; the first, the open, is reached by a jump from the previous close (a gap); the
three segments after it are travelled continuously, so a stop inside a segment triggers at
exactly its stop price.
"""

from __future__ import annotations


def candle_path(open_t: int, high_t: int, low_t: int, close_t: int) -> tuple[int, int, int, int]:
    """The four path points, in ticks."""
    if close_t >= open_t:
        return (open_t, low_t, high_t, close_t)
    return (open_t, high_t, low_t, close_t)
