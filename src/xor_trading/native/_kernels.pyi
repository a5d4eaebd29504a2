from typing import Any

import numpy as np
import numpy.typing as npt

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_Bool = npt.NDArray[np.bool_]

def sma_into(values: _F64, period: int, out: _F64, /) -> None: ...
def simulate_long_only(
    o: _F64,
    h: _F64,
    low: _F64,
    c: _F64,
    tick: float,
    entries: _Bool,
    exits: _Bool,
    params: _I64,
    trades: npt.NDArray[Any],
    fills: npt.NDArray[Any],
    expired: npt.NDArray[Any],
    /,
) -> tuple[int, int, int, int, int, int, int]: ...
