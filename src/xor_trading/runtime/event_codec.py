"""JSON encoding of the kernel's messages: events, commands, venue reports, candles, orders.

Contract:

* :func:`encode` turns a message into ``{"event": <class name>, "data": {<fields>}}``, plain
  JSON values only. ``Decimal`` becomes its exact string (``"0.00100000"`` keeps its
  exponent), an ``Enum`` its value, a nested message or candle an object of its fields.
  Floats appear only where the domain holds floats (candle prices as the exchange
  recorded them); ``repr`` of a float round-trips, so they are exact too.
* :func:`decode` is the inverse for every class in :data:`MESSAGE_TYPES`: the fields are
  checked against the class's annotations, and anything that does not fit (unknown
  class, missing or unknown field, a number where an exact decimal string is expected)
  raises :class:`~xor_trading.core.errors.DataError` naming the class and the field.
* :func:`canonical_json` is the one serialisation used for hashing and comparison: sorted
  keys, no spaces, ``NaN`` refused.

An :class:`~xor_trading.domain.orders.Order` is encoded as what was asked of the venue
(identity, side, type, quantity, prices, flags, tag), not its mutable execution state.
"""

from __future__ import annotations

import dataclasses
import json
import types
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, NewType, Union, get_args, get_origin, get_type_hints

from xor_trading.core.errors import DataError
from xor_trading.domain.candles import Candle
from xor_trading.domain.commands import (
    Bracket,
    CancelAllOrders,
    CancelOrder,
    SubmitOrder,
    SubmitOrderList,
)
from xor_trading.domain.events import (
    CandleClosed,
    OrderDenied,
    OrderFilled,
    OrderStatusChanged,
    PositionChanged,
)
from xor_trading.domain.fills import Fill
from xor_trading.domain.orders import Order
from xor_trading.execution.reports import (
    OrderAcceptedReport,
    OrderCanceledReport,
    OrderExpiredReport,
    OrderFilledReport,
    OrderRejectedReport,
    OrderStatusUnknownReport,
    OrderTriggeredReport,
)
from xor_trading.risk.events import (
    BreakerReset,
    BreakerTripped,
    KillSwitchEngaged,
    KillSwitchRearmed,
)
from xor_trading.runtime.strategy_runner import StrategyStopped

__all__ = [
    "MESSAGE_TYPES",
    "ORDER_REQUEST_FIELDS",
    "canonical_json",
    "decode",
    "decode_value",
    "encode",
    "encode_value",
]

MESSAGE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        # market data
        Candle,
        CandleClosed,
        # commands
        Bracket,
        SubmitOrder,
        CancelOrder,
        SubmitOrderList,
        CancelAllOrders,
        # events
        OrderDenied,
        OrderStatusChanged,
        OrderFilled,
        PositionChanged,
        StrategyStopped,
        BreakerTripped,
        BreakerReset,
        KillSwitchEngaged,
        KillSwitchRearmed,
        # venue reports
        Fill,
        OrderAcceptedReport,
        OrderRejectedReport,
        OrderTriggeredReport,
        OrderCanceledReport,
        OrderExpiredReport,
        OrderFilledReport,
        OrderStatusUnknownReport,
        # what the execution engine asks of a venue
        Order,
    )
}

ORDER_REQUEST_FIELDS = (
    "order_id",
    "symbol",
    "side",
    "order_type",
    "quantity",
    "created_ms",
    "strategy_id",
    "limit_price",
    "stop_price",
    "time_in_force",
    "reduce_only",
    "tag",
)
"""The fields of an :class:`Order` that say what was requested (the rest is execution state)."""

_HINTS: dict[type, dict[str, Any]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    if cls is Order:
        return ORDER_REQUEST_FIELDS
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return tuple(cls._fields)  # type: ignore[attr-defined]  # the named tuples


def _hints(cls: type) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = get_type_hints(cls)
    return found


# -- encoding ---------------------------------------------------------------------------------


def encode_value(value: object) -> Any:
    """A message field as plain JSON data (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return value
    if isinstance(value, Enum):
        return value.value
    cls = type(value)
    if cls.__name__ in MESSAGE_TYPES:
        return {name: encode_value(getattr(value, name)) for name in _field_names(cls)}
    raise TypeError(f"cannot encode {cls.__name__} in an event log")


def encode(message: object) -> dict[str, Any]:
    """``{"event": <class name>, "data": {<fields>}}`` for one message."""
    name = type(message).__name__
    if MESSAGE_TYPES.get(name) is not type(message):
        raise TypeError(f"{name} is not a message the event log knows")
    return {"event": name, "data": encode_value(message)}


def canonical_json(obj: object) -> str:
    """The one text form used for hashing and comparing: sorted keys, compact, no NaN."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)  # fmt: skip


# -- decoding ---------------------------------------------------------------------------------


def _bad(where: str, what: str) -> DataError:
    return DataError(
        f"{where}: {what}", "the event log was edited or written by another XOR version"
    )


def decode_value(tp: Any, raw: Any, where: str) -> Any:
    """``raw`` (plain JSON data) as a value of the annotated type ``tp``."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        options = get_args(tp)
        if raw is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return decode_value(inner, raw, where)
    if isinstance(tp, NewType):
        return decode_value(tp.__supertype__, raw, where)
    if tp is Decimal:
        if not isinstance(raw, str):
            raise _bad(where, f"expected an exact decimal string, got {raw!r}")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise _bad(where, f"{raw!r} is not a decimal number") from None
        if not value.is_finite():
            raise _bad(where, f"{raw!r} is not a finite number")
        return value
    if tp is bool:
        if not isinstance(raw, bool):
            raise _bad(where, f"expected true or false, got {raw!r}")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _bad(where, f"expected an integer, got {raw!r}")
        return raw
    if tp is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise _bad(where, f"expected a number, got {raw!r}")
        return float(raw)
    if tp is str:
        if not isinstance(raw, str):
            raise _bad(where, f"expected a string, got {raw!r}")
        return raw
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(raw)
        except ValueError:
            raise _bad(where, f"{raw!r} is not a {tp.__name__}") from None
    if isinstance(tp, type) and tp.__name__ in MESSAGE_TYPES:
        return _decode_fields(tp, raw, where)
    raise TypeError(f"{where}: no decoder for {tp!r}")


def _decode_fields(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise _bad(where, f"expected an object of {cls.__name__} fields, got {raw!r}")
    names = _field_names(cls)
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise _bad(where, f"unknown field {unknown[0]!r} for {cls.__name__}")
    hints = _hints(cls)
    values = {}
    for name in names:
        if name not in raw:
            raise _bad(where, f"{cls.__name__} lacks its field {name!r}")
        values[name] = decode_value(hints[name], raw[name], f"{where}: {cls.__name__}.{name}")
    return cls(**values)


def decode(obj: Any, where: str = "event") -> object:
    """The message encoded by :func:`encode`; raises DataError for anything else."""
    if not isinstance(obj, dict) or set(obj) != {"event", "data"}:
        raise _bad(where, 'expected {"event": ..., "data": ...}')
    name = obj["event"]
    cls = MESSAGE_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise _bad(where, f"unknown event type {name!r}")
    return _decode_fields(cls, obj["data"], where)
