"""Kill switches per bot, per account and global: stop trading now, until a person re-arms.

Pure logic. Engaging a switch returns, besides its :class:`KillSwitchEngaged` event, the
actions to perform as plain data: :class:`CancelOpenOrders` for the scope, and
:class:`FlattenPositions` when asked. The execution side performs them; this module only
decides. While a switch is engaged, :meth:`KillSwitchBoard.blocks` answers with a sentence
for every bot it covers:

* the global switch covers every bot of every account;
* an account switch covers every bot of that account;
* a bot switch covers that bot only.

Switches are independent: re-arming the global switch does not re-arm an account or a bot
switch that was engaged on its own, and the other way round.

What "blocks" applies to is the engine's decision. The intent of the issue is that no new
position is opened; reduce-only orders (the flattening itself, protective stops of
positions still open) should still pass, as for every other risk rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from xor_trading.core.errors import ConfigError
from xor_trading.risk.events import KillSwitchEngaged, KillSwitchRearmed

__all__ = [
    "GLOBAL_SCOPE",
    "CancelOpenOrders",
    "Engagement",
    "FlattenPositions",
    "KillAction",
    "KillScope",
    "KillSwitch",
    "KillSwitchBoard",
    "ScopeKind",
]

ScopeKind = Literal["bot", "account", "global"]
_KINDS = ("bot", "account", "global")


@dataclass(frozen=True, slots=True)
class KillScope:
    """What a switch covers: ``kind`` plus ``target`` (bot or account id; None for global)."""

    kind: ScopeKind
    target: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ConfigError(
                f"unknown kill switch scope {self.kind!r}", "use bot, account or global"
            )
        if self.kind == "global" and self.target is not None:
            raise ConfigError(f"the global kill switch has no target, got {self.target!r}")
        if self.kind != "global" and not (self.target and self.target.strip()):
            article = "an" if self.kind == "account" else "a"
            raise ConfigError(
                f"{article} {self.kind} kill switch needs the {self.kind} id",
                f"name the {self.kind} to stop",
            )

    @classmethod
    def bot(cls, bot_id: str) -> KillScope:
        return cls("bot", bot_id)

    @classmethod
    def account(cls, account_id: str) -> KillScope:
        return cls("account", account_id)

    def describe(self) -> str:
        """``"global"``, ``"account acc-1"`` or ``"bot b-7"``."""
        return "global" if self.target is None else f"{self.kind} {self.target}"


GLOBAL_SCOPE = KillScope("global")


@dataclass(frozen=True, slots=True)
class CancelOpenOrders:
    """Cancel every open order of the scope (entries, exits and protective orders)."""

    scope: KillScope


@dataclass(frozen=True, slots=True)
class FlattenPositions:
    """Close every open position of the scope at market, reduce-only."""

    scope: KillScope


KillAction = CancelOpenOrders | FlattenPositions


@dataclass(frozen=True, slots=True)
class Engagement:
    """The result of engaging a switch: the event to publish and the actions to perform,
    in order (cancel first, so no resting order reopens what the flattening closes)."""

    event: KillSwitchEngaged
    actions: tuple[KillAction, ...]


def _required(value: str, what: str, hint: str) -> str:
    text = value.strip()
    if not text:
        raise ConfigError(f"{what} is required", hint)
    return text


class KillSwitch:
    """One switch for one scope. Engaged until :meth:`rearm`."""

    def __init__(self, scope: KillScope) -> None:
        self.scope = scope
        self.engaged_ms: int | None = None
        self.reason = ""
        self.flatten = False
        self.by = ""

    @property
    def is_tripped(self) -> bool:
        return self.engaged_ms is not None

    def engage(self, reason: str, *, flatten: bool, ts_ms: int, by: str = "") -> Engagement:
        """Engage (or engage again) the switch.

        Engaging an engaged switch is allowed and returns the actions again: cancels are
        idempotent, and an operator who presses twice, perhaps now asking to flatten, wants
        it done. The latest reason, person and flatten choice are kept; the engagement time
        stays the first one.
        """
        why = _required(reason, "a reason to engage the kill switch", "say why trading stops")
        if self.engaged_ms is None:
            self.engaged_ms = ts_ms
        self.reason = why
        self.flatten = flatten
        self.by = by.strip()
        event = KillSwitchEngaged(
            self.scope.kind, why, flatten, ts_ms, target=self.scope.target, by=self.by
        )
        actions: tuple[KillAction, ...] = (CancelOpenOrders(self.scope),)
        if flatten:
            actions += (FlattenPositions(self.scope),)
        return Engagement(event, actions)

    def rearm(self, by: str, reason: str, *, ts_ms: int) -> KillSwitchRearmed | None:
        """A person re-arms the switch; None if it was not engaged."""
        who = _required(by, "the person re-arming the kill switch", "give your name")
        why = _required(reason, "a reason to re-arm the kill switch", "say why it is safe")
        if self.engaged_ms is None:
            return None
        self.engaged_ms = None
        self.reason = ""
        self.flatten = False
        self.by = ""
        return KillSwitchRearmed(
            self.scope.kind, ts_ms, target=self.scope.target, by=who, reason=why
        )

    def block_reason(self) -> str | None:
        if self.engaged_ms is None:
            return None
        who = f" by {self.by}" if self.by else ""
        return (
            f"the {self.scope.describe()} kill switch was engaged{who}: {self.reason}; "
            "no new orders until it is re-armed"
        )


class KillSwitchBoard:
    """Every kill switch of a deployment, and the answer to "may this bot trade?"."""

    def __init__(self) -> None:
        self._switches: dict[KillScope, KillSwitch] = {}

    def switch(self, scope: KillScope) -> KillSwitch:
        """The switch of ``scope`` (created disarmed the first time it is asked for)."""
        found = self._switches.get(scope)
        if found is None:
            found = self._switches[scope] = KillSwitch(scope)
        return found

    def engage(
        self, scope: KillScope, reason: str, flatten: bool = False, *, ts_ms: int, by: str = ""
    ) -> Engagement:
        return self.switch(scope).engage(reason, flatten=flatten, ts_ms=ts_ms, by=by)

    def rearm(
        self, scope: KillScope, by: str, reason: str, *, ts_ms: int
    ) -> KillSwitchRearmed | None:
        return self.switch(scope).rearm(by, reason, ts_ms=ts_ms)

    def engaged(self) -> list[KillSwitch]:
        """The engaged switches, in the order they were first created."""
        return [s for s in self._switches.values() if s.is_tripped]

    def blocks(self, bot_id: str, account_id: str) -> str | None:
        """Why ``bot_id`` (of ``account_id``) may not trade, or None if it may.

        The broadest engaged switch answers: global, then the account, then the bot.
        """
        scopes = [GLOBAL_SCOPE]
        if account_id.strip():
            scopes.append(KillScope("account", account_id))
        if bot_id.strip():
            scopes.append(KillScope("bot", bot_id))
        for scope in scopes:
            found = self._switches.get(scope)
            if found is not None and (reason := found.block_reason()) is not None:
                return reason
        return None
