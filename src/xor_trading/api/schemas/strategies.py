"""Strategies: what a bot may run, with the JSON Schema of its parameters."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from xor_trading.api.schemas.common import Page, PublicModel


class StrategyPublic(PublicModel):
    """One strategy; build a parameter form from ``parameters_schema``."""

    name: str = Field(description="What a bot's ``strategy`` field names.")
    description: str = Field(description="One-sentence summary.")
    timeframes: list[str] | None = Field(
        description="The timeframes the strategy declares it suits; null: any."
    )
    parameters_schema: dict[str, Any] = Field(
        description="JSON Schema (draft 2020-12) of the strategy's ``params``."
    )
    defaults: dict[str, Any] = Field(description="Every parameter's default value.")


class BrokenStrategyPublic(PublicModel):
    """A strategy an installed package announces but that failed to import."""

    name: str
    error: str = Field(description="Why it could not be loaded.")


class StrategyPage(Page[StrategyPublic]):
    """A page of strategies, plus the installed ones that failed to load (not paged)."""

    broken: list[BrokenStrategyPublic] = Field(default_factory=list)
