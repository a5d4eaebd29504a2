"""The one door to TA-Lib: thin typed wrappers, TA-Lib's errors translated at the boundary.

This is the only module of XOR that imports ``talib``. Each wrapper takes float64 arrays
(anything array-like is converted to a contiguous float64 copy only when it is not one
already), calls the TA-Lib function with every parameter given explicitly (never TA-Lib's
defaults, and moving-average types always SMA), and returns float64 arrays of the input's
length with NaN where TA-Lib has no output (its *lookback*).

Errors: a parameter TA-Lib refuses raises :class:`~xor_trading.core.errors.ConfigError`;
inputs of different lengths raise :class:`~xor_trading.core.errors.DataError`. The
indicator modules validate their parameters with :func:`validate_period` first, so that the
batch and incremental forms refuse the same values with the same message.

TA-Lib's global settings (unstable periods, compatibility) are never changed here: they stay
at TA-Lib's defaults (no unstable period, default compatibility), which is what the
incremental classes reproduce.

:func:`fma` is here too: TA-Lib 0.8 computes the smoothing step of EMA, MACD and ATR with C's
``fma()`` (one rounding for ``a * b + c``), and the incremental classes must round the same
way to stay equal to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import talib

from xor_trading.core.errors import ConfigError, DataError
from xor_trading.timeseries.candle_frame import FloatArray

MAX_PERIOD = 100_000
"""The largest period TA-Lib accepts for any of its windows."""

_SMA_MATYPE = 0  # TA-Lib's MA_Type.SMA

__all__ = [
    "MAX_PERIOD",
    "adx",
    "atr",
    "bbands",
    "ema",
    "fma",
    "macd",
    "minus_di",
    "obv",
    "plus_di",
    "rsi",
    "sma",
    "stoch",
    "trange",
    "validate_deviations",
    "validate_period",
    "wma",
]


def _exact_fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once, from the exact rational value (floats are dyadic)."""
    try:
        num_a, den_a = a.as_integer_ratio()
        num_b, den_b = b.as_integer_ratio()
        num_c, den_c = c.as_integer_ratio()
    except (OverflowError, ValueError):  # inf or NaN: no exact value, IEEE rules apply
        return a * b + c
    den = den_a * den_b  # all denominators are powers of two: one divides the other
    if den >= den_c:
        num = num_a * num_b + num_c * (den // den_c)
    else:
        num = num_a * num_b * (den_c // den) + num_c
        den = den_c
    if num == 0:  # an exact zero: signed as IEEE does (a sum of zeros keeps its sign)
        return a * b + c if c == 0.0 else 0.0
    try:
        return num / den  # int / int is correctly rounded (round half to even)
    except OverflowError:
        return a * b + c


_SPLIT = 134_217_729.0  # 2**27 + 1: Veltkamp's splitter for binary64


def _emulated_fma(a: float, b: float, c: float) -> float:
    """Correctly rounded ``a * b + c`` for Pythons without :func:`math.fma` (before 3.13).

    ``r = fl(fl(a * b) + c)``; the exact remainder ``a * b + c - r`` is the rounding error
    of the addition (Knuth's TwoSum) plus that of the product (Dekker's TwoProduct), both
    exact floats here. When the remainder, even with the rounding of its own sum, stays
    below half the spacing of floats around ``r``, ``r`` is the correctly rounded result.
    Otherwise the remainder is added to ``r`` with both rounding errors tracked (``s`` plus
    ``last`` is then the exact value up to the rounding of ``last``) and the same test is
    made on ``s``. Only a true near-tie, or operands so large or small that the error terms
    are not exact, goes to the exact rational path.
    """
    product = a * b
    if not 1e-250 < abs(product) < 1e250:
        return _exact_fma(a, b, c)
    r = product + c
    virtual = r - product
    sum_error = (product - (r - virtual)) + (c - virtual)
    scaled = _SPLIT * a
    a_high = scaled - (scaled - a)
    a_low = a - a_high
    scaled = _SPLIT * b
    b_high = scaled - (scaled - b)
    b_low = b - b_high
    product_error = (((a_high * b_high - product) + a_high * b_low) + a_low * b_high) + (
        a_low * b_low
    )
    remainder = sum_error + product_error
    if 2.0 * abs(remainder) + math.ulp(remainder) < math.ulp(math.nextafter(r, 0.0)):
        return r
    virtual = remainder - sum_error
    remainder_error = (sum_error - (remainder - virtual)) + (product_error - virtual)
    s = r + remainder
    virtual = s - r
    last = ((r - (s - virtual)) + (remainder - virtual)) + remainder_error
    if 2.0 * abs(last) + math.ulp(last) < math.ulp(math.nextafter(s, 0.0)):
        return s
    return _exact_fma(a, b, c)


fma: Callable[[float, float, float], float] = getattr(math, "fma", _emulated_fma)
"""``a * b + c`` with a single rounding, like C's ``fma()`` (TA-Lib 0.8's smoothing step)."""


def validate_period(name: str, value: object, minimum: int) -> int:
    """``value`` as an int if ``minimum <= value <= MAX_PERIOD``, else raise ConfigError.

    ``minimum`` is TA-Lib's own lower bound for that parameter (1 or 2), so that XOR refuses
    exactly what TA-Lib refuses, before any data is touched. Bools and floats are refused.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(
            f"{name} must be an integer, got {value!r}",
            hint=f"pass a whole number of candles between {minimum} and {MAX_PERIOD}",
        )
    number = int(value)
    if not minimum <= number <= MAX_PERIOD:
        raise ConfigError(
            f"{name} must be between {minimum} and {MAX_PERIOD}, got {number}",
            hint=f"choose a {name} of at least {minimum} candles",
        )
    return number


def validate_deviations(name: str, value: object) -> float:
    """``value`` as a float if it is a finite number >= 0, else raise ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigError(
            f"{name} must be a number, got {value!r}",
            hint="pass a number of standard deviations such as 2.0",
        )
    number = float(value)
    if not (math.isfinite(number) and number >= 0.0):
        raise ConfigError(
            f"{name} must be a finite number >= 0, got {number}",
            hint="pass a number of standard deviations such as 2.0",
        )
    return number


def _column(values: npt.ArrayLike) -> FloatArray:
    array: FloatArray = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise DataError(
            f"indicator inputs must be one-dimensional, got shape {array.shape}",
            hint="pass one column of prices or volumes",
        )
    return array


def _columns(*inputs: npt.ArrayLike) -> list[FloatArray]:
    arrays = [_column(values) for values in inputs]
    lengths = {len(array) for array in arrays}
    if len(lengths) > 1:
        raise DataError(
            f"indicator inputs must have the same length, got {[len(a) for a in arrays]}",
            hint="pass columns of the same candles (high, low, close, volume)",
        )
    return arrays


def _call(name: str, function: Callable[..., Any], *args: Any) -> Any:
    """Call TA-Lib, turning its bare ``Exception`` into ConfigError."""
    try:
        return function(*args)
    except Exception as exc:  # TA-Lib raises bare Exception (e.g. "TA_BAD_PARAM")
        raise ConfigError(
            f"TA-Lib {name} refused its inputs: {exc}",
            hint=f"check the {name} parameters against docs/indicators.md",
        ) from exc


def _one(name: str, function: Callable[..., Any], *args: Any) -> FloatArray:
    out: FloatArray = _call(name, function, *args)
    return out


def _three(
    name: str, function: Callable[..., Any], *args: Any
) -> tuple[FloatArray, FloatArray, FloatArray]:
    first, second, third = _call(name, function, *args)
    return first, second, third


# --- moving averages --------------------------------------------------------------------


def sma(values: npt.ArrayLike, period: int) -> FloatArray:
    """``talib.SMA``: simple moving average; lookback ``period - 1``."""
    return _one("SMA", talib.SMA, _column(values), period)


def ema(values: npt.ArrayLike, period: int) -> FloatArray:
    """``talib.EMA``: SMA-seeded exponential moving average; lookback ``period - 1``."""
    return _one("EMA", talib.EMA, _column(values), period)


def wma(values: npt.ArrayLike, period: int) -> FloatArray:
    """``talib.WMA``: linearly weighted moving average; lookback ``period - 1``."""
    return _one("WMA", talib.WMA, _column(values), period)


def bbands(
    values: npt.ArrayLike, period: int, deviations_up: float, deviations_down: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``talib.BBANDS`` over an SMA: (upper, middle, lower); lookback ``period - 1``."""
    return _three(
        "BBANDS",
        talib.BBANDS,
        _column(values),
        period,
        deviations_up,
        deviations_down,
        _SMA_MATYPE,
    )


# --- momentum ---------------------------------------------------------------------------


def rsi(values: npt.ArrayLike, period: int) -> FloatArray:
    """``talib.RSI``: Wilder's relative strength index, 0..100; lookback ``period``."""
    return _one("RSI", talib.RSI, _column(values), period)


def macd(
    values: npt.ArrayLike, fast: int, slow: int, signal: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``talib.MACD``: (macd, signal, histogram); lookback ``slow + signal - 2``."""
    return _three("MACD", talib.MACD, _column(values), fast, slow, signal)


def stoch(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    fastk: int,
    slowk: int,
    slowd: int,
) -> tuple[FloatArray, FloatArray]:
    """``talib.STOCH`` with SMA smoothing: (slow %K, slow %D), 0..100.

    Lookback ``fastk + slowk + slowd - 3``.
    """
    h, lo, c = _columns(high, low, close)
    k, d = _call("STOCH", talib.STOCH, h, lo, c, fastk, slowk, _SMA_MATYPE, slowd, _SMA_MATYPE)
    out: tuple[FloatArray, FloatArray] = (k, d)
    return out


# --- volatility and trend ---------------------------------------------------------------


def trange(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """``talib.TRANGE``: true range, in price units; lookback 1."""
    return _one("TRANGE", talib.TRANGE, *_columns(high, low, close))


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int) -> FloatArray:
    """``talib.ATR``: Wilder-smoothed true range, in price units; lookback ``period``."""
    return _one("ATR", talib.ATR, *_columns(high, low, close), period)


def adx(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int) -> FloatArray:
    """``talib.ADX``: average directional index, 0..100; lookback ``2 * period - 1``."""
    return _one("ADX", talib.ADX, *_columns(high, low, close), period)


def plus_di(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int
) -> FloatArray:
    """``talib.PLUS_DI``: +DI, 0..100; lookback ``period`` (1 for period 1)."""
    return _one("PLUS_DI", talib.PLUS_DI, *_columns(high, low, close), period)


def minus_di(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int
) -> FloatArray:
    """``talib.MINUS_DI``: -DI, 0..100; lookback ``period`` (1 for period 1)."""
    return _one("MINUS_DI", talib.MINUS_DI, *_columns(high, low, close), period)


# --- volume -----------------------------------------------------------------------------


def obv(close: npt.ArrayLike, volume: npt.ArrayLike) -> FloatArray:
    """``talib.OBV``: on-balance volume, in volume units; lookback 0."""
    return _one("OBV", talib.OBV, *_columns(close, volume))
