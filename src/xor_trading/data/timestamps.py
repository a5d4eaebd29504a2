"""UTC epoch-millisecond timestamps: human-readable text and unit detection.

Every timestamp in the data layer is an int64 count of milliseconds since
1970-01-01 00:00:00 UTC. This module turns them into ISO 8601 text for messages and
turns epoch numbers of unknown unit (s, ms, us, ns) into milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from xor_trading.timeseries.candle_frame import IntArray

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Upper bounds (exclusive) of |value| for each unit, chosen so that any date between
# 1973 and 5138 is read correctly: 1e11 s is the year 5138, 1e11 ms is 1973.
_SECONDS_BELOW = 1e11
_MILLIS_BELOW = 1e14
_MICROS_BELOW = 1e17


def iso_utc(ts_ms: int) -> str:
    """``1716163200000 -> "2024-05-20T00:00:00Z"`` (milliseconds shown only when non-zero)."""
    ms = int(ts_ms)
    try:
        moment = _EPOCH + timedelta(milliseconds=ms)
    except OverflowError:
        return f"{ms} ms (out of the calendar range)"
    text = moment.isoformat(timespec="milliseconds" if ms % 1000 else "seconds")
    return text.replace("+00:00", "Z")


def epoch_unit(values: npt.NDArray[np.float64]) -> str:
    """The unit ("s", "ms", "us" or "ns") of epoch numbers, judged by their magnitude.

    ``values`` must be finite and non-empty. The largest absolute value decides, so a
    column mixing units is read in the unit of its largest value (and then fails
    validation) rather than silently half-converted.
    """
    peak = float(np.max(np.abs(values)))
    if peak < _SECONDS_BELOW:
        return "s"
    if peak < _MILLIS_BELOW:
        return "ms"
    if peak < _MICROS_BELOW:
        return "us"
    return "ns"


_MS_PER_UNIT = {"s": 1_000.0, "ms": 1.0, "us": 1e-3, "ns": 1e-6}


def epoch_to_ms(values: npt.NDArray[np.float64]) -> IntArray:
    """Convert finite epoch numbers in any unit (see :func:`epoch_unit`) to int64 ms.

    Fractions of a millisecond are rounded to the nearest millisecond.
    """
    if len(values) == 0:
        return np.empty(0, dtype=np.int64)
    scaled = values * _MS_PER_UNIT[epoch_unit(values)]
    return np.rint(scaled).astype(np.int64)
