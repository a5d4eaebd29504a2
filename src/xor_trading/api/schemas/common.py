"""Schemas shared by every resource: strict inputs, the error body, pages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)

MAX_PAGE_SIZE = 500

_ISO_8601 = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}:?\d{2})?"
)


def _iso_8601_text(value: object) -> object:
    # pydantic reads a bare number as Unix seconds ("0.5" -> 1970-01-01T00:00:00.5Z); the
    # spec says date-time, so only ISO 8601 text is a time here.
    if isinstance(value, str) and not _ISO_8601.fullmatch(value):
        raise ValueError("use an ISO 8601 time with a zone, e.g. 2025-06-01T00:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_8601_text)]
"""A time given as ISO 8601 text (query parameters and bodies); numbers are refused."""


class StrictInput(BaseModel):
    """Base of every request body: unknown fields are an error (mass assignment, S5)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    """Base of every response body (built from service objects by attribute)."""

    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    """Every error response: a stable ``code``, a sentence, and what to do about it."""

    code: str = Field(description="Stable machine name of the error, e.g. not_found.")
    message: str = Field(description="What was wrong, as one sentence.")
    hint: str = Field(default="", description="What to do about it.")
    request_id: str = Field(default="", description="Quote it when reporting a problem.")
    details: list[dict[str, str]] = Field(
        default_factory=list, description="Per-field problems of a rejected request body."
    )


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus the count of rows matching the filters.

    Long lists (orders, fills, trades, positions, signals, risk events) stop counting
    :data:`~xor_trading.persistence.repositories.orders.COUNT_CAP` rows past ``offset``:
    ``total_exact`` is then false and ``total`` means "at least this many" (ADR 0013).
    Every constructor states ``total_exact``; the default only keeps routes written
    before the field existed valid (their counts are exact).
    """

    # total_exact is always in a response: mark it required in the response schema.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    items: list[T]
    total: int = Field(
        ge=0,
        description="Rows matching the filters; a lower bound when total_exact is false.",
    )
    total_exact: bool = Field(
        default=True,
        description=(
            "False when counting stopped 1,000 rows past offset: there are at least "
            "total rows (show it as 'total+')."
        ),
    )
    limit: int = Field(ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(ge=0)


def page_of(
    model: type[P],
    views: Iterable[object],
    *,
    total: int,
    limit: int,
    offset: int,
    total_exact: bool = True,
) -> Page[P]:
    """A page of ``model`` built from service views (by attribute)."""
    return Page[model](  # type: ignore[valid-type]  # a runtime-parametrised generic
        items=[model.model_validate(view) for view in views],
        total=total,
        total_exact=total_exact,
        limit=limit,
        offset=offset,
    )


class Message(BaseModel):
    """A plain acknowledgement."""

    message: str
