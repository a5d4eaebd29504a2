"""Vectorised signals: what a strategy computes once over the whole history for the fast path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Signals:
    """Per-candle decisions taken at each candle's close (long only for now).

    ``entries[i]``: at the close of candle ``i``, open a long position if flat.
    ``exits[i]``: at the close of candle ``i``, close the long position if one is open.
    An exit is looked at before an entry, so both on one candle means "exit only".
    """

    entries: BoolArray
    exits: BoolArray

    def __post_init__(self) -> None:
        if self.entries.shape != self.exits.shape:
            raise ValueError("entries and exits must have the same length")
