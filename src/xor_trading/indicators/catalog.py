"""The catalog of indicators by name, for the CLI and the dashboard.

Each :class:`IndicatorSpec` says which batch function computes the indicator, which
candle columns it reads (in call order), its parameters (default and one-line
description) and the names of its outputs. Indicator modules are imported only when an
indicator is computed, so listing the catalog imports nothing heavy, and an indicator
whose module is missing from this install is reported by :meth:`IndicatorSpec.load`.

Results have one of four shapes (:class:`OutputShape`):

* ``LINES``: one float per candle for each output, aligned with the candles (a dict
  ``output name -> array``);
* ``SWINGS``: ``list[SwingPoint]`` (zigzag); ``LEVELS``: ``list[FibLevel]`` (fibonacci);
  ``PROFILE``: a :class:`~xor_trading.indicators.volume_profile.VolumeProfile`.

Indicators of one series (SMA, RSI...) take a ``source`` parameter naming the candle
column to read (``close`` by default).
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np

from xor_trading.core.errors import ConfigError
from xor_trading.indicators.fibonacci import FibLevel
from xor_trading.indicators.swings import SwingPoint
from xor_trading.indicators.volume_profile import VolumeProfile
from xor_trading.timeseries.candle_frame import CandleFrame, FloatArray

__all__ = [
    "CATALOG",
    "IndicatorOutput",
    "IndicatorParam",
    "IndicatorSpec",
    "OutputShape",
    "ParamValue",
    "find",
]

ParamValue = int | float | str
Outputs = tuple[str, ...]
IndicatorOutput = dict[str, FloatArray] | list[SwingPoint] | list[FibLevel] | VolumeProfile
CANDLE_COLUMNS = ("open", "high", "low", "close", "volume")
_PACKAGE = "xor_trading.indicators"


class OutputShape(StrEnum):
    LINES = "lines"
    SWINGS = "swings"
    LEVELS = "levels"
    PROFILE = "profile"


@dataclass(frozen=True, slots=True)
class IndicatorParam:
    """A parameter: its type is the type of ``default``; ints may have a ``minimum``."""

    name: str
    default: ParamValue
    description: str
    minimum: int | None = None
    choices: tuple[str, ...] = ()

    def coerce(self, value: object, indicator: str) -> ParamValue:
        """``value`` (a CLI string or a JSON number) as this parameter's type, or ConfigError."""
        where = f"{indicator} parameter {self.name}"
        if isinstance(self.default, str):
            text = str(value).strip()
            if self.choices and text not in self.choices:
                raise ConfigError(
                    f"{where} must be one of {', '.join(self.choices)}; got {value!r}",
                    f"pass for example {self.name}={self.default}",
                )
            return text
        if isinstance(value, bool):
            raise ConfigError(f"{where} cannot be {value!r}", f"pass a number like {self.example}")
        if isinstance(self.default, int):
            number = _as_int(value)
            if number is None:
                raise ConfigError(
                    f"{where} must be a whole number; got {value!r}", f"pass {self.example}"
                )
            if self.minimum is not None and number < self.minimum:
                raise ConfigError(
                    f"{where} must be at least {self.minimum}; got {number}", f"pass {self.example}"
                )
            return number
        real = _as_float(value)
        if real is None:
            raise ConfigError(
                f"{where} must be a finite number; got {value!r}", f"pass {self.example}"
            )
        return real

    @property
    def example(self) -> str:
        return f"{self.name}={self.default}"


def _as_int(value: object) -> int | None:
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_float(value: object) -> float | None:
    if isinstance(value, int | float | np.integer | np.floating):
        real = float(value)
    elif isinstance(value, str):
        try:
            real = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return real if math.isfinite(real) else None


SOURCE = IndicatorParam(
    "source",
    "close",
    "candle column to read: open, high, low, close or volume",
    None,
    CANDLE_COLUMNS,
)


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One indicator: ``module.function(*inputs, **params)`` and what it returns.

    ``inputs`` are candle columns (``open``, ``high``, ``low``, ``close``, ``volume``,
    ``ts_ms``); with ``source`` set, the one input is the column the ``source``
    parameter names.
    """

    name: str
    summary: str
    module: str
    function: str
    inputs: tuple[str, ...]
    params: tuple[IndicatorParam, ...]
    outputs: tuple[str, ...]
    shape: OutputShape = OutputShape.LINES
    source: bool = False

    @property
    def all_params(self) -> tuple[IndicatorParam, ...]:
        return (SOURCE, *self.params) if self.source else self.params

    @property
    def available(self) -> bool:
        """Whether this install has the indicator's module."""
        return importlib.util.find_spec(f"{_PACKAGE}.{self.module}") is not None

    def load(self) -> Callable[..., Any]:
        """The batch function, imported now; ConfigError if its module is missing."""
        if not self.available:
            raise ConfigError(
                f"indicator {self.name} is not available in this install "
                f"({_PACKAGE}.{self.module} is missing)",
                "update XOR, or run `xor indicators list` to see the others",
            )
        function: Callable[..., Any] = getattr(
            importlib.import_module(f"{_PACKAGE}.{self.module}"), self.function
        )
        return function

    def resolve(self, given: Mapping[str, object]) -> dict[str, ParamValue]:
        """Every parameter's value: ``given`` ones coerced and checked, defaults for the rest."""
        known = {p.name: p for p in self.all_params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            listed = ", ".join(p.example for p in self.all_params) or "none"
            raise ConfigError(
                f"unknown parameter {unknown[0]!r} for indicator {self.name}",
                f"its parameters are: {listed}",
            )
        return {
            name: p.coerce(given[name], self.name) if name in given else p.default
            for name, p in known.items()
        }

    def columns(self, params: Mapping[str, ParamValue]) -> tuple[str, ...]:
        """The candle columns read, in call order, once ``source`` is applied."""
        return (str(params["source"]),) if self.source else self.inputs

    def compute(self, frame: CandleFrame, given: Mapping[str, object]) -> IndicatorOutput:
        """Run the indicator over ``frame`` with ``given`` parameters (see :meth:`resolve`)."""
        params = self.resolve(given)
        function = self.load()
        arrays = [getattr(frame, column) for column in self.columns(params)]
        kwargs = {k: v for k, v in params.items() if k != "source"}
        result = function(*arrays, **kwargs)
        if self.shape is not OutputShape.LINES:
            output: IndicatorOutput = result
            return output
        if isinstance(result, tuple):
            return {name: getattr(result, name) for name in self.outputs}
        return {self.outputs[0]: result}


def _p(name: str, default: ParamValue, text: str, minimum: int | None = None) -> IndicatorParam:
    return IndicatorParam(name, default, text, minimum)


def _period(default: int, minimum: int = 1) -> IndicatorParam:
    return _p("period", default, "look-back in candles", minimum)


def _series(
    name: str, summary: str, *params: IndicatorParam, outputs: Outputs = ()
) -> IndicatorSpec:
    """An indicator of one candle column (``source``), computed by ``<name>.<name>``."""
    return IndicatorSpec(
        name, summary, name, name, ("close",), params, outputs or (name,), source=True
    )


def _candles(
    name: str, summary: str, inputs: tuple[str, ...], *params: IndicatorParam, outputs: Outputs
) -> IndicatorSpec:
    """An indicator of fixed candle columns, computed by ``<name>.<name>``."""
    return IndicatorSpec(name, summary, name, name, inputs, params, outputs)


_HLC = ("high", "low", "close")
_CHANNEL = ("upper", "middle", "lower")
_THRESHOLD = _p("threshold_pct", 5.0, "reversal confirming a swing, % of the extreme price")
_SESSION = IndicatorParam(
    "session", "1d", "reset at 1d (00:00 UTC), 1w (Monday) or none", None, ("1d", "1w", "none")
)
_ICHIMOKU = (
    _p("tenkan", 9, "conversion line look-back in candles", 1),
    _p("kijun", 26, "base line look-back in candles", 1),
    _p("senkou_b", 52, "leading span B look-back in candles", 1),
    _p("displacement", 26, "forward shift of the cloud, back shift of chikou (candles)", 0),
)
_ICHIMOKU_LINES = ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou")
_PROFILE = (
    _p("start", 0, "first candle; negative counts from the end (-500: the last 500)"),
    _p("bins", 50, "number of price bins", 1),
    _p("value_area", 0.7, "share of the volume in the value area, in (0, 1]"),
)

CATALOG: dict[str, IndicatorSpec] = {
    spec.name: spec
    for spec in (
        replace(_series("sma", "simple moving average", _period(20)), module="moving_average"),
        _series("ema", "exponential moving average (TA-Lib seeding)", _period(20)),
        _series("wma", "linearly weighted moving average", _period(20)),
        _series("rsi", "relative strength index, 0..100 (Wilder)", _period(14, 2)),
        _series(
            "macd",
            "MACD line (fast EMA - slow EMA), its signal EMA and the histogram",
            _p("fast", 12, "fast EMA in candles", 2),
            _p("slow", 26, "slow EMA in candles", 2),
            _p("signal", 9, "signal EMA of the MACD line, in candles", 1),
            outputs=("macd", "signal", "histogram"),
        ),
        _series(
            "bollinger",
            "Bollinger bands: SMA +/- deviations x standard deviation",
            _period(20, 2),
            _p("deviations", 2.0, "band half-width in standard deviations"),
            outputs=_CHANNEL,
        ),
        _candles(
            "atr", "average true range (Wilder), price units", _HLC, _period(14), outputs=("atr",)
        ),
        _candles(
            "adx", "average directional index, 0..100", _HLC, _period(14, 2), outputs=("adx",)
        ),
        _candles(
            "stochastic",
            "stochastic oscillator %K and %D, 0..100",
            _HLC,
            _p("fastk", 14, "raw %K look-back in candles", 1),
            _p("slowk", 3, "SMA smoothing %K, in candles", 1),
            _p("slowd", 3, "SMA of %K giving %D, in candles", 1),
            outputs=("k", "d"),
        ),
        _candles("obv", "on-balance volume, base asset", ("close", "volume"), outputs=("obv",)),
        _candles(
            "vwap",
            "volume-weighted typical price, reset each UTC session",
            ("high", "low", "close", "volume", "ts_ms"),
            _SESSION,
            outputs=("vwap",),
        ),
        _candles(
            "donchian",
            "highest high and lowest low, current candle included",
            ("high", "low"),
            _period(20),
            outputs=_CHANNEL,
        ),
        _candles(
            "ichimoku",
            "Ichimoku lines where drawn; chikou looks ahead, never a signal",
            _HLC,
            *_ICHIMOKU,
            outputs=(*_ICHIMOKU_LINES, "senkou_a_ahead", "senkou_b_ahead"),
        ),
        replace(
            _candles(
                "zigzag",
                "confirmed swing highs and lows",
                ("high", "low"),
                _THRESHOLD,
                outputs=("time", "index", "kind", "price", "confirmed_time", "confirmed_index"),
            ),
            shape=OutputShape.SWINGS,
        ),
        replace(
            _candles(
                "fibonacci",
                "retracements and extensions of the last zigzag swings",
                ("high", "low"),
                _THRESHOLD,
                outputs=("kind", "ratio", "price"),
            ),
            function="zigzag_levels",
            shape=OutputShape.LEVELS,
        ),
        replace(
            _candles(
                "volume_profile",
                "volume by price bin, point of control and value area",
                ("high", "low", "close", "volume"),
                *_PROFILE,
                outputs=("price_low", "price_high", "volume", "poc", "value_area"),
            ),
            shape=OutputShape.PROFILE,
        ),
    )
}


def find(name: str) -> IndicatorSpec:
    """The indicator called ``name`` (case-insensitive), or ConfigError listing them all."""
    spec = CATALOG.get(name.strip().lower())
    if spec is None:
        raise ConfigError(
            f"unknown indicator {name!r}",
            f"choose one of: {', '.join(CATALOG)} (see `xor indicators list`)",
        )
    return spec
