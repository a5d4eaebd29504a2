"""Wait, inside a running event loop, until something a background task does is true."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["wait_until"]


async def wait_until(
    condition: Callable[[], bool], timeout_s: float = 10.0, poll_s: float = 0.01
) -> None:
    """Return once ``condition()`` is true; ``AssertionError`` after ``timeout_s`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(poll_s)
