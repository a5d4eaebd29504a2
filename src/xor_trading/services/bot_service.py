"""Bots: create, read, change (every change a new configuration version), roll back,
delete, and move through the lifecycle (start, stop, pause, resume).

Every method takes the caller's :class:`Principal` first and acts on the caller's own bots
only: someone else's bot is *not found* (S1). Every change is one transaction together with
its audit entry (and its state history row), so a failed call changes nothing.

Changing a bot so that it goes live, or so that a risk limit becomes looser, needs a fresh
MFA verification (step-up, S9); see :func:`~xor_trading.services.bot_config.step_up_reasons`.
A running bot keeps the configuration it started with: the runtime reads the version in
force when the bot starts (or resumes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from xor_trading.core.errors import ConflictError, InputError, NotFoundError
from xor_trading.domain.bot_lifecycle import (
    DELETABLE_STATES,
    BotCommand,
    BotState,
    command_target,
    transition,
)
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import bots as bots_repo
from xor_trading.persistence.repositories import orders as orders_repo
from xor_trading.persistence.repositories.bots import BotSort
from xor_trading.persistence.tables.bots import BotRow, BotStateHistoryRow, BotVersionRow
from xor_trading.services.audit import record_audit
from xor_trading.services.authentication import require_recent_mfa
from xor_trading.services.bot_config import (
    BotConfig,
    BotMode,
    config_to_json,
    merge_changes,
    parse_bot_config,
    risk_profile,
    step_up_reasons,
    verify_credential,
)
from xor_trading.services.container import Container
from xor_trading.services.kill_switch_service import assert_not_killed
from xor_trading.services.platform_risk_service import check_risk_within_caps
from xor_trading.services.principal import Principal
from xor_trading.services.private_stream_status import PrivateStreamView, private_stream_views
from xor_trading.services.stream_events import publish_bot_status

__all__ = [
    "BotService",
    "BotSort",
    "BotStateChangeView",
    "BotVersionView",
    "BotView",
    "ConfigChange",
    "flatten_config",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REASON_MAX = 255


@dataclass(frozen=True, slots=True)
class BotView:
    """A bot as its owner sees it, with the configuration in force (stored form) and its
    private stream (services/private_stream_status.py: ``None`` for a live bot no worker
    runs now)."""

    id: str
    name: str
    strategy: str
    mode: str
    state: str
    exchange: str
    symbols: tuple[str, ...]
    timeframe: str
    risk_profile: str
    config_version: int
    exchange_credential_id: str | None
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    private_stream: PrivateStreamView | None


@dataclass(frozen=True, slots=True)
class BotVersionView:
    """One saved configuration; ``created_by`` is the user who saved it."""

    bot_id: str
    version: int
    config: dict[str, Any]
    created_at: datetime
    created_by: str
    reason: str


@dataclass(frozen=True, slots=True)
class BotStateChangeView:
    """One lifecycle transition; ``actor_id`` None means the runtime moved the bot."""

    sequence: int
    from_state: str
    to_state: str
    reason: str
    actor_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One configuration value that differs: ``key`` is a dotted path (``risk.max_leverage``);
    ``old`` or ``new`` is None where the key is absent on that side."""

    key: str
    old: Any
    new: Any


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects flattened to dotted keys (``{"risk": {"x": 1}}`` -> ``{"risk.x": 1}``);
    lists are values, not descended into."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_config(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ConfigChange]:
    before, after = flatten_config(old), flatten_config(new)
    return [
        ConfigChange(key=key, old=before.get(key), new=after.get(key))
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key) or (key in before) != (key in after)
    ]


def _loads(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _bot_view(row: BotRow, config_text: str, stream: PrivateStreamView | None) -> BotView:
    return BotView(
        id=row.id,
        name=row.name,
        strategy=row.strategy,
        mode=row.mode,
        state=row.state,
        exchange=row.exchange,
        symbols=tuple(json.loads(row.symbols)),
        timeframe=row.timeframe,
        risk_profile=row.risk_profile,
        config_version=row.config_version,
        exchange_credential_id=row.exchange_credential_id,
        config=_loads(config_text),
        created_at=row.created_at,
        updated_at=row.updated_at,
        private_stream=stream,
    )


def _version_view(row: BotVersionRow) -> BotVersionView:
    return BotVersionView(
        bot_id=row.bot_id,
        version=row.version,
        config=_loads(row.config),
        created_at=row.created_at,
        created_by=row.created_by,
        reason=row.reason,
    )


def _change_view(row: BotStateHistoryRow) -> BotStateChangeView:
    return BotStateChangeView(
        sequence=row.sequence,
        from_state=row.from_state,
        to_state=row.to_state,
        reason=row.reason,
        actor_id=row.actor_id,
        at=row.at,
    )


def _not_found(bot_id: str) -> NotFoundError:
    return NotFoundError(f"bot {bot_id} not found", "list your bots with GET /api/v1/bots")


def _apply_config(row: BotRow, config: BotConfig) -> None:
    """Copy the searchable parts of ``config`` onto the bot row."""
    row.name = config.name
    row.strategy = config.strategy
    row.mode = config.mode.value
    row.exchange = config.exchange
    row.symbols = json.dumps(list(config.symbols))
    row.timeframe = config.timeframe
    row.risk_profile = risk_profile(config.risk)
    row.exchange_credential_id = config.exchange_credential_id


def _reason(text: str | None, default: str) -> str:
    reason = (text or "").strip() or default
    if not reason.isprintable():
        raise InputError("reason contains control characters", "write it on one line")
    if len(reason) > REASON_MAX:
        raise InputError(
            f"reason is {len(reason)} characters long; at most {REASON_MAX} are kept",
            "shorten it",
        )
    return reason


class BotService:
    """The bot use cases of one container (construct per call, it holds no state)."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._db = container.database

    def _now(self) -> datetime:
        return _EPOCH + timedelta(milliseconds=self._container.clock.now_ms())

    def _publish(self, owner_id: str, bot_id: str, state: BotState, reason: str) -> None:
        """Tell the owner's stream subscribers the bot's new state (after the commit)."""
        publish_bot_status(
            self._container, owner_id=owner_id, bot_id=bot_id, state=state.value, reason=reason
        )

    # -- reading ------------------------------------------------------------------------------

    def _current(self, session: DbSession, owner_id: str, bot_id: str) -> tuple[BotRow, str]:
        row = bots_repo.get_bot(session, owner_id, bot_id)
        if row is None:
            raise _not_found(bot_id)
        version = bots_repo.get_version(session, owner_id, bot_id, row.config_version)
        if version is None:  # bots and their versions are written in one transaction
            raise AssertionError(f"bot {bot_id} has no version {row.config_version}")
        return row, version.config

    def _view(self, session: DbSession, row: BotRow, config_text: str) -> BotView:
        stream = private_stream_views(session, [row], self._now())[row.id]
        return _bot_view(row, config_text, stream)

    def get(self, principal: Principal, bot_id: str) -> BotView:
        """The caller's bot ``bot_id``; :class:`NotFoundError` otherwise (also for others')."""
        with self._db.read_session() as session:
            return self._view(session, *self._current(session, principal.user_id, bot_id))

    def list_bots(
        self,
        principal: Principal,
        *,
        limit: int,
        offset: int,
        sort: BotSort = "created_at",
        descending: bool = False,
        state: BotState | None = None,
        mode: BotMode | None = None,
        strategy: str | None = None,
    ) -> tuple[list[BotView], int]:
        """One page of the caller's bots (not deleted) and the total matching the filters."""
        with self._db.read_session() as session:
            rows, total = bots_repo.list_bots(
                session,
                principal.user_id,
                limit=limit,
                offset=offset,
                sort=sort,
                descending=descending,
                state=state.value if state else None,
                mode=mode.value if mode else None,
                strategy=strategy,
            )
            configs = bots_repo.current_configs(session, principal.user_id, [r.id for r in rows])
            streams = private_stream_views(session, rows, self._now())
            return [_bot_view(row, configs[row.id], streams[row.id]) for row in rows], total

    def list_versions(
        self, principal: Principal, bot_id: str, *, limit: int, offset: int
    ) -> tuple[list[BotVersionView], int]:
        """One page of the bot's configuration versions, newest first, and their count."""
        with self._db.read_session() as session:
            if bots_repo.get_bot(session, principal.user_id, bot_id) is None:
                raise _not_found(bot_id)
            rows, total = bots_repo.list_versions(
                session, principal.user_id, bot_id, limit=limit, offset=offset
            )
            return [_version_view(r) for r in rows], total

    def get_version(self, principal: Principal, bot_id: str, version: int) -> BotVersionView:
        """Version ``version`` of the bot; :class:`NotFoundError` when either does not exist."""
        with self._db.read_session() as session:
            return _version_view(self._version(session, principal.user_id, bot_id, version))

    def _version(
        self, session: DbSession, owner_id: str, bot_id: str, version: int
    ) -> BotVersionRow:
        if bots_repo.get_bot(session, owner_id, bot_id) is None:
            raise _not_found(bot_id)
        row = bots_repo.get_version(session, owner_id, bot_id, version)
        if row is None:
            raise NotFoundError(
                f"bot {bot_id} has no configuration version {version}",
                f"list its versions with GET /api/v1/bots/{bot_id}/versions",
            )
        return row

    def diff_versions(
        self, principal: Principal, bot_id: str, version: int, against: int
    ) -> list[ConfigChange]:
        """What changed from version ``against`` to version ``version`` (``old`` is the
        value in ``against``), sorted by key; empty when they are equal."""
        with self._db.read_session() as session:
            new = self._version(session, principal.user_id, bot_id, version)
            old = self._version(session, principal.user_id, bot_id, against)
            return _diff(_loads(old.config), _loads(new.config))

    def state_history(
        self, principal: Principal, bot_id: str, *, limit: int, offset: int
    ) -> tuple[list[BotStateChangeView], int]:
        """One page of the bot's lifecycle transitions, newest first, and their count."""
        with self._db.read_session() as session:
            if bots_repo.get_bot(session, principal.user_id, bot_id) is None:
                raise _not_found(bot_id)
            rows, total = bots_repo.list_state_history(
                session, principal.user_id, bot_id, limit=limit, offset=offset
            )
            return [_change_view(r) for r in rows], total

    # -- configuration changes ----------------------------------------------------------------

    def create(self, principal: Principal, data: Mapping[str, Any]) -> BotView:
        """A new bot (state ``idle``, configuration version 1) from ``data``.

        Raises :class:`InputError` (bad configuration), :class:`NotFoundError` (an exchange
        key that is not the caller's), :class:`ConflictError` (name taken), or
        ``StepUpRequiredError`` (a live bot without a fresh MFA verification).
        """
        config = parse_bot_config(data)
        if step_up_reasons(None, config):
            require_recent_mfa(principal, self._container)
        owner_id = principal.user_id
        now = self._now()
        with self._db.session() as session:
            verify_credential(session, owner_id, config)
            check_risk_within_caps(session, config.risk)
            if bots_repo.name_taken(session, owner_id, config.name):
                raise ConflictError(
                    f"you already have a bot called {config.name!r}", "choose another name"
                )
            row = BotRow(owner_id=owner_id, state=BotState.IDLE.value, config_version=1)
            row.created_at = row.updated_at = now
            _apply_config(row, config)
            bots_repo.add_bot(session, row)
            text = config_to_json(config)
            bots_repo.add_version(
                session,
                bot_id=row.id,
                version=1,
                config=text,
                created_at=now,
                created_by=owner_id,
                reason="created",
            )
            record_audit(
                session,
                self._container,
                actor_id=owner_id,
                action="bot.create",
                target_type="bot",
                target_id=row.id,
                details={
                    "name": config.name,
                    "strategy": config.strategy,
                    "mode": config.mode.value,
                    "version": 1,
                },
            )
            return self._view(session, row, text)

    def update(
        self,
        principal: Principal,
        bot_id: str,
        changes: Mapping[str, Any],
        *,
        reason: str | None = None,
    ) -> BotView:
        """Save ``changes`` (configuration keys; ``params``, ``risk``, ``sizing`` and ``exits``
        merge key by key) as the next configuration version.

        Raises :class:`InputError` for no change or a bad configuration, and
        ``StepUpRequiredError`` when the change makes the bot live or loosens a risk limit
        without a fresh MFA verification. A failed update changes nothing.
        """
        if not changes:
            raise InputError("the update changes nothing", "give at least one field to change")
        note = _reason(reason, "updated")
        with self._db.read_session() as session:
            row, current_text = self._current(session, principal.user_id, bot_id)
            expected = row.config_version
        current = _loads(current_text)
        config = parse_bot_config(merge_changes(current, changes))
        changed = sorted(
            {c.key.split(".")[0] for c in _diff(current, _loads(config_to_json(config)))}
        )
        return self._save_version(
            principal,
            bot_id,
            expected_version=expected,
            previous=current,
            config=config,
            reason=note,
            action="bot.update",
            details={"changed": ",".join(changed)},
        )

    def rollback(
        self, principal: Principal, bot_id: str, version: int, *, reason: str | None = None
    ) -> BotView:
        """Save version ``version``'s configuration again, as the next version.

        It is validated again (the strategy, the symbols and the exchange key must still be
        valid) and needs the step-up when it makes the bot live or loosens a risk limit
        compared with the configuration in force.
        """
        note = _reason(reason, f"rollback to version {version}")
        with self._db.read_session() as session:
            row, current_text = self._current(session, principal.user_id, bot_id)
            expected = row.config_version
            target = self._version(session, principal.user_id, bot_id, version)
            target_text = target.config
        config = parse_bot_config(_loads(target_text))
        return self._save_version(
            principal,
            bot_id,
            expected_version=expected,
            previous=_loads(current_text),
            config=config,
            reason=note,
            action="bot.rollback",
            details={"restored_version": version},
        )

    def _save_version(
        self,
        principal: Principal,
        bot_id: str,
        *,
        expected_version: int,
        previous: Mapping[str, Any],
        config: BotConfig,
        reason: str,
        action: str,
        details: dict[str, str | int | bool | None],
    ) -> BotView:
        reasons = step_up_reasons(previous, config)
        if reasons:
            # Checked outside the write transaction: the check reads the user on its own.
            require_recent_mfa(principal, self._container)
        owner_id = principal.user_id
        now = self._now()
        with self._db.session() as session:
            row = bots_repo.get_bot(session, owner_id, bot_id, for_update=True)
            if row is None:
                raise _not_found(bot_id)
            if row.config_version != expected_version:
                # Someone saved another version since we read it: our step-up decision and
                # our merge were made against a configuration that is no longer in force.
                raise ConflictError(
                    f"bot {bot_id} was changed by another request (now version "
                    f"{row.config_version})",
                    "read the bot again and retry",
                )
            verify_credential(session, owner_id, config)
            if config.mode.value != row.mode and orders_repo.bot_has_orders(session, bot_id):
                # R13: a bot's orders are paper or live by its mode; never both in one bot.
                raise ConflictError(
                    f"bot {bot_id} has {row.mode} orders on record; its mode cannot change",
                    f"create a new bot to trade {config.mode.value} (paper and live records "
                    "are never mixed)",
                )
            check_risk_within_caps(session, config.risk)
            if config.name != row.name and bots_repo.name_taken(
                session, owner_id, config.name, except_bot_id=bot_id
            ):
                raise ConflictError(
                    f"you already have a bot called {config.name!r}", "choose another name"
                )
            version = row.config_version + 1
            text = config_to_json(config)
            _apply_config(row, config)
            row.config_version = version
            row.updated_at = now
            bots_repo.flush_bot(session, row)
            bots_repo.add_version(
                session,
                bot_id=bot_id,
                version=version,
                config=text,
                created_at=now,
                created_by=owner_id,
                reason=reason,
            )
            record_audit(
                session,
                self._container,
                actor_id=owner_id,
                action=action,
                target_type="bot",
                target_id=bot_id,
                details={
                    **details,
                    "version": version,
                    "mode": config.mode.value,
                    "step_up": bool(reasons),
                },
            )
            return self._view(session, row, text)

    def delete(self, principal: Principal, bot_id: str) -> None:
        """Delete the bot (its rows stay for the orders and trades that refer to it).

        Raises :class:`ConflictError` unless the bot is idle or stopped.
        """
        owner_id = principal.user_id
        with self._db.session() as session:
            row = bots_repo.get_bot(session, owner_id, bot_id, for_update=True)
            if row is None:
                raise _not_found(bot_id)
            state = BotState(row.state)
            if state not in DELETABLE_STATES:
                raise ConflictError(
                    f"bot {bot_id} is {state.value}; only an idle or stopped bot can be deleted",
                    f"stop it first (POST /api/v1/bots/{bot_id}/stop)",
                )
            now = self._now()
            row.deleted_at = now
            row.updated_at = now
            session.flush()
            record_audit(
                session,
                self._container,
                actor_id=owner_id,
                action="bot.delete",
                target_type="bot",
                target_id=bot_id,
                details={"name": row.name, "state": state.value},
            )

    # -- lifecycle ----------------------------------------------------------------------------

    def command(
        self, principal: Principal, bot_id: str, command: BotCommand, *, reason: str | None = None
    ) -> BotView:
        """Apply a user's lifecycle ``command`` (start, stop, pause, resume).

        Raises :class:`ConflictError` naming the current state when the command does not
        apply to it. Writes the state history row and the audit entry in one transaction,
        then publishes the new state on the owner's stream.
        """
        note = _reason(reason, f"{command.value} requested")
        owner_id = principal.user_id
        with self._db.session() as session:
            row = bots_repo.get_bot(session, owner_id, bot_id, for_update=True)
            if row is None:
                raise _not_found(bot_id)
            current = BotState(row.state)
            target = command_target(command, current)
            if command in (BotCommand.START, BotCommand.RESUME):
                assert_not_killed(session, owner_id, bot_id)
            self._move(session, row, current, target, reason=note, actor_id=owner_id)
            record_audit(
                session,
                self._container,
                actor_id=owner_id,
                action=f"bot.{command.value}",
                target_type="bot",
                target_id=bot_id,
                details={"from_state": current.value, "to_state": target.value},
            )
            view = self._view(session, *self._current(session, owner_id, bot_id))
        self._publish(owner_id, bot_id, target, note)
        return view

    def record_runtime_transition(
        self, owner_id: str, bot_id: str, target: BotState, *, reason: str
    ) -> BotView:
        """The runtime moved ``owner_id``'s bot to ``target`` (``monitoring``, ``halted``...).

        Checked against the transition table (:class:`ConflictError` otherwise), recorded in
        the state history with no actor, and published on the owner's stream.
        """
        note = _reason(reason, target.value)
        with self._db.session() as session:
            row = bots_repo.get_bot(session, owner_id, bot_id, for_update=True)
            if row is None:
                raise _not_found(bot_id)
            current = BotState(row.state)
            transition(current, target)
            self._move(session, row, current, target, reason=note, actor_id=None)
            view = self._view(session, *self._current(session, owner_id, bot_id))
        self._publish(owner_id, bot_id, target, note)
        return view

    def _move(
        self,
        session: DbSession,
        row: BotRow,
        current: BotState,
        target: BotState,
        *,
        reason: str,
        actor_id: str | None,
    ) -> None:
        now = self._now()
        row.state = target.value
        row.updated_at = now
        bots_repo.add_state_change(
            session,
            bot_id=row.id,
            from_state=current.value,
            to_state=target.value,
            reason=reason,
            actor_id=actor_id,
            at=now,
        )
