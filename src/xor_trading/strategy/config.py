"""Typed strategy configuration: a pydantic model whose JSON Schema a form can be built from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from xor_trading.core.errors import ConfigError


class StrategyConfig(BaseModel):
    """Base of every strategy's parameters: frozen, unknown keys refused.

    Give each field a default, bounds (``ge``/``le``) and a ``description``: they become the
    JSON Schema that the dashboard turns into a form and the CLI turns into ``--param`` help.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def parse_params(cls, params: dict[str, Any], strategy: str) -> StrategyConfig:
        """Validate ``params`` (CLI strings are coerced); raises ConfigError naming the key."""
        try:
            return cls.model_validate(params)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "parameters"
            known = ", ".join(f"{k} (default {f.default})" for k, f in cls.model_fields.items())
            if err["type"] == "extra_forbidden":
                raise ConfigError(
                    f"unknown parameter {key!r} for strategy {strategy}",
                    f"known parameters: {known}",
                ) from None
            raise ConfigError(
                f"invalid parameter {key!r} for strategy {strategy}: {err['msg']}",
                f"known parameters: {known}",
            ) from None
