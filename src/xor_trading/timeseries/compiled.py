"""Compiling numeric loops with numba on first use.

Importing numba and starting LLVM costs about 110 MB and half a second. Processes that never
run a compiled loop (the event-driven backtest, the CLI's help, later the API server) should
not pay for it, so loops are wrapped with :func:`compiled` and numba is imported only when one
is first called. Compiled code is cached on disk (``cache=True``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def compiled(fn: F) -> F:
    """``numba.njit(cache=True)(fn)``, done on the first call of the returned function."""
    jitted: Callable[..., Any] | None = None

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        nonlocal jitted
        if jitted is None:
            from numba import njit  # noqa: PLC0415 - deliberately lazy, see the module docstring

            jitted = njit(cache=True)(fn)
        return jitted(*args)

    return cast(F, call)
