"""Kill switches, persisted: stop trading now for one bot, one account or everyone.

Who may do what (the system actor is the server console, ``xor kill-switch``):

=========  ==========================================  ==========================================
scope      engage                                      re-arm (fresh MFA for a user, S9)
=========  ==========================================  ==========================================
bot        the bot's owner (trader), an admin, system  the owner if they engaged it; admin; system
account    the user themself (trader), an admin for    the user if they engaged it; admin; system
           any user, system
global     an admin, system                            an admin, system
=========  ==========================================  ==========================================

Someone else's bot or account is *not found* (S1), never forbidden. A switch an
administrator (or the console) engaged on a user's bot or account is re-armed by an
administrator (or the console) only: otherwise the user could undo the stop that was put
on them. Engaging never needs a step-up: stopping must always be easy.

Engaging, in one transaction with its audit entry:

* records the switch (engaging an engaged switch again keeps its first time, takes the
  new reason and person; a flatten once asked for stays asked for);
* moves every affected bot that runs (``starting``, ``monitoring``, ``signal_detected``,
  ``position_open``, ``position_closed``, ``paused``) to ``halted`` through the lifecycle
  table, with a state-history row whose reason is ``kill switch (<scope>) by <actor>:
  <reason>``; idle, stopped, halted and failed bots are left as they are;
* writes a ``kill_switch_engaged`` risk event per bot halted (when it halts none: one for
  the switch's bot or account; none for a global switch that halts nothing);

then publishes each halted bot's status and a critical alert to every affected user.
Cancelling open orders and flattening (``flatten``) are the runtime's part (issue 6): it
reads :func:`switches_affecting` and :func:`is_trading_allowed`.

Re-arming does **not** restart anything: a halted bot stays halted until its owner stops
it and starts it again (``halted -> stopped -> starting``), so a person decides, bot by
bot, that it is safe. While any switch covering a bot is engaged, starting or resuming it
is refused (:func:`assert_not_killed`, called by the bot service).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from xor_trading.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from xor_trading.domain.bot_lifecycle import BotState, transition
from xor_trading.domain.users import Role
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import bots as bots_repo
from xor_trading.persistence.repositories import platform_controls as controls_repo
from xor_trading.persistence.tables.platform_controls import (
    KillSwitchRow,
    KillSwitchScope,
    engaged_key,
)
from xor_trading.persistence.tables.risk_events import RiskEventKind
from xor_trading.services.audit import record_audit
from xor_trading.services.authentication import require_recent_mfa
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal
from xor_trading.services.stream_events import publish_alert, publish_bot_status

__all__ = [
    "HALTABLE_STATES",
    "KILL_SWITCH_RULE",
    "SYSTEM_ACTOR",
    "EngageResult",
    "KillSwitchScope",
    "KillSwitchService",
    "KillSwitchView",
    "TradingStatus",
    "assert_not_killed",
    "is_trading_allowed",
    "switches_affecting",
]

HALTABLE_STATES: frozenset[BotState] = frozenset(
    {
        BotState.STARTING,
        BotState.MONITORING,
        BotState.SIGNAL_DETECTED,
        BotState.POSITION_OPEN,
        BotState.POSITION_CLOSED,
        BotState.PAUSED,
    }
)
"""States an engaged switch moves to ``halted``: every state in which the runtime works
or watches a position."""

KILL_SWITCH_RULE = "kill_switch"
"""The ``rule`` of the risk events a switch writes (the risk engine's machine name)."""

SYSTEM_ACTOR = "system"
"""How the server console is named in reasons, audit details and views."""

REASON_MAX = 200  # leaves room for "kill switch (account) by <actor>: " in 255 characters
HISTORY_REASON_MAX = 255  # bot_state_history.reason
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCOPE_ORDER = {KillSwitchScope.GLOBAL: 0, KillSwitchScope.ACCOUNT: 1, KillSwitchScope.BOT: 2}


@dataclass(frozen=True, slots=True)
class KillSwitchView:
    """One engagement of a switch. ``target_id``: the bot id, the user id, or None
    (global); ``engaged_by``/``rearmed_by`` None: the server console (system)."""

    id: str
    scope: str
    target_id: str | None
    owner_id: str | None
    engaged: bool
    engaged_at: datetime
    engaged_by: str | None
    reason: str
    flatten: bool
    halted_bots: int
    rearmed_at: datetime | None
    rearmed_by: str | None
    rearm_reason: str | None


@dataclass(frozen=True, slots=True)
class EngageResult:
    """What engaging did: the switch, whether it was newly engaged (False: it was engaged
    already and was engaged again), and the bots this call moved to ``halted``."""

    switch: KillSwitchView
    newly_engaged: bool
    halted_bot_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TradingStatus:
    """Whether a user's bot (or the user's bots) may trade, and the switches that say no
    (broadest first: global, account, bot)."""

    trading_allowed: bool
    reason: str
    switches: tuple[KillSwitchView, ...]


@dataclass(frozen=True, slots=True)
class _Actor:
    """Who acts: a user (``user_id``) or the console (``user_id`` None, admin powers)."""

    user_id: str | None
    is_admin: bool
    label: str

    @property
    def kind(self) -> str:
        return SYSTEM_ACTOR if self.user_id is None else "user"


_SYSTEM = _Actor(user_id=None, is_admin=True, label=SYSTEM_ACTOR)

_ActorSource = Callable[[DbSession], _Actor]
"""Gives the actor inside the use case's transaction (a user's email is read there)."""


def _view(row: KillSwitchRow) -> KillSwitchView:
    return KillSwitchView(
        id=row.id,
        scope=row.scope,
        target_id=row.target_id,
        owner_id=row.owner_id,
        engaged=row.rearmed_at is None,
        engaged_at=row.engaged_at,
        engaged_by=row.engaged_by,
        reason=row.reason,
        flatten=row.flatten,
        halted_bots=row.halted_bots,
        rearmed_at=row.rearmed_at,
        rearmed_by=row.rearmed_by,
        rearm_reason=row.rearm_reason,
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _reason(text: str, what: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise InputError(f"a reason to {what} the kill switch is required", "say why, in a line")
    if not reason.isprintable():
        raise InputError("reason contains control characters", "write it on one line")
    if len(reason) > REASON_MAX:
        raise InputError(
            f"reason is {len(reason)} characters long; at most {REASON_MAX} are kept", "shorten it"
        )
    return reason


def _describe(row: KillSwitchRow) -> str:
    if row.scope == KillSwitchScope.GLOBAL.value:
        return "the global kill switch"
    return f"the {row.scope} kill switch of {row.scope} {row.target_id}"


def _switch_not_found(switch_id: str) -> NotFoundError:
    return NotFoundError(
        f"kill switch {switch_id} not found",
        "list the switches that affect you with GET /api/v1/kill-switch",
    )


# -- what the bot service and the runtime ask ---------------------------------------------


def switches_affecting(
    session: DbSession, owner_id: str, bot_id: str | None
) -> list[KillSwitchView]:
    """The engaged switches covering ``owner_id``'s bot ``bot_id`` (or, with ``bot_id``
    None, the user's account as a whole), broadest first: global, account, bot."""
    keys = [
        engaged_key(KillSwitchScope.GLOBAL, None),
        engaged_key(KillSwitchScope.ACCOUNT, owner_id),
    ]
    if bot_id is not None:
        keys.append(engaged_key(KillSwitchScope.BOT, bot_id))
    rows = controls_repo.engaged_among(session, keys)
    rows.sort(key=lambda r: _SCOPE_ORDER[KillSwitchScope(r.scope)])
    return [_view(r) for r in rows]


def _blocking_sentence(view: KillSwitchView) -> str:
    name = (
        "the global kill switch"
        if view.scope == KillSwitchScope.GLOBAL.value
        else f"the {view.scope} kill switch"
    )
    return f"{name} {view.id} is engaged since {_iso(view.engaged_at)}: {view.reason}"


def is_trading_allowed(session: DbSession, owner_id: str, bot_id: str) -> tuple[bool, str]:
    """``(True, "")`` when no switch covers ``owner_id``'s bot ``bot_id``; otherwise
    ``(False, sentence)`` naming the broadest engaged switch (global, then account, then
    bot). The runtime (issue 6) asks this before every new entry; exits stay allowed."""
    found = switches_affecting(session, owner_id, bot_id)
    if not found:
        return True, ""
    return False, f"{_blocking_sentence(found[0])}; no new orders until it is re-armed"


def assert_not_killed(session: DbSession, owner_id: str, bot_id: str) -> None:
    """Raise :class:`ConflictError` (409) naming the switch when one covering the bot is
    engaged: a bot may not start or resume until every switch over it is re-armed."""
    found = switches_affecting(session, owner_id, bot_id)
    if not found:
        return
    view = found[0]
    who = "an administrator re-arms it" if view.scope == "global" else "re-arm it when it is safe"
    raise ConflictError(
        f"bot {bot_id} cannot start while {_blocking_sentence(view)}",
        f"wait until {who} (POST /api/v1/kill-switch/{view.id}/rearm), then start the bot",
    )


# -- the use cases --------------------------------------------------------------------------


class KillSwitchService:
    """Engage, re-arm and read kill switches (construct per call; it holds no state)."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._db = container.database

    def _now(self) -> datetime:
        return _EPOCH + timedelta(milliseconds=self._container.clock.now_ms())

    @staticmethod
    def _actor(session: DbSession, principal: Principal) -> _Actor:
        email = controls_repo.user_email(session, principal.user_id) or principal.user_id
        return _Actor(user_id=principal.user_id, is_admin=principal.allows(Role.ADMIN), label=email)

    # -- engaging -------------------------------------------------------------------------

    def engage(
        self,
        principal: Principal,
        scope: KillSwitchScope,
        target_id: str | None,
        *,
        reason: str,
        flatten: bool = False,
    ) -> EngageResult:
        """Engage the ``scope`` switch of ``target_id`` (a bot id, a user id, None for
        global; for ``account`` None means the caller's own account).

        Raises :class:`PermissionDeniedError` for a viewer or a non-admin asking for the
        global switch, :class:`NotFoundError` for a bot or account that is not the
        caller's (unless admin) or does not exist, :class:`InputError` for a missing
        reason or target. Never needs a step-up.
        """
        if not principal.allows(Role.TRADER):
            raise PermissionDeniedError(
                f"engaging a kill switch needs the trader role; you are {principal.role.value}",
                "ask the account's trader or an administrator",
            )
        if scope is KillSwitchScope.ACCOUNT and target_id is None:
            target_id = principal.user_id
        return self._engage(
            lambda session: self._actor(session, principal), scope, target_id, reason, flatten
        )

    def engage_as_system(
        self, scope: KillSwitchScope, target_id: str | None, *, reason: str, flatten: bool = False
    ) -> EngageResult:
        """Engage as the server console (``xor kill-switch engage``): admin powers, audited
        with no user (``actor`` ``system``)."""
        return self._engage(lambda _session: _SYSTEM, scope, target_id, reason, flatten)

    def _resolve_target(
        self, session: DbSession, actor: _Actor, scope: KillSwitchScope, target_id: str | None
    ) -> str | None:
        """The owner account of the switch (None for global), checking who may act on it."""
        if scope is KillSwitchScope.GLOBAL:
            if target_id is not None:
                raise InputError(
                    "the global kill switch has no target", "leave target out for scope global"
                )
            if not actor.is_admin:
                raise PermissionDeniedError(
                    "only an administrator may engage the global kill switch",
                    "engage your account's switch (scope account) or ask an administrator",
                )
            return None
        if target_id is None:
            raise InputError(
                f"a {scope.value} kill switch needs the {scope.value}'s id in target",
                "give the bot id for scope bot",
            )
        if scope is KillSwitchScope.ACCOUNT:
            own = target_id == actor.user_id
            if not (own or (actor.is_admin and controls_repo.user_exists(session, target_id))):
                raise NotFoundError(
                    f"account {target_id} not found",
                    "give your own user id, or leave target out for your account",
                )
            return target_id
        bot = (
            controls_repo.find_bot(session, target_id)
            if actor.is_admin
            else bots_repo.get_bot(session, actor.user_id or "", target_id)
        )
        if bot is None:
            raise NotFoundError(
                f"bot {target_id} not found", "list your bots with GET /api/v1/bots"
            )
        return bot.owner_id

    def _engage(
        self,
        get_actor: _ActorSource,
        scope: KillSwitchScope,
        target_id: str | None,
        reason_text: str,
        flatten: bool,
    ) -> EngageResult:
        reason = _reason(reason_text, "engage")
        now = self._now()
        published: list[tuple[str, str]] = []  # (owner, bot) halted
        with self._db.session() as session:
            actor = get_actor(session)
            owner_id = self._resolve_target(session, actor, scope, target_id)
            note = _fit(
                f"kill switch ({scope.value}) by {actor.label}: {reason}", HISTORY_REASON_MAX
            )
            key = engaged_key(scope, target_id)
            row = controls_repo.get_engaged(session, key, for_update=True)
            newly = row is None
            if row is None:
                row = KillSwitchRow(
                    scope=scope.value,
                    target_id=target_id,
                    owner_id=owner_id,
                    engaged_key=key,
                    engaged_at=now,
                    engaged_by=actor.user_id,
                    reason=reason,
                    flatten=flatten,
                    halted_bots=0,
                )
                if not controls_repo.add_switch(session, row):
                    # Engaged concurrently by another request: engage that one again.
                    row = controls_repo.get_engaged(session, key, for_update=True)
                    newly = False
                    if row is None:  # re-armed in between: nothing to join, ask again
                        raise ConflictError(
                            f"the {scope.value} kill switch changed while engaging it",
                            "engage it again",
                        )
            if not newly:
                row.reason = reason
                row.engaged_by = actor.user_id
                row.flatten = row.flatten or flatten  # a flatten asked for cannot be taken back
            in_scope = controls_repo.bots_in_scope(
                session,
                owner_id=owner_id,
                bot_id=target_id if scope is KillSwitchScope.BOT else None,
            )
            halted = [bot for bot in in_scope if BotState(bot.state) in HALTABLE_STATES]
            details: dict[str, str | int | bool | None] = {
                "switch_id": row.id,
                "scope": scope.value,
                "target": target_id,
                "flatten": row.flatten,
                "by": actor.label,
            }
            for bot in halted:
                current = BotState(bot.state)
                transition(current, BotState.HALTED)
                bot.state = BotState.HALTED.value
                bot.updated_at = now
                bots_repo.add_state_change(
                    session,
                    bot_id=bot.id,
                    from_state=current.value,
                    to_state=BotState.HALTED.value,
                    reason=note,
                    actor_id=actor.user_id,
                    at=now,
                )
                controls_repo.add_risk_event(
                    session,
                    owner_id=bot.owner_id,
                    bot_id=bot.id,
                    at=now,
                    kind=RiskEventKind.KILL_SWITCH_ENGAGED,
                    rule=KILL_SWITCH_RULE,
                    sentence=note,
                    details={**details, "from_state": current.value},
                )
                published.append((bot.owner_id, bot.id))
            if not halted and owner_id is not None:
                controls_repo.add_risk_event(
                    session,
                    owner_id=owner_id,
                    bot_id=target_id if scope is KillSwitchScope.BOT else None,
                    at=now,
                    kind=RiskEventKind.KILL_SWITCH_ENGAGED,
                    rule=KILL_SWITCH_RULE,
                    sentence=note,
                    details=details,
                )
            row.halted_bots += len(halted)
            session.flush()
            recipients = controls_repo.active_user_ids(session) if owner_id is None else [owner_id]
            record_audit(
                session,
                self._container,
                actor_id=actor.user_id,
                action="kill_switch.engage",
                target_type="kill_switch",
                target_id=row.id,
                details={
                    "scope": scope.value,
                    "target": target_id,
                    "reason": reason,
                    "flatten": row.flatten,
                    "halted_bots": len(halted),
                    "again": not newly,
                    "actor": actor.kind,
                },
            )
            view = _view(row)
        for owner, bot_id in published:
            publish_bot_status(
                self._container, owner_id=owner, bot_id=bot_id, state="halted", reason=note
            )
        per_owner = Counter(owner for owner, _ in published)
        for user_id in recipients:
            publish_alert(
                self._container,
                owner_id=user_id,
                level="critical",
                message=f"{note} ({per_owner[user_id]} of your bots halted)",
            )
        return EngageResult(
            switch=view, newly_engaged=newly, halted_bot_ids=tuple(b for _, b in published)
        )

    # -- re-arming ------------------------------------------------------------------------

    def rearm(self, principal: Principal, switch_id: str, *, reason: str) -> KillSwitchView:
        """Re-arm switch ``switch_id``; needs a fresh MFA verification (403 ``mfa_required``).

        Raises :class:`NotFoundError` for a switch the caller cannot see,
        :class:`PermissionDeniedError` when the caller may not re-arm it (the global
        switch, or one an administrator engaged, for a non-admin), :class:`ConflictError`
        when it is already re-armed. Halted bots stay halted.
        """
        _reason(reason, "re-arm")  # a missing reason is reported before the step-up
        require_recent_mfa(principal, self._container)
        return self._rearm(lambda session: self._actor(session, principal), switch_id, reason)

    def rearm_as_system(self, switch_id: str, *, reason: str) -> KillSwitchView:
        """Re-arm as the server console (``xor kill-switch rearm``): no step-up (the
        operator is at the server), audited with no user (``actor`` ``system``)."""
        return self._rearm(lambda _session: _SYSTEM, switch_id, reason)

    @staticmethod
    def _visible(actor: _Actor, row: KillSwitchRow) -> bool:
        return (
            actor.is_admin
            or row.scope == KillSwitchScope.GLOBAL.value
            or row.owner_id == actor.user_id
        )

    def _rearm(self, get_actor: _ActorSource, switch_id: str, reason_text: str) -> KillSwitchView:
        reason = _reason(reason_text, "re-arm")
        now = self._now()
        with self._db.session() as session:
            actor = get_actor(session)
            row = controls_repo.get_switch(session, switch_id, for_update=True)
            if row is None or not self._visible(actor, row):
                raise _switch_not_found(switch_id)
            if row.rearmed_at is not None:
                raise ConflictError(
                    f"kill switch {switch_id} was already re-armed at {_iso(row.rearmed_at)}",
                    "list the engaged switches with GET /api/v1/kill-switch",
                )
            if not actor.is_admin:
                if row.scope == KillSwitchScope.GLOBAL.value:
                    raise PermissionDeniedError(
                        "only an administrator may re-arm the global kill switch",
                        "ask an administrator",
                    )
                if row.engaged_by != actor.user_id:
                    raise PermissionDeniedError(
                        f"{_describe(row)} was engaged by an administrator or the server "
                        "console; only an administrator may re-arm it",
                        "ask an administrator",
                    )
            row.rearmed_at = now
            row.rearmed_by = actor.user_id
            row.rearm_reason = reason
            row.engaged_key = None
            session.flush()
            sentence = _fit(
                f"kill switch ({row.scope}) re-armed by {actor.label}: {reason}; halted bots "
                "stay halted until they are stopped and started again",
                1000,
            )
            details: dict[str, str | int | bool | None] = {
                "switch_id": row.id,
                "scope": row.scope,
                "target": row.target_id,
                "by": actor.label,
            }
            # Who hears of it: the switch's account, or (global) everyone with a halted bot.
            if row.owner_id is not None:
                owners = [row.owner_id]
            else:
                owners = controls_repo.owners_of_bots_in_state(session, BotState.HALTED.value)
            for owner in owners:
                controls_repo.add_risk_event(
                    session,
                    owner_id=owner,
                    bot_id=row.target_id if row.scope == KillSwitchScope.BOT.value else None,
                    at=now,
                    kind=RiskEventKind.KILL_SWITCH_REARMED,
                    rule=KILL_SWITCH_RULE,
                    sentence=sentence,
                    details=details,
                )
            recipients = (
                controls_repo.active_user_ids(session) if row.owner_id is None else [row.owner_id]
            )
            record_audit(
                session,
                self._container,
                actor_id=actor.user_id,
                action="kill_switch.rearm",
                target_type="kill_switch",
                target_id=row.id,
                details={
                    "scope": row.scope,
                    "target": row.target_id,
                    "reason": reason,
                    "actor": actor.kind,
                },
            )
            view = _view(row)
        for user_id in recipients:
            publish_alert(self._container, owner_id=user_id, level="info", message=sentence)
        return view

    # -- reading --------------------------------------------------------------------------

    def get(self, principal: Principal, switch_id: str) -> KillSwitchView:
        """One switch the caller can see (global ones, their account's; admins: all)."""
        with self._db.read_session() as session:
            actor = _Actor(principal.user_id, principal.allows(Role.ADMIN), principal.user_id)
            row = controls_repo.get_switch(session, switch_id)
            if row is None or not self._visible(actor, row):
                raise _switch_not_found(switch_id)
            return _view(row)

    def list_switches(
        self,
        principal: Principal | None,
        *,
        engaged: bool | None,
        scope: KillSwitchScope | None = None,
        limit: int,
        offset: int,
    ) -> tuple[list[KillSwitchView], int]:
        """One page of switches, newest first, and the total: an administrator (or the
        console, ``principal`` None) sees every switch; anyone else the global ones and
        those of their own account and bots. ``engaged``: True engaged only, False
        re-armed only, None both (the history)."""
        everyone = principal is None or principal.allows(Role.ADMIN)
        with self._db.read_session() as session:
            rows, total = controls_repo.list_switches(
                session,
                owner_id=None if everyone or principal is None else principal.user_id,
                engaged=engaged,
                scope=scope.value if scope is not None else None,
                limit=limit,
                offset=offset,
            )
            return [_view(r) for r in rows], total

    def status(self, principal: Principal, bot_id: str | None = None) -> TradingStatus:
        """Whether the caller's bot ``bot_id`` (or, None, the caller's account) may trade,
        with the engaged switches that cover it; someone else's bot is not found."""
        with self._db.read_session() as session:
            if bot_id is not None and bots_repo.get_bot(session, principal.user_id, bot_id) is None:
                raise NotFoundError(
                    f"bot {bot_id} not found", "list your bots with GET /api/v1/bots"
                )
            found = switches_affecting(session, principal.user_id, bot_id)
        if not found:
            return TradingStatus(trading_allowed=True, reason="", switches=())
        reason = f"{_blocking_sentence(found[0])}; no new orders until it is re-armed"
        return TradingStatus(trading_allowed=False, reason=reason, switches=tuple(found))
