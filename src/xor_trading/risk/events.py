"""Events of the breakers and the kill switch: immutable facts in the past tense.

Every event is a frozen dataclass stamped with ``ts_ms`` (UTC epoch milliseconds) and
carries a machine-readable ``kind`` (``"breaker_tripped"``...), so a recorder or an API can
serialise it with :meth:`to_dict` without knowing the class. ``breaker`` holds the
breaker's machine name (:data:`DAILY_LOSS`, :data:`MAX_DRAWDOWN`,
:data:`STOP_LOSS_COOLDOWN`); the same name is the ``rule`` of the ``OrderDenied`` an engine
publishes while the breaker blocks. ``reason`` is always a sentence for people.

Kill switch events name their scope as ``scope`` (``"bot"``, ``"account"`` or
``"global"``) plus ``target`` (the bot or account id; ``None`` for the global switch).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

__all__ = [
    "DAILY_LOSS",
    "KILL_SWITCH",
    "MAX_DRAWDOWN",
    "STOP_LOSS_COOLDOWN",
    "BreakerReset",
    "BreakerTripped",
    "KillSwitchEngaged",
    "KillSwitchRearmed",
    "RiskEvent",
]

DAILY_LOSS = "daily_loss"
MAX_DRAWDOWN = "max_drawdown"
STOP_LOSS_COOLDOWN = "stop_loss_cooldown"
KILL_SWITCH = "kill_switch"

EventValue = str | int | bool | None


class _Serialisable:
    __slots__ = ()
    kind: ClassVar[str]

    def to_dict(self) -> dict[str, EventValue]:
        """``{"kind": ..., <fields>...}``: plain JSON-ready values."""
        out: dict[str, EventValue] = {"kind": self.kind}
        out.update(asdict(self))  # type: ignore[call-overload]  # every subclass is a dataclass
        return out


@dataclass(frozen=True, slots=True)
class BreakerTripped(_Serialisable):
    """A breaker started blocking new entries.

    ``until_ms`` is the first instant at which entries are allowed again (exclusive end of
    the block: the breaker blocks at ``until_ms - 1`` and not at ``until_ms``); ``None``
    means until a person re-arms it (the drawdown breaker).
    """

    kind: ClassVar[str] = "breaker_tripped"

    breaker: str
    reason: str
    ts_ms: int
    until_ms: int | None


@dataclass(frozen=True, slots=True)
class BreakerReset(_Serialisable):
    """A breaker stopped blocking.

    ``ts_ms`` is the instant it re-opened: the ``until_ms`` of the trip for a time-limited
    breaker (even when the reset is noticed later), the re-arm time for a manual re-arm.
    ``by`` is the person who re-armed it, ``None`` when time re-opened it.
    """

    kind: ClassVar[str] = "breaker_reset"

    breaker: str
    reason: str
    ts_ms: int
    by: str | None = None


@dataclass(frozen=True, slots=True)
class KillSwitchEngaged(_Serialisable):
    """A kill switch was engaged: open orders of the scope are canceled, positions
    flattened when ``flatten``, and new orders refused until it is re-armed."""

    kind: ClassVar[str] = "kill_switch_engaged"

    scope: str  # "bot" | "account" | "global"
    reason: str
    flatten: bool
    ts_ms: int
    target: str | None = None  # bot or account id; None for the global switch
    by: str = ""


@dataclass(frozen=True, slots=True)
class KillSwitchRearmed(_Serialisable):
    """A person re-armed a kill switch; its scope may place orders again."""

    kind: ClassVar[str] = "kill_switch_rearmed"

    scope: str
    ts_ms: int
    target: str | None = None
    by: str = ""
    reason: str = ""


RiskEvent = BreakerTripped | BreakerReset | KillSwitchEngaged | KillSwitchRearmed
