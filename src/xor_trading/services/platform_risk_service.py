"""Platform-wide risk caps: the ceiling every bot's risk limits must stay under.

An administrator sets, for some :class:`~xor_trading.risk.config.RiskConfig` limits, the
largest value any bot may use (:class:`PlatformRiskCaps`; a cap left out, ``None``, means
no platform cap on that limit). Every change is a new version (history); the current caps
are the newest. Before any version is saved, nothing is capped.

* **Bots.** Creating, updating or rolling back a bot whose risk exceeds a cap is refused
  (422) with one sentence per cap exceeded, naming the cap and both values
  (:func:`check_risk_within_caps`, called by the bot service in its write transaction).
  A bot with its limits turned off (``risk.enabled`` false) is refused only when
  ``allow_risk_disabled`` is false; when it is true the caps do not apply to it.
* **Lowering a cap** is a tightening: no step-up. Existing bots above the new caps are
  *not* rewritten (their saved configuration is theirs and stays reproducible); the
  update's answer lists them so the administrator can contact their owners, and the
  runtime (issue 6) clamps a bot's limits to the caps when it starts
  (:func:`clamp_risk` / :func:`effective_risk`). The owner has to bring the bot under the
  caps at its next configuration change, which is checked as a whole.
* **Raising a cap** (a larger value, removing a cap, allowing disabled limits) needs a
  fresh MFA verification (S9).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from xor_trading.core.errors import InputError, PermissionDeniedError
from xor_trading.domain.users import Role
from xor_trading.persistence.database import DbSession
from xor_trading.persistence.repositories import platform_controls as controls_repo
from xor_trading.persistence.tables.platform_controls import PlatformRiskLimitsRow
from xor_trading.risk.config import RiskConfig
from xor_trading.services.audit import record_audit
from xor_trading.services.authentication import require_recent_mfa
from xor_trading.services.container import Container
from xor_trading.services.principal import Principal

__all__ = [
    "CAP_FIELDS",
    "ExceedingBot",
    "LimitsUpdate",
    "PlatformRiskCaps",
    "PlatformRiskLimitsView",
    "PlatformRiskService",
    "check_risk_within_caps",
    "clamp_risk",
    "effective_risk",
    "load_caps",
]

CAP_FIELDS = (
    "max_position_pct",
    "max_risk_per_trade_pct",
    "max_leverage",
    "daily_loss_limit_pct",
    "max_drawdown_pct",
    "max_open_positions",
    "max_entries_per_day",
    "max_order_notional",
)
"""The RiskConfig limits the platform caps: for each, a larger value lets a bot lose more."""

MAX_LISTED_BOTS = 200
"""Bots above the new caps listed in an update's answer (the total is always given)."""

REASON_MAX = 255
_MAX_FRACTION_DIGITS = 18  # what the database keeps exactly (persistence/types.py)
_MAX_INTEGER_DIGITS = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CAPS_HINT = (
    "lower them to at most the platform caps (GET /api/v1/platform/risk-limits); "
    "only an administrator changes the caps"
)


def _shown(value: Decimal | int | None) -> str:
    return "none: no cap" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class PlatformRiskCaps:
    """The caps: each the largest value of the RiskConfig field of the same name a bot may
    use (percent of equity; ``max_leverage`` a multiple of equity; ``max_order_notional``
    quote currency); ``None`` is no cap. ``allow_risk_disabled`` false refuses bots whose
    limits are turned off."""

    max_position_pct: Decimal | None = None
    max_risk_per_trade_pct: Decimal | None = None
    max_leverage: Decimal | None = None
    daily_loss_limit_pct: Decimal | None = None
    max_drawdown_pct: Decimal | None = None
    max_open_positions: int | None = None
    max_entries_per_day: int | None = None
    max_order_notional: Decimal | None = None
    allow_risk_disabled: bool = True

    def cap(self, name: str) -> Decimal | int | None:
        """The cap of RiskConfig field ``name`` (one of :data:`CAP_FIELDS`)."""
        value: Decimal | int | None = getattr(self, name)
        return value

    def check_valid(self) -> None:
        """Raise :class:`InputError` naming every cap outside RiskConfig's validity range
        (a cap no bot could reach is a mistake) or not storable exactly."""
        # The same ranges as RiskConfig's own check, from its single table: a probe built
        # without validation, holding the caps and valid defaults elsewhere.
        given: dict[str, Any] = {n: self.cap(n) for n in CAP_FIELDS if self.cap(n) is not None}
        problems = RiskConfig.model_construct(**given)._absurd_values()
        for name, value in given.items():
            if isinstance(value, Decimal) and value.is_finite():
                exponent = value.normalize().as_tuple().exponent
                fraction_digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
                if fraction_digits > _MAX_FRACTION_DIGITS or abs(value) >= Decimal(10) ** (
                    _MAX_INTEGER_DIGITS
                ):
                    problems.append(
                        f"{name} ({value}) cannot be stored exactly: at most "
                        f"{_MAX_INTEGER_DIGITS} integer and {_MAX_FRACTION_DIGITS} decimal digits"
                    )
        if problems:
            raise InputError(
                "; ".join(f"platform cap {p}" for p in problems),
                "see docs/risk.md, section Configuration, for each limit's range",
            )

    def violations(self, risk: RiskConfig) -> list[str]:
        """One sentence per cap ``risk`` exceeds, naming the cap and both values; empty
        when ``risk`` respects every cap."""
        if not risk.enabled:
            if self.allow_risk_disabled:
                return []
            return [
                "risk limits are turned off (risk.enabled is false), but the platform requires "
                "them (allow_risk_disabled is false)"
            ]
        problems = []
        for name in CAP_FIELDS:
            cap = self.cap(name)
            if cap is None:
                continue
            value = getattr(risk, name)
            if value is None or value > cap:  # None: max_order_notional without a cap
                problems.append(
                    f"risk.{name} ({_shown(value)}) exceeds the platform cap {name} ({cap})"
                )
        return problems

    def raises_from(self, old: PlatformRiskCaps) -> list[str]:
        """Each cap these caps loosen compared with ``old``, as ``"name old -> new"``:
        a larger value, a cap removed, disabled limits allowed."""
        raises = []
        for name in CAP_FIELDS:
            before, after = old.cap(name), self.cap(name)
            if before is not None and (after is None or after > before):
                raises.append(f"{name} {before} -> {_shown(after)}")
        if self.allow_risk_disabled and not old.allow_risk_disabled:
            raises.append("allow_risk_disabled false -> true")
        return raises

    def changes_from(self, old: PlatformRiskCaps) -> dict[str, tuple[str, str]]:
        """field -> (old, new) as text, for every field that differs."""
        changed: dict[str, tuple[str, str]] = {}
        for name in (*CAP_FIELDS, "allow_risk_disabled"):
            before, after = getattr(old, name), getattr(self, name)
            if before != after:
                changed[name] = (_text(before), _text(after))
        return changed


def _text(value: Decimal | int | bool | None) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformRiskLimitsView(PlatformRiskCaps):
    """The caps in force with where they come from: ``version`` 0 (and ``created_at``,
    ``created_by`` None) when no administrator has saved any yet."""

    version: int
    created_at: datetime | None
    created_by: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ExceedingBot:
    """A bot whose configuration in force exceeds the caps, and which caps."""

    bot_id: str
    owner_id: str
    name: str
    state: str
    violations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LimitsUpdate:
    """The answer to an update: the new caps, the caps raised (step-up was needed when
    non-empty), and the bots above the new caps (at most :data:`MAX_LISTED_BOTS`, by id;
    ``exceeding_total`` counts them all)."""

    limits: PlatformRiskLimitsView
    raised: tuple[str, ...]
    exceeding_bots: tuple[ExceedingBot, ...]
    exceeding_total: int


def _caps_of(row: PlatformRiskLimitsRow | None) -> PlatformRiskCaps:
    if row is None:
        return PlatformRiskCaps()
    return PlatformRiskCaps(
        **{name: getattr(row, name) for name in CAP_FIELDS},
        allow_risk_disabled=row.allow_risk_disabled,
    )


def _view_of(row: PlatformRiskLimitsRow | None) -> PlatformRiskLimitsView:
    caps = _caps_of(row)
    values: dict[str, Any] = {f.name: getattr(caps, f.name) for f in fields(PlatformRiskCaps)}
    if row is None:
        return PlatformRiskLimitsView(
            **values, version=0, created_at=None, created_by=None, reason=""
        )
    return PlatformRiskLimitsView(
        **values,
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
        reason=row.reason,
    )


def load_caps(session: DbSession) -> PlatformRiskCaps:
    """The caps in force (no cap at all before an administrator saves some)."""
    return _caps_of(controls_repo.current_limits(session))


def check_risk_within_caps(session: DbSession, risk: RiskConfig) -> None:
    """Raise :class:`InputError` (422) when ``risk`` exceeds a platform cap, with one
    sentence per cap exceeded, e.g. ``risk.max_leverage (20) exceeds the platform cap
    max_leverage (5)``. Call it in the transaction that saves the configuration."""
    problems = load_caps(session).violations(risk)
    if problems:
        raise InputError("; ".join(problems), _CAPS_HINT)


def clamp_risk(risk: RiskConfig, caps: PlatformRiskCaps) -> RiskConfig:
    """``risk`` with every capped limit lowered to its cap: what the runtime enforces for
    a bot saved before the caps were lowered.

    Lowering one limit can contradict another (a trade risking more than the position it
    opens), so the dependent limits are lowered too: the position to the leverage x 100 %,
    the risk per trade to the position, the daily loss to the drawdown. Limits turned off
    stay off when the platform allows it; otherwise the defaults, clamped, apply.
    """
    if not risk.enabled:
        if caps.allow_risk_disabled:
            return risk
        risk = RiskConfig()
    values = risk.model_dump()
    for name in CAP_FIELDS:
        cap = caps.cap(name)
        if cap is not None:
            current = values[name]
            values[name] = cap if current is None else min(current, cap)
    values["max_position_pct"] = min(values["max_position_pct"], values["max_leverage"] * 100)
    values["max_risk_per_trade_pct"] = min(
        values["max_risk_per_trade_pct"], values["max_position_pct"]
    )
    values["daily_loss_limit_pct"] = min(values["daily_loss_limit_pct"], values["max_drawdown_pct"])
    return RiskConfig.model_validate(values)


def effective_risk(session: DbSession, risk: RiskConfig) -> RiskConfig:
    """``risk`` clamped to the caps in force (:func:`clamp_risk`); the runtime calls this
    when a bot starts or resumes."""
    return clamp_risk(risk, load_caps(session))


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise InputError("a reason is required", "say why the caps change")
    if not reason.isprintable():
        raise InputError("reason contains control characters", "write it on one line")
    if len(reason) > REASON_MAX:
        raise InputError(
            f"reason is {len(reason)} characters long; at most {REASON_MAX} are kept", "shorten it"
        )
    return reason


def _require_admin(principal: Principal, what: str) -> None:
    if not principal.allows(Role.ADMIN):
        raise PermissionDeniedError(
            f"only administrators may {what}; you are {principal.role.value}",
            "ask an administrator",
        )


class PlatformRiskService:
    """Read and change the platform's risk caps (construct per call; it holds no state)."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._db = container.database

    def current(self, principal: Principal) -> PlatformRiskLimitsView:
        """The caps in force; every authenticated user may read them (they bound their bots)."""
        del principal  # any role: the caps are the rules every user's bots must follow
        with self._db.read_session() as session:
            return _view_of(controls_repo.current_limits(session))

    def history(
        self, principal: Principal, *, limit: int, offset: int
    ) -> tuple[list[PlatformRiskLimitsView], int]:
        """Every saved version, newest first, and their count (administrators only)."""
        _require_admin(principal, "read the history of the platform risk limits")
        with self._db.read_session() as session:
            rows, total = controls_repo.list_limits(session, limit=limit, offset=offset)
            return [_view_of(r) for r in rows], total

    def update(self, principal: Principal, caps: PlatformRiskCaps, *, reason: str) -> LimitsUpdate:
        """Save ``caps`` as the next version (administrators only).

        Raises :class:`InputError` for a cap out of range, a missing reason or no change;
        ``StepUpRequiredError`` when a cap is raised without a fresh MFA verification;
        :class:`~xor_trading.core.errors.ConflictError` when another update saved a
        version in between. Existing bots are not changed; those above the new caps are
        listed in the answer.
        """
        _require_admin(principal, "change the platform risk limits")
        note = _reason(reason)
        caps.check_valid()
        with self._db.read_session() as session:
            current = controls_repo.current_limits(session)
            expected = current.version if current is not None else 0
            old = _caps_of(current)
        changes = caps.changes_from(old)
        if not changes:
            raise InputError(
                "the update changes nothing: every cap is already as given",
                "change at least one cap",
            )
        raised = caps.raises_from(old)
        if raised:
            require_recent_mfa(principal, self._container)
        now = _EPOCH + timedelta(milliseconds=self._container.clock.now_ms())
        with self._db.session() as session:
            row = PlatformRiskLimitsRow(
                version=expected + 1,
                created_at=now,
                created_by=principal.user_id,
                reason=note,
                allow_risk_disabled=caps.allow_risk_disabled,
                **{name: caps.cap(name) for name in CAP_FIELDS},
            )
            # The unique version is the optimistic lock: a concurrent update that read the
            # same version fails here (ConflictError) instead of overwriting silently.
            controls_repo.add_limits(session, row)
            exceeding = self._exceeding(session, caps)
            details: dict[str, str | int | bool | None] = {
                "version": row.version,
                "reason": note,
                "step_up": bool(raised),
                "exceeding_bots": len(exceeding),
            }
            for name, (before, after) in changes.items():
                details[f"old_{name}"] = before
                details[f"new_{name}"] = after
            record_audit(
                session,
                self._container,
                actor_id=principal.user_id,
                action="platform_risk.update",
                target_type="platform_risk_limits",
                target_id=row.id,
                details=details,
            )
            view = _view_of(row)
        return LimitsUpdate(
            limits=view,
            raised=tuple(raised),
            exceeding_bots=tuple(exceeding[:MAX_LISTED_BOTS]),
            exceeding_total=len(exceeding),
        )

    @staticmethod
    def _exceeding(session: DbSession, caps: PlatformRiskCaps) -> list[ExceedingBot]:
        found = []
        for bot, config_text in controls_repo.bots_with_configs(session):
            risk = RiskConfig.model_validate(_json_object(config_text).get("risk", {}))
            problems = caps.violations(risk)
            if problems:
                found.append(
                    ExceedingBot(
                        bot_id=bot.id,
                        owner_id=bot.owner_id,
                        name=bot.name,
                        state=bot.state,
                        violations=tuple(problems),
                    )
                )
        return found


def _json_object(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded
