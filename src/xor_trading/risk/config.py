"""Risk limits of one bot or one account: typed, frozen, checked for contradictions.

Every field has a default (the issue's numbers); docs/risk.md, "Configuration", explains each
one. A value that is negative, absurd, or that contradicts another limit is refused when the
configuration is built, with :class:`~xor_trading.core.errors.ConfigError` and a sentence
naming the values, e.g. ``max_risk_per_trade_pct (3) cannot exceed max_position_pct (2): a
trade cannot risk more than the position it opens``. Every problem found is reported at once,
joined by ``"; "``.

Build a configuration with ``RiskConfig(...)``, ``RiskConfig.model_validate({...})`` or
:meth:`RiskConfig.from_pairs` (the CLI's ``--risk key=value``): all three validate.
``model_copy(update=...)`` does **not** validate (pydantic's rule); use ``from_pairs(...,
base=config)`` to change a built configuration.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)

from xor_trading.core.errors import ConfigError

__all__ = ["RiskConfig"]

_DOCS_HINT = "see docs/risk.md, section Configuration"

# Absurd values: field -> (low, low allowed itself, high, high allowed itself, what it must be).
# Contradictions between fields are checked separately, in RiskConfig._contradictions.
_Bound = tuple[float, bool, float, bool, str]
_BOUNDS: dict[str, _Bound] = {
    "max_position_pct": (0, False, 12_500, True, "a percent of equity above 0"),
    "max_risk_per_trade_pct": (0, False, 100, True, "a percent of equity above 0, at most 100"),
    "max_open_positions": (1, True, 10_000, True, "a count from 1 to 10000"),
    "max_entries_per_day": (1, True, 100_000, True, "a count from 1 to 100000"),
    "max_leverage": (0, False, 125, True, "above 0 and at most 125 (no venue lends more)"),
    "max_order_notional": (0, False, math.inf, True, "an amount of quote currency above 0"),
    "max_correlation": (0, False, 1, True, "a correlation above 0 and at most 1"),
    "correlation_window": (10, True, 10_000, True, "from 10 to 10000 candles of returns"),
    "max_positions_per_cluster": (1, True, 10_000, True, "a count from 1 to 10000"),
    "daily_loss_limit_pct": (0, False, 100, False, "a percent above 0 and below 100"),
    "max_drawdown_pct": (0, False, 100, False, "a percent above 0 and below 100"),
    "stop_loss_streak": (1, True, 1_000, True, "a count from 1 to 1000"),
    "cooldown_minutes": (0, True, 43_200, True, "from 0 to 43200 minutes (30 days)"),
}


class RiskConfig(BaseModel):
    """Pre-trade limits, sizing bounds and breaker thresholds (percent values are of equity).

    ``enabled=False`` (:meth:`disabled`) turns off every limit; the venue's own rules (lot,
    tick, minimum notional) are still checked, because the venue would refuse the order anyway.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(default=True, description="False turns every risk limit off.")
    max_position_pct: Decimal = Field(
        default=Decimal(5), description="Largest position value, in % of equity."
    )
    max_risk_per_trade_pct: Decimal = Field(
        default=Decimal(2),
        description="Largest loss to the stop, in % of equity; the whole value without a stop.",
    )
    max_open_positions: int = Field(default=5, description="Concurrent positions (symbols).")
    max_entries_per_day: int = Field(default=10, description="Entries accepted per UTC day.")
    max_leverage: Decimal = Field(
        default=Decimal(10), description="Open value of all positions / equity."
    )
    max_order_notional: Decimal | None = Field(
        default=None, description="Largest value of one order in the quote currency; none: no cap."
    )
    max_correlation: float = Field(
        default=0.7, description="Largest correlation of a new position's returns with an open one."
    )
    correlation_window: int = Field(
        default=100, description="Candle returns the correlation is computed over."
    )
    max_positions_per_cluster: int = Field(
        default=2, description="Open positions in one cluster of correlated symbols."
    )
    daily_loss_limit_pct: Decimal = Field(
        default=Decimal(3), description="Loss from the UTC day's starting equity; stops entries."
    )
    max_drawdown_pct: Decimal = Field(
        default=Decimal(10), description="Drawdown from peak equity that halts the bot."
    )
    stop_loss_streak: int = Field(
        default=3, description="Consecutive stop losses that start a cooldown."
    )
    cooldown_minutes: int = Field(
        default=240, description="No entries for this long after a streak."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, data: Any, handler: ModelWrapValidatorHandler[RiskConfig]) -> RiskConfig:
        # ConfigError is not a ValueError, so pydantic lets it through unwrapped.
        try:
            config = handler(data)
        except ValidationError as exc:
            raise ConfigError(_pydantic_sentence(exc), _DOCS_HINT) from None
        # Contradictions are only looked for between sane values (a negative leverage would
        # otherwise also be reported as "smaller than the position cap").
        problems = config._absurd_values() or config._contradictions()
        if problems:
            raise ConfigError("; ".join(problems), _DOCS_HINT)
        return config

    def _absurd_values(self) -> list[str]:
        problems = []
        for name, (low, low_ok, high, high_ok, meaning) in _BOUNDS.items():
            value = getattr(self, name)
            if value is None:
                continue
            number = float(value)
            too_low = number < low or (number == low and not low_ok)
            too_high = number > high or (number == high and not high_ok)
            if not math.isfinite(number) or too_low or too_high:
                problems.append(f"{name} ({value}) is out of range: it must be {meaning}")
        return problems

    def _contradictions(self) -> list[str]:
        problems = []
        if self.max_risk_per_trade_pct > self.max_position_pct:
            problems.append(
                f"max_risk_per_trade_pct ({self.max_risk_per_trade_pct}) cannot exceed "
                f"max_position_pct ({self.max_position_pct}): a trade cannot risk more than the "
                "position it opens"
            )
        if self.max_position_pct > self.max_leverage * 100:
            problems.append(
                f"max_position_pct ({self.max_position_pct}) cannot exceed max_leverage "
                f"({self.max_leverage}) x 100 %: one position that size would break the "
                "leverage limit on its own"
            )
        if self.daily_loss_limit_pct > self.max_drawdown_pct:
            problems.append(
                f"daily_loss_limit_pct ({self.daily_loss_limit_pct}) cannot exceed "
                f"max_drawdown_pct ({self.max_drawdown_pct}): a day's loss is also a drawdown, "
                "so the drawdown breaker would always halt the bot before the daily limit trips"
            )
        return problems

    @classmethod
    def disabled(cls) -> RiskConfig:
        """Every risk limit off (the CLI's ``--risk off``); venue rules still apply."""
        return cls(enabled=False)

    @classmethod
    def from_pairs(cls, pairs: Iterable[str], base: RiskConfig | None = None) -> RiskConfig:
        """``base`` (default: the defaults) with ``["key=value", ...]`` applied, validated.

        Keys may use ``-`` for ``_`` (``max-open-positions=3``). ``max_order_notional=none``
        removes the cap. Raises :class:`ConfigError` for a pair without ``=``, an unknown or
        repeated key (the hint lists the known keys), a value of the wrong type, an absurd value
        or a contradiction (naming the values).
        """
        known = list(cls.model_fields)
        values: dict[str, Any] = (base or cls()).model_dump()
        seen: set[str] = set()
        for pair in pairs:
            key, sep, raw = pair.partition("=")
            key = key.strip().replace("-", "_")
            raw = raw.strip()
            if not sep or not key:
                raise ConfigError(
                    f"risk setting {pair!r} is not of the form key=value",
                    f"for example max_open_positions=3; known keys: {', '.join(known)}",
                )
            if key not in cls.model_fields:
                close = difflib.get_close_matches(key, known, n=1)
                guess = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(
                    f"unknown risk setting {key!r}{guess}", f"known keys: {', '.join(known)}"
                )
            if key in seen:
                raise ConfigError(f"risk setting {key!r} is given twice", "give each key once")
            seen.add(key)
            no_cap = key == "max_order_notional" and raw.lower() in {"none", "null", "off", ""}
            values[key] = None if no_cap else raw
        return cls.model_validate(values)


def _pydantic_sentence(exc: ValidationError) -> str:
    """pydantic's first error as a sentence naming the key and the value."""
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "risk settings"
        if err["type"] == "extra_forbidden":
            known = ", ".join(RiskConfig.model_fields)
            parts.append(f"unknown risk setting {key!r} (known keys: {known})")
        else:
            msg = err["msg"][:1].lower() + err["msg"][1:]
            parts.append(f"{key} ({err.get('input')!r}) is not valid: {msg}")
    return "; ".join(parts)
